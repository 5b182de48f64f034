/**
 * queue — the one scheduler.
 *
 * JOB      Claims due deliveries under leases, hands each group to the transport its
 *          deliveries name (the list the node was started with; the queue knows none by
 *          name), records the outcome, schedules retries, gives up after the configured
 *          time and sends DSNs for what failed. Builds every message we write ourselves
 *          (generatedRecord; generatedMail routes one to its recipients) and takes it in
 *          the writer's transaction (enqueue). Its retention job removes what the
 *          `retention` windows say is old (retention.ts decides); its traffic rollup job
 *          counts each finished minute for the dashboard (traffic.ts).
 * INPUTS   Delivery rows in the store; wake-ups from the receiver after each commit;
 *          the transports (Transport: a key and `deliver`, which says per delivery how it
 *          went, and may `note` steps for the trace); messages other components write,
 *          with their deliveries.
 * OUTPUTS  Delivery states (delivered, deferred, bounced, expired), trace events, DSN messages;
 *          the mailbox entries that transports hand back, written with their outcome;
 *          purged messages (the log entry kept with each delivery's outcome).
 * TRUSTS   What transports report, as they say it: remote replies are recorded verbatim in
 *          the trace, capped in length; a transport that throws defers its whole group.
 * SECURITY Holds no credentials of its own; what leaves the node leaves through a transport.
 * EVENTS   queue.attempt, queue.delivered, queue.deferred, queue.bounced, queue.expired,
 *          queue.paced (a delivery a transport held back without an attempt, once per reason),
 *          queue.destination_down (one held for a down destination: one line, counted),
 *          queue.dsn_queued, queue.dsn_suppressed, mailbox.stored, what transports note
 *          (outbound.arc_sealed) before the outcome, queue.deleted (held
 *          mail dropped by retention), retention.purged; in the trace of mail it builds,
 *          inbound.envelope, routing.planned and inbound.accepted; in the log only,
 *          queue.released, queue.reclaimed, queue.attempt_failed, queue.lease_lapsed,
 *          queue.taken_over, queue.recorded_late, queue.store_error, queue.store_back,
 *          retention.store_error, retention.no_free_space_return and traffic.store_error.
 *
 * A command that imports this file loads the runner and everything it sends with (see
 * desk/index.ts why); short commands take what they need from ./light.ts.
 */
export { decideRetry, DEFAULT_RETRY, type RetryDecision, type RetryPolicy } from './schedule.js';
export { groupDeliveries, type DeliveryGroup } from './group.js';
export { generatedMail, generatedRecord, type GeneratedMessage, type GeneratedOrigin } from './generated-mail.js';
export { RETENTION_JOB } from './retention.js';
export type { AttemptContext, AttemptOutcome, Transport } from './transport.js';
export { enqueue } from './io/enqueue.js';
export { QueueRunner, type QueueRunnerDeps } from './io/queue-runner.js';
export { RetentionJob } from './io/retention-job.js';
export { TrafficRollupJob } from './io/traffic-rollup-job.js';
