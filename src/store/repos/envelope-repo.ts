import type { Db } from '../db.js';
import type { DeliverySummary } from './delivery-summary.js';

/** What routing saw of one stored message: who sent it, to whom (as the client gave them), when. */
export interface StoredEnvelope {
  readonly queueId: string;
  readonly sender: string;
  /** The accepted envelope recipients, before any rule changed them (refused ones are never stored). */
  readonly recipients: readonly string[];
  readonly receivedAt: number;
  readonly spam: boolean;
}

export interface EnvelopePage {
  readonly envelopes: readonly StoredEnvelope[];
  /** Pass it back as `after` for the next page; null on the last one. */
  readonly next: { readonly receivedAt: number; readonly queueId: string } | null;
}

/**
 * The envelopes of the messages received in [since, until), oldest first, a page at a time
 * (keyset, so a long period costs one indexed range scan in all). Bodies are not read; a
 * message whose body retention purged still has its recipients, in its delivery summary.
 */
export async function listEnvelopes(
  db: Db,
  q: { since: number; until: number; after?: { receivedAt: number; queueId: string } | null; limit: number },
): Promise<EnvelopePage> {
  let query = db
    .selectFrom('messages')
    .select(['queue_id', 'mail_from', 'received_at', 'spam', 'delivery_summary'])
    .where('received_at', '>=', q.since)
    .where('received_at', '<', q.until);
  const after = q.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('received_at', '>', after.receivedAt), eb.and([eb('received_at', '=', after.receivedAt), eb('queue_id', '>', after.queueId)])]),
    );
  }
  const rows = await query.orderBy('received_at').orderBy('queue_id').limit(q.limit).execute();
  if (rows.length === 0) return { envelopes: [], next: null };
  const live = rows.filter((r) => r.delivery_summary === null).map((r) => r.queue_id);
  const recipients = new Map<string, Set<string>>();
  const add = (queueId: string, address: string): void => {
    const set = recipients.get(queueId) ?? new Set<string>();
    set.add(address);
    recipients.set(queueId, set);
  };
  if (live.length > 0) {
    const ds = await db.selectFrom('deliveries').select(['queue_id', 'original_recipient']).where('queue_id', 'in', live).orderBy('id').execute();
    for (const d of ds) add(d.queue_id, d.original_recipient);
  }
  for (const r of rows) {
    if (r.delivery_summary !== null) for (const d of JSON.parse(r.delivery_summary) as DeliverySummary[]) add(r.queue_id, d.originalRecipient);
  }
  const last = rows[rows.length - 1]!;
  return {
    envelopes: rows.map((r) => ({
      queueId: r.queue_id,
      sender: r.mail_from,
      recipients: [...(recipients.get(r.queue_id) ?? [])],
      receivedAt: Number(r.received_at),
      spam: Number(r.spam) === 1,
    })),
    next: rows.length < q.limit ? null : { receivedAt: Number(last.received_at), queueId: last.queue_id },
  };
}
