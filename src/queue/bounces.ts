import { EVENTS } from '../base/events.js';
import { traceText, type TraceText } from '../base/trace-texts.js';
import { summarizeHeaders } from '../base/headers.js';
import { renderDsn } from '../outbound/index.js';
import type { RoutingSnapshot } from '../routing/index.js';
import type { MessageRow, ReceivedRecord, TraceEvent } from '../store/index.js';
import { generatedMail } from './generated-mail.js';
import type { Settlement } from './settle.js';

/**
 * Turns failed deliveries into one DSN to the envelope sender (RFC 3464), or into a
 * trace line saying why none is sent: a null sender (a bounce is never bounced) or
 * recipients whose rule asked to suppress bounces. `queueId` is the DSN's, if one is sent.
 */
export function bounceFor(input: {
  message: MessageRow;
  header: Buffer;
  failures: Settlement['failures'];
  now: number;
  snapshot: RoutingSnapshot;
  hostname: string;
  queueId: string;
}): { record: ReceivedRecord | null; trace: TraceEvent[] } {
  const { message, header, failures, now, snapshot, hostname, queueId } = input;
  const trace: TraceEvent[] = [];
  const ev = (code: string, summary: string, text: TraceText, data: Record<string, unknown> = {}): TraceEvent => ({
    queueId: message.queueId,
    at: now,
    code,
    summary,
    data,
    text,
  });
  const reportable = failures.filter((f) => !f.delivery.suppressBounces);
  for (const f of failures) {
    if (f.delivery.suppressBounces)
      trace.push(
        ev(
          EVENTS.dsnSuppressed,
          `no bounce for <${f.delivery.recipient}>: the rule that added it suppresses bounces`,
          traceText('queue.dsn_suppressed/added-recipient', { recipient: f.delivery.recipient }),
          { recipient: f.delivery.recipient },
        ),
      );
  }
  if (reportable.length === 0) return { record: null, trace };
  if (message.mailFrom === '') {
    trace.push(
      ev(EVENTS.dsnSuppressed, 'no bounce: the message has a null sender (it is itself a notification)', traceText('queue.dsn_suppressed/null-sender', {})),
    );
    return { record: null, trace };
  }
  const dsn = renderDsn({
    reportingMta: hostname,
    from: `MAILER-DAEMON@${hostname}`,
    to: message.mailFrom,
    queueId: message.queueId,
    arrivalDate: new Date(message.receivedAt),
    now: new Date(now),
    messageId: `<${queueId.toLowerCase()}.dsn@${hostname}>`,
    recipients: reportable.map((f) => ({
      finalRecipient: f.delivery.recipient,
      originalRecipient: f.delivery.originalRecipient !== f.delivery.recipient ? f.delivery.originalRecipient : undefined,
      action: 'failed' as const,
      status: f.status,
      remoteMta: f.remoteMta,
      diagnostic: `smtp; ${f.reply}`,
    })),
    originalHeaders: header,
  });
  const { record, undeliverable } = generatedMail({
    queueId,
    raw: dsn,
    summary: summarizeHeaders(dsn),
    mailFrom: '',
    recipients: [message.mailFrom],
    snapshot,
    now,
    hostname,
    origin: { summary: `delivery status notification for ${message.queueId}`, code: 'inbound.envelope/dsn', params: { queueId: message.queueId } },
  });
  if (undeliverable.length > 0) {
    trace.push(
      ev(
        EVENTS.dsnSuppressed,
        `no bounce: the sender <${message.mailFrom}> is in a hosted domain but no one holds that address`,
        traceText('queue.dsn_suppressed/undeliverable', { sender: message.mailFrom }),
        { sender: message.mailFrom },
      ),
    );
    return { record: null, trace };
  }
  trace.push(
    ev(
      EVENTS.dsnQueued,
      `bounce to <${message.mailFrom}> queued as ${queueId}`,
      traceText('queue.dsn_queued', { sender: message.mailFrom, dsnQueueId: queueId }),
      {
        dsnQueueId: queueId,
      },
    ),
  );
  return { record, trace };
}
