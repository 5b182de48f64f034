/**
 * queue, light face — what code that writes mail and short commands need: the builder of
 * the messages we write (generatedRecord, generatedMail), enqueue, the Transport contract
 * and the retention job's name. It names no module that loads the runner, the SMTP sender
 * or the configuration, which a command importing index.ts would load (desk/index.ts says
 * why); the desk's actions, run from the CLI, write mail through it. index.ts describes
 * the queue.
 */
export { generatedMail, generatedRecord, type GeneratedMessage, type GeneratedOrigin } from './generated-mail.js';
export { RETENTION_JOB } from './retention.js';
export type { AttemptContext, AttemptOutcome, Transport } from './transport.js';
export { enqueue } from './io/enqueue.js';
