import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { DialectCaps } from '../dialects/caps.js';
import type { Selectable } from 'kysely';
import type { Database, DeliveryStatus, DeliveryTable } from '../schema.js';
import { insertReceivedMany, type ReceivedRecord } from './message-repo.js';
import { appendOrMergeTrace, appendTrace, type TraceEvent } from './trace-repo.js';
import { storeInMailbox, type MailboxEntry } from './mailbox-repo.js';
import { recordStatements, rowIndexes, rowSlices, runCompiledRows } from '../compiled-once.js';
import type { ThreadStatement } from '../chunk-write.js';

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

export interface AttemptResult {
  readonly id: number;
  readonly status: Extract<DeliveryStatus, 'delivered' | 'deferred' | 'bounced' | 'expired'>;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastReply: string | null;
}

/**
 * Records attempt outcomes, their trace, and any messages they cause (DSNs) in one
 * transaction, so a bounce is never recorded without its DSN (nor a mailbox
 * delivery without its mailbox entry), or the reverse.
 * Only rows still leased by `owner` (the claim's own token) change: a release, a delete,
 * or another node that took the delivery over after this lease expired is not overwritten,
 * and then the attempt's trace and messages are not recorded either.
 */
export interface AttemptCompletion {
  readonly owner: string;
  readonly now: number;
  readonly results: readonly AttemptResult[];
  readonly trace: readonly TraceEvent[];
  readonly newMessages: readonly ReceivedRecord[];
  readonly mailbox?: readonly Omit<MailboxEntry, 'id'>[];
}

/**
 * Several attempts' completions in one transaction (outcomes kept while the store was away).
 * Resolves, for each, whether it was recorded (false: its lease was no longer its own).
 */
export async function completeMany(db: Db, inputs: readonly AttemptCompletion[]): Promise<boolean[]> {
  return db.transaction().execute((trx) => completeIn(trx, inputs));
}

/** completeMany inside a transaction of the caller's (the node's group commit, StoreWriter). */
export async function completeIn(trx: Transaction<Database>, inputs: readonly AttemptCompletion[]): Promise<boolean[]> {
  const updated = await recordResults(trx, inputs);
  const recorded = inputs.map((input, i) => input.results.length === 0 || updated[i]!);
  const kept = inputs.filter((_, i) => recorded[i]);
  await appendOrMergeTrace(
    trx,
    kept.flatMap((input) => input.trace),
  );
  for (const input of kept) for (const e of input.mailbox ?? []) await storeInMailbox(trx, e);
  await insertReceivedMany(
    trx,
    kept.flatMap((input) => input.newMessages),
  );
  return recorded;
}

/**
 * Whether `completionStatements` can take a completion: one that adds no mail (a DSN), no
 * mailbox entry and merges no trace line, so nothing it writes depends on what it reads.
 * Most are: a delivery, a deferral, a hold.
 */
export function compilesAhead(input: AttemptCompletion): boolean {
  return input.newMessages.length === 0 && (input.mailbox?.length ?? 0) === 0 && !input.trace.some((e) => e.merge);
}

/**
 * `completeIn` for completions that all `compilesAhead`, as statements compiled here to run
 * elsewhere (the store's thread, see StoreWriter) without reading what they did. Each UPDATE
 * of results expects every one of its rows to change: if a claim is gone (a lease that
 * expired, a delivery taken over or deleted), the thread rolls the whole batch back and it is
 * run by `completeIn`, which records the others. Null for a batch that names a delivery twice
 * (`completeIn` updates it in rounds).
 */
