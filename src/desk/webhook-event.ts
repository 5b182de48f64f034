/**
 * A desk event as the queue carries it: one message whose body is the envelope's JSON and
 * one `webhook` delivery per subscription. Pure: the queue id, the envelope and the time
 * come in.
 */
import { generatedRecord } from '../queue/light.js';
import { traceText } from '../base/trace-texts.js';
import type { ReceivedRecord } from '../store/index.js';
import type { WebhookEnvelope } from './webhook-format.js';

export const WEBHOOK_TRANSPORT = 'webhook';

const IDENTITY = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };

export function webhookEventRecord(input: {
  queueId: string;
  envelope: WebhookEnvelope;
  subscriptions: readonly { readonly id: string; readonly url: string }[];
  at: number;
}): ReceivedRecord {
  const { queueId, envelope, subscriptions, at } = input;
  return generatedRecord({
    queueId,
    now: at,
    mailFrom: '',
    helo: 'relaydesk',
    configVersion: 0,
    messageId: envelope.id,
    subject: `webhook ${envelope.type}`,
    headerFrom: null,
    content: { header: Buffer.alloc(0), body: [Buffer.from(JSON.stringify(envelope), 'utf8')] },
    deliveries: subscriptions.map((s) => ({
      delivery: {
        recipient: s.id,
        originalRecipient: s.url,
        transport: WEBHOOK_TRANSPORT,
        route: null,
        requireTls: false,
        // A receiver that refuses is the admin's to see in the trace; no DSN goes anywhere.
        suppressBounces: true,
        spamFlag: false,
        transform: IDENTITY,
        rules: [],
        status: 'queued',
        holdReason: null,
        nextAttemptAt: at,
      },
      planned: `<${s.id}> → POST ${s.url} by webhook: queued`,
      plannedText: traceText('routing.planned/webhook', { recipient: s.id, url: s.url }),
    })),
    envelope: {
      summary: `webhook event ${envelope.type} (${envelope.id}) for ${subscriptions.length} subscription(s)`,
      data: { event: envelope.type, eventId: envelope.id },
      text: traceText('inbound.envelope/webhook', { event: envelope.type, eventId: envelope.id, count: subscriptions.length }),
    },
  });
}
