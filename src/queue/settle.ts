/**
 * What an attempt's outcomes mean for the store: each delivery's new state (delivered,
 * deferred with its next try, bounced, expired), the trace lines that say so, mailbox
 * entries to write, and the failures a DSN must report. Pure: time and policy are arguments.
 */
import { EVENTS } from '../base/events.js';
import { replyText, traceText, type Text, type TraceText } from '../base/trace-texts.js';
import type { AttemptResult, DeliveryRow, MailboxEntry, TraceEvent } from '../store/index.js';
import { decideRetry, type RetryPolicy } from './schedule.js';

/**
 * What one transport reports per recipient of an attempt. A reply of ours (not a peer's) may
 * come as a text too (`replyText`), so the console says it in the reader's language; `note`
 * adds a sentence of ours to a delivered line (a Message-ID the desk saw reused).
 */
export type AttemptOutcome =
  | {
      readonly kind: 'delivered';
      readonly reply: string;
      readonly replyText?: Text;
      readonly note?: Text;
      readonly remoteMta?: string;
      readonly mailbox?: Omit<MailboxEntry, 'id'>;
    }
  | { readonly kind: 'deferred'; readonly reply: string; readonly replyText?: Text; readonly remoteMta?: string }
  | { readonly kind: 'bounced'; readonly reply: string; readonly replyText?: Text; readonly remoteMta?: string; readonly status: string }
  /**
   * Not attempted: the destination's pacing (outbound.limits) has no room now. Not an attempt:
   * no retry backoff, no bounce; due again at `retryAt`.
   */
  | {
      readonly kind: 'paced';
      readonly reply: string;
      readonly retryAt: number;
      /** Held because the destination is down (not answering): traced as such, repeats merged into one line. */
      readonly down?: { readonly destination: string; readonly since: number };
    };

/** Remote replies are stored in the trace; a hostile server cannot fill the store. */
export const MAX_REPLY_CHARS = 2_000;

export interface Settlement {
  readonly results: AttemptResult[];
  readonly trace: TraceEvent[];
  readonly mailbox: Omit<MailboxEntry, 'id'>[];
  /** Bounced and expired deliveries, for the DSN. */
  readonly failures: { readonly delivery: DeliveryRow; readonly reply: string; readonly remoteMta?: string; readonly status: string }[];
  /** The earliest retry scheduled here (Infinity when none). */
  readonly nextDue: number;
}