export async function completionStatements(db: Db, inputs: readonly AttemptCompletion[]): Promise<ThreadStatement[] | null> {
  const rows = inputs.flatMap((input) => input.results.map((r) => resultRow(input, r)));
  if (new Set(rows.map((r) => r[0])).size !== rows.length) return null;
  const recorder = db as unknown as Kysely<never>;
  const slices = rowSlices(rows.length);
  const updates = await recordStatements(recorder, (trx) => updateResults(trx as unknown as Transaction<Database>, rows));
  if (updates.length !== slices.length) throw new Error(`${updates.length} statements for ${slices.length} slices of results`);
  const trace = await recordStatements(recorder, (trx) =>
    appendTrace(
      trx as unknown as Transaction<Database>,
      inputs.flatMap((input) => input.trace),
    ),
  );
  return [...updates.map((st, i) => ({ ...st, expectRows: slices[i]! })), ...trace];
}

/** A result as the row `updateResults` binds: (id, owner, status, attempts, next attempt, reply, now). */
function resultRow(input: AttemptCompletion, r: AttemptResult): unknown[] {
  return [r.id, input.owner, r.status, r.attempts, r.nextAttemptAt, r.lastReply, input.now];
}

/**
 * The results of all inputs, each row only under its input's claim; says for each input
 * whether any of its rows changed. One statement for a batch: a delivery appears at most
 * once in it, since RETURNING can name only the updated row (its claim is gone by then);
 * a delivery in the batch twice (an attempt under a lease that expired, and another under
 * the next claim) goes in a later statement, in the batch's order, as one by one.
 */
async function recordResults(trx: Transaction<Database>, inputs: readonly AttemptCompletion[]): Promise<boolean[]> {
  const changed = inputs.map(() => false);
  let rounds: { input: number; row: unknown[] }[] = [];
  for (const [i, input] of inputs.entries()) {
    for (const r of input.results) rounds.push({ input: i, row: resultRow(input, r) });
  }
  while (rounds.length > 0) {
    const seen = new Set<unknown>();
    const now: typeof rounds = [];
    const later: typeof rounds = [];
    for (const x of rounds) {
      if (seen.has(x.row[0])) later.push(x);
      else {
        seen.add(x.row[0]);
        now.push(x);
      }
    }
    const ids = new Set(
      (
        await updateResults(
          trx,
          now.map((x) => x.row),
        )
      ).map((r) => Number(r.id)),
    );
    for (const x of now) if (ids.has(x.row[0] as number)) changed[x.input] = true;
    rounds = later;
  }
  return changed;
}

/** Rows of (id, owner, status, attempts, next attempt, reply, now) as UPDATE … FROM (VALUES …); returns the ids updated. */
function updateResults(trx: Transaction<Database>, rows: readonly unknown[][]): Promise<{ id: number }[]> {
  return runCompiledRows(trx, 'complete-delivery', rows, (p, n) => {
    // Typed in the list itself: PostgreSQL reads an untyped parameter in VALUES as text.
    const values = sql.join(
      rowIndexes(n).map(
        (i) =>
          sql`(cast(${p(i, 0)} as bigint), cast(${p(i, 1)} as text), cast(${p(i, 2)} as text), cast(${p(i, 3)} as integer), cast(${p(i, 4)} as bigint), cast(${p(i, 5)} as text), cast(${p(i, 6)} as bigint))`,
      ),
    );
    return trx
      .updateTable('deliveries')
      .from(sql<ResultValues>`(values ${values})`.as('v'))
      .set({
        status: sql`v.column3`,
        attempts: sql`v.column4`,
        next_attempt_at: sql`v.column5`,
        last_reply: sql`v.column6`,
        lease_until: sql`null`,
        lease_owner: sql`null`,
        updated_at: sql`v.column7`,
      })
      .whereRef('deliveries.id', '=', sql.ref('v.column1'))
      .whereRef('deliveries.lease_owner', '=', sql.ref('v.column2'))
      .returning('deliveries.id');
  });
}

/** The columns of a VALUES list, as both databases name them. */
interface ResultValues {
  column1: number;
  column2: string;
  column3: DeliveryStatus;
  column4: number;
  column5: number;
  column6: string | null;
  column7: number;
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
