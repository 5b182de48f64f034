import { EVENTS } from '../../base/events.js';
import { newQueueId } from '../../base/ids.js';
import { renderDsn } from '../../outbound/index.js';
import { decideRecipient, planDeliveries, type RoutingSnapshot } from '../../routing/index.js';
import type { DeliveryRow, MessageRow, NewDelivery, ReceivedRecord, TraceEvent } from '../../store/index.js';
import { headerEnd, summarizeHeaders } from '../../base/headers.js';

export interface Failure {
  readonly delivery: DeliveryRow;
  readonly reply: string;
  readonly remoteMta?: string;
  readonly status: string;
}

export interface BounceFactory {
  forFailures(input: { message: MessageRow; raw: Buffer; failures: readonly Failure[]; now: number; snapshot: RoutingSnapshot }): { record: ReceivedRecord | null; trace: TraceEvent[] };
}

const HAM = { spam: false, score: 0, reasons: [] } as const;

/**
 * Turns failed deliveries into one DSN to the envelope sender (RFC 3464), or into a
 * trace line saying why none is sent: a null sender (a bounce is never bounced) or
 * recipients whose rule asked to suppress bounces.
 */
export function createBounceFactory(opts: { hostname: string }): BounceFactory {
  return {
    forFailures({ message, raw, failures, now, snapshot }) {
      const trace: TraceEvent[] = [];
      const ev = (code: string, summary: string, data: Record<string, unknown> = {}): TraceEvent => ({ queueId: message.queueId, at: now, code, summary, data });
      const reportable = failures.filter((f) => !f.delivery.suppressBounces);
      for (const f of failures) {
        if (f.delivery.suppressBounces) trace.push(ev(EVENTS.dsnSuppressed, `no bounce for <${f.delivery.recipient}>: the rule that added it suppresses bounces`, { recipient: f.delivery.recipient }));
      }
      if (reportable.length === 0) return { record: null, trace };
      if (message.mailFrom === '') {
        trace.push(ev(EVENTS.dsnSuppressed, 'no bounce: the message has a null sender (it is itself a notification)'));
        return { record: null, trace };
      }
      const queueId = newQueueId(now);
      const dsn = renderDsn({
        reportingMta: opts.hostname,
        from: `MAILER-DAEMON@${opts.hostname}`,
        to: message.mailFrom,
        queueId: message.queueId,
        arrivalDate: new Date(message.receivedAt),
        now: new Date(now),
        messageId: `<${queueId.toLowerCase()}.dsn@${opts.hostname}>`,
        recipients: reportable.map((f) => ({
          finalRecipient: f.delivery.recipient,
          originalRecipient: f.delivery.originalRecipient !== f.delivery.recipient ? f.delivery.originalRecipient : undefined,
          action: 'failed' as const,
          status: f.status,
          remoteMta: f.remoteMta,
          diagnostic: `smtp; ${f.reply}`,
        })),
        originalHeaders: raw.subarray(0, headerEnd(raw)),
      });
      const target = dsnDelivery(message.mailFrom, snapshot, now);
      if (!target) {
        trace.push(ev(EVENTS.dsnSuppressed, `no bounce: the sender <${message.mailFrom}> is in a hosted domain but no one holds that address`));
        return { record: null, trace };
      }
      trace.push(ev(EVENTS.dsnQueued, `bounce to <${message.mailFrom}> queued as ${queueId}`, { dsnQueueId: queueId }));
      const summary = summarizeHeaders(dsn);
      const record: ReceivedRecord = {
        message: {
          queueId,
          messageId: summary.messageId,
          mailFrom: '',
          helo: opts.hostname,
          clientIp: '127.0.0.1',
          subject: summary.subject,
          headerFrom: summary.from,
          receivedAt: now,
          configVersion: snapshot.version,
          spam: false,
          spamScore: 0,
          spamReasons: [],
          authResults: {},
        },
        raw: dsn,
        deliveries: target,
        trace: [
          { queueId, at: now, code: EVENTS.envelope, summary: `delivery status notification for ${message.queueId} to <${message.mailFrom}>`, data: { about: message.queueId, mailFrom: '', recipients: [message.mailFrom] } },
          { queueId, at: now, code: EVENTS.accepted, summary: `generated: queued as ${queueId}`, data: {} },
        ],
      };
      return { record, trace };
    },
  };
}

function dsnDelivery(sender: string, snapshot: RoutingSnapshot, now: number): NewDelivery[] | null {
  const decision = decideRecipient(sender, snapshot);
  const base = { requireTls: false, suppressBounces: true, spamFlag: false, rules: [] as string[], status: 'queued' as const, holdReason: null, nextAttemptAt: now };
  if (decision.kind === 'accept') {
    const planned = planDeliveries([decision.plan], HAM);
    if (planned.length === 0) return null;
    return planned.map((d) => ({ ...base, recipient: d.recipient, originalRecipient: sender, transport: d.transport, route: d.route ?? null, transform: d.transform }));
  }
  const domain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
  if (snapshot.domains.has(domain)) return null;
  return [{ ...base, recipient: sender, originalRecipient: sender, transport: 'smtp', route: null, transform: { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false } }];
}