export function settleAttempt(input: {
  deliveries: readonly DeliveryRow[];
  outcomes: ReadonlyMap<number, AttemptOutcome>;
  /** When the message was received; null when it is gone from the store (nothing to retry). */
  receivedAt: number | null;
  startedAt: number;
  now: number;
  policy: RetryPolicy;
}): Settlement {
  const { now } = input;
  const out: Settlement & { nextDue: number } = { results: [], trace: [], mailbox: [], failures: [], nextDue: Infinity };
  for (const d of input.deliveries) {
    const o: AttemptOutcome = input.outcomes.get(d.id) ?? {
      kind: 'deferred',
      reply: 'no outcome reported for this recipient',
      replyText: replyText('reply.no-outcome', {}),
    };
    const attempts = d.attempts + 1;
    const reply = o.reply.slice(0, MAX_REPLY_CHARS);
    const remoteMta = o.kind === 'paced' ? undefined : o.remoteMta;
    const ev = (code: string, summary: string, text: TraceText, data: Record<string, unknown> = {}): TraceEvent => ({
      queueId: d.queueId,
      deliveryId: d.id,
      at: now,
      code,
      summary,
      data: { recipient: d.recipient, attempt: attempts, reply, remoteMta: remoteMta ?? null, ms: now - input.startedAt, ...data },
      text,
    });
    const said = (o.kind !== 'paced' ? o.replyText : undefined) ?? reply;
    const recipient = d.recipient;
    const fail = (status: string) => out.failures.push({ delivery: d, reply, ...(remoteMta ? { remoteMta } : {}), status });
    switch (o.kind) {
      case 'delivered':
        out.results.push({ id: d.id, status: 'delivered', attempts, nextAttemptAt: now, lastReply: reply });
        out.trace.push(
          ev(
            EVENTS.delivered,
            `<${d.recipient}> delivered${o.remoteMta ? ` to ${o.remoteMta}` : ''}: ${reply}`,
            o.note
              ? traceText('queue.delivered/noted', { recipient, reply: said, note: o.note })
              : o.remoteMta
                ? traceText('queue.delivered', { recipient, remoteMta: o.remoteMta, reply: said })
                : traceText('queue.delivered/local', { recipient, reply: said }),
          ),
        );
        if (o.mailbox) {
          out.mailbox.push(o.mailbox);
          const address = o.mailbox.address;
          out.trace.push(
            ev(
              EVENTS.mailboxStored,
              `stored in the mailbox of <${address}>${o.mailbox.spam ? ' (flagged as spam)' : ''}`,
              traceText(o.mailbox.spam ? 'mailbox.stored/spam' : 'mailbox.stored', { address }),
            ),
          );
        }
        break;
      case 'bounced':
        out.results.push({ id: d.id, status: 'bounced', attempts, nextAttemptAt: now, lastReply: reply });
        out.trace.push(
          ev(
            EVENTS.bounced,
            `<${d.recipient}> bounced${o.remoteMta ? ` by ${o.remoteMta}` : ''}: ${reply}`,
            o.remoteMta
              ? traceText('queue.bounced', { recipient, remoteMta: o.remoteMta, reply: said })
              : traceText('queue.bounced/local', { recipient, reply: said }),
          ),
        );
        fail(o.status);
        break;
      case 'paced': {
        // Held back past the give-up time, it expires as a deferred delivery would.
        if (input.receivedAt === null || now - input.receivedAt >= input.policy.giveUpAfterMs) {
          out.results.push({ id: d.id, status: 'expired', attempts: d.attempts, nextAttemptAt: now, lastReply: reply });
          out.trace.push(
            ev(
              EVENTS.expired,
              `<${d.recipient}> expired after ${d.attempts} attempts: ${reply}`,
              traceText('queue.expired', { recipient, attempts: d.attempts, reply: said }),
              {
                attempt: d.attempts,
              },
            ),
          );
          fail('4.4.7');
          break;
        }
        out.results.push({ id: d.id, status: 'deferred', attempts: d.attempts, nextAttemptAt: o.retryAt, lastReply: reply });
        out.nextDue = Math.min(out.nextDue, o.retryAt);
        if (o.down) {
          const { destination } = o.down;
          const since = new Date(o.down.since).toISOString();
          out.trace.push({
            ...ev(
              EVENTS.destinationDown,
              `<${d.recipient}> held: ${destination} is down since ${since}; next try after its probe, ${new Date(o.retryAt).toISOString()}`,
              traceText('queue.destination_down', { recipient, destination, since, nextAttemptAt: new Date(o.retryAt).toISOString() }),
              { attempt: d.attempts, nextAttemptAt: o.retryAt },
            ),
            merge: true,
          });
          break;
        }
        // One line per run of the same reason: a busy destination would otherwise fill the trace.
        if (d.lastReply !== reply)
          out.trace.push(
            ev(
              EVENTS.paced,
              `<${d.recipient}> held back: ${reply}; next try ${new Date(o.retryAt).toISOString()}`,
              traceText('queue.paced', { recipient, reply: said, nextAttemptAt: new Date(o.retryAt).toISOString() }),
              { attempt: d.attempts, nextAttemptAt: o.retryAt },
            ),
          );
        break;
      }
      case 'deferred': {
        const next = input.receivedAt === null ? ({ kind: 'expire' } as const) : decideRetry({ attempts, receivedAt: input.receivedAt, now }, input.policy);
        if (next.kind === 'retry') {
          out.results.push({ id: d.id, status: 'deferred', attempts, nextAttemptAt: next.at, lastReply: reply });
          out.nextDue = Math.min(out.nextDue, next.at);
          out.trace.push(
            ev(
              EVENTS.deferred,
              `<${d.recipient}> deferred: ${reply}; next attempt ${new Date(next.at).toISOString()}`,
              traceText('queue.deferred', { recipient, reply: said, nextAttemptAt: new Date(next.at).toISOString() }),
              { nextAttemptAt: next.at },
            ),
          );
        } else {
          out.results.push({ id: d.id, status: 'expired', attempts, nextAttemptAt: now, lastReply: reply });
          out.trace.push(
            ev(
              EVENTS.expired,
              `<${d.recipient}> expired after ${attempts} attempts: ${reply}`,
              traceText('queue.expired', { recipient, attempts, reply: said }),
            ),
          );
          // RFC 3463 4.4.7: delivery time expired.
          fail('4.4.7');
        }
        break;
      }
    }
  }
  return out;
}
