import { sql, type Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { DialectCaps } from '../dialects/caps.js';
import type { Selectable } from 'kysely';
import type { Database, DeliveryStatus, DeliveryTable } from '../schema.js';
import { appendTrace, type TraceEvent } from './trace-repo.js';

export interface DeliveryRow {
  readonly id: number;
  readonly queueId: string;
  readonly recipient: string;
  readonly originalRecipient: string;
  readonly transport: string;
  readonly route: string | null;
  readonly requireTls: boolean;
  readonly suppressBounces: boolean;
  readonly spamFlag: boolean;
  readonly transform: unknown;
  readonly rules: string[];
  readonly status: DeliveryStatus;
  readonly holdReason: string | null;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastReply: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function toDeliveryRow(r: Selectable<DeliveryTable>): DeliveryRow {
  return {
    id: r.id,
    queueId: r.queue_id,
    recipient: r.recipient,
    originalRecipient: r.original_recipient,
    transport: r.transport,
    route: r.route,
    requireTls: r.require_tls === 1,
    suppressBounces: r.suppress_bounces === 1,
    spamFlag: r.spam_flag === 1,
    transform: JSON.parse(r.transform) as unknown,
    rules: JSON.parse(r.rules) as string[],
    status: r.status,
    holdReason: r.hold_reason,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastReply: r.last_reply,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Deliveries a claim may take once due, in the words of the index `deliveries_claimable`
 * (migration 0020): literal values, since neither database matches a partial index to bound ones.
 */
const CLAIMABLE = sql<boolean>`status in ('queued', 'deferred')`;

/**
 * Takes up to `limit` due deliveries under a lease. A node that dies leaves leases
 * that expire (`reclaimExpiredLeases`), so its work comes back to someone.
 */
export async function claimDue(db: Db, caps: DialectCaps, opts: { now: number; limit: number; owner: string; leaseMs: number }): Promise<DeliveryRow[]> {
  let due = db.selectFrom('deliveries').select('id').where(CLAIMABLE).where('next_attempt_at', '<=', opts.now).orderBy('next_attempt_at').limit(opts.limit);
  if (caps.skipLocked) due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('deliveries')
    .set({ status: 'active', lease_until: opts.now + opts.leaseMs, lease_owner: opts.owner, updated_at: opts.now })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows.map(toDeliveryRow);
}

export async function reclaimExpiredLeases(db: Db, now: number): Promise<number> {
  const r = await db
    .updateTable('deliveries')
    .set({ status: 'deferred', lease_until: null, lease_owner: null, next_attempt_at: now, updated_at: now })
    .where('status', '=', 'active')
    .where('lease_until', '<', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A LIKE pattern that matches `prefix` as it is, then anything. */
function startsWith(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Keeps a process's claims alive while its attempts run (a long transfer outlives one
 * lease). Each claim is owned by `<process>#<claim>`, so every claim of the process is renewed.
 */
export async function renewLeases(db: Db, input: { owner: string; now: number; leaseMs: number }): Promise<number> {
  const r = await db
    .updateTable('deliveries')
    .set({ lease_until: input.now + input.leaseMs })
    .where('status', '=', 'active')
    .where('lease_owner', 'like', startsWith(`${input.owner}#`))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * At start, a node takes back the claims of its own earlier run (same node name, other
 * process): that run is dead, so there is no need to wait for its leases to expire.
 */
export async function reclaimOwnStaleLeases(db: Db, input: { nodeName: string; owner: string; now: number }): Promise<number> {
  const r = await db
    .updateTable('deliveries')
    .set({ status: 'deferred', lease_until: null, lease_owner: null, next_attempt_at: input.now, updated_at: input.now })
    .where('status', '=', 'active')
    .where('lease_owner', 'like', startsWith(`${input.nodeName}/`))
    .where('lease_owner', 'not like', startsWith(`${input.owner}#`))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * A stopping process gives its claims back: what it claimed and will not attempt is due
 * again at once, for another node or its own next run, without waiting for the lease.
 */
export async function releaseLeases(db: Db, input: { owner: string; now: number }): Promise<number> {
  const r = await db
    .updateTable('deliveries')
    .set({ status: 'deferred', lease_until: null, lease_owner: null, next_attempt_at: input.now, updated_at: input.now })
    .where('status', '=', 'active')
    .where('lease_owner', 'like', startsWith(`${input.owner}#`))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function nextDueAt(db: Db): Promise<number | null> {
  const r = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where(CLAIMABLE)
    .executeTakeFirst();
  return r?.at == null ? null : Number(r.at);
}

export async function loadDeliveries(db: Db, queueId: string): Promise<DeliveryRow[]> {
  const rows = await db.selectFrom('deliveries').selectAll().where('queue_id', '=', queueId).orderBy('id').execute();
  return rows.map(toDeliveryRow);
}

export interface HeldMessage {
  readonly queueId: string;
  readonly receivedAt: number;
  readonly mailFrom: string;
  readonly subject: string | null;
  readonly spamScore: number;
  readonly spamReasons: string[];
  readonly recipients: { recipient: string; originalRecipient: string; holdReason: string | null }[];
}

export async function listHeld(db: Db, limit = 200): Promise<HeldMessage[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('messages', 'messages.queue_id', 'deliveries.queue_id')
    .select([
      'deliveries.queue_id',
      'deliveries.recipient',
      'deliveries.original_recipient',
      'deliveries.hold_reason',
      'messages.received_at',
      'messages.mail_from',
      'messages.subject',
      'messages.spam_score',
      'messages.spam_reasons',
    ])
    .where('deliveries.status', '=', 'held')
    .orderBy('messages.received_at', 'desc')
    .limit(limit * 20)
    .execute();
  const byId = new Map<string, HeldMessage>();
  for (const r of rows) {
    let m = byId.get(r.queue_id);
    if (!m) {
      if (byId.size >= limit) continue;
      m = {
        queueId: r.queue_id,
        receivedAt: r.received_at,
        mailFrom: r.mail_from,
        subject: r.subject,
        spamScore: r.spam_score,
        spamReasons: JSON.parse(r.spam_reasons) as string[],
        recipients: [],
      };
      byId.set(r.queue_id, m);
    }
    m.recipients.push({ recipient: r.recipient, originalRecipient: r.original_recipient, holdReason: r.hold_reason });
  }
  return [...byId.values()];
}

/** Held deliveries of one message move on (`queued`) or are dropped (`deleted`); returns how many. */
export async function resolveHeld(db: Db, input: { queueId: string; to: 'queued' | 'deleted'; now: number; trace: TraceEvent }): Promise<number> {
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    const r = await trx
      .updateTable('deliveries')
      // Released mail goes on as if it were not spam: the desk must not set it aside again.
      .set({
        status: input.to,
        next_attempt_at: input.now,
        updated_at: input.now,
        hold_reason: input.to === 'queued' ? null : sql`hold_reason`,
        spam_flag: input.to === 'queued' ? 0 : sql`spam_flag`,
      })
      .where('queue_id', '=', input.queueId)
      .where('status', '=', 'held')
      .executeTakeFirst();
    const n = Number(r.numUpdatedRows);
    if (n > 0) await appendTrace(trx, [input.trace]);
    return n;
  });
}

export async function countByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** When the oldest delivery in a status was accepted (ms since the epoch), or null when there is none. */
export async function oldestCreatedAt(db: Db, status: DeliveryStatus): Promise<number | null> {
  const r = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where('status', '=', status)
    .executeTakeFirst();
  return r?.oldest === null || r?.oldest === undefined ? null : Number(r.oldest);
}

export interface LatestDelivery {
  readonly queueId: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastReply: string | null;
  readonly updatedAt: number;
}

/** The newest delivery to a recipient by a transport (a webhook subscription's last POST). */
export async function latestDeliveryTo(db: Db, transport: string, recipient: string): Promise<LatestDelivery | null> {
  const r = await db
    .selectFrom('deliveries')
    .select(['queue_id', 'status', 'attempts', 'last_reply', 'updated_at'])
    .where('transport', '=', transport)
    .where('recipient', '=', recipient)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { queueId: r.queue_id, status: r.status, attempts: r.attempts, lastReply: r.last_reply, updatedAt: Number(r.updated_at) } : null;
}

/** Whether some delivery of the message is held in quarantine. */
export async function isHeld(db: Db, queueId: string): Promise<boolean> {
  const r = await db.selectFrom('deliveries').select('id').where('queue_id', '=', queueId).where('status', '=', 'held').limit(1).executeTakeFirst();
  return r !== undefined;
}
