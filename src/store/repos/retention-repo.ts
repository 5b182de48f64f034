import { sql, type Transaction } from 'kysely';
import type { Db, StoreHandle } from '../db.js';
import type { Database, DeliveryStatus } from '../schema.js';
import { loadDeliveries, toDeliveryRow, type DeliveryRow } from './delivery-repo.js';
import type { DeliverySummary } from './delivery-summary.js';
import type { TraceText } from '../../base/trace-texts.js';
import type { MessageRow } from './message-repo.js';
import { appendTrace } from './trace-repo.js';

/**
 * Retention's work on the store, in batches: each call is one short transaction and says
 * how much it removed, so the job can tell whether more is due. Cases, leads and their mail
 * (desk_cases, desk_messages, desk_attachments and their blobs) are never touched here.
 */

export function summarizeDelivery(d: DeliveryRow): DeliverySummary {
  return {
    id: d.id,
    recipient: d.recipient,
    originalRecipient: d.originalRecipient,
    transport: d.transport,
    status: d.status,
    attempts: d.attempts,
    lastReply: d.lastReply,
    at: d.updatedAt,
  };
}

/**
 * A message's deliveries as the email log shows them: the rows while the message is kept,
 * the summary once it was purged.
 */
export async function loggedDeliveries(db: Db, m: Pick<MessageRow, 'queueId' | 'bodyPurgedAt' | 'deliverySummary'>): Promise<DeliverySummary[]> {
  if (m.bodyPurgedAt !== null) return [...(m.deliverySummary ?? [])];
  return (await loadDeliveries(db, m.queueId)).map(summarizeDelivery);
}

/** A delivery in one of these may still change: its message is not finished. */
const OPEN: readonly DeliveryStatus[] = ['queued', 'active', 'deferred', 'held'];

/** Drops held deliveries held since before `before` (status deleted), with a trace line per message. */
export async function expireHeld(
  db: Db,
  input: { before: number; now: number; limit: number; code: string; summary: string; text: TraceText },
): Promise<{ messages: number; deliveries: number }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('deliveries')
      .select('queue_id')
      .distinct()
      .where('status', '=', 'held')
      .where('created_at', '<', input.before)
      .orderBy('queue_id')
      .limit(input.limit)
      .execute();
    let deliveries = 0;
    for (const { queue_id } of rows) {
      const r = await trx
        .updateTable('deliveries')
        .set({ status: 'deleted', updated_at: input.now })
        .where('queue_id', '=', queue_id)
        .where('status', '=', 'held')
        .where('created_at', '<', input.before)
        .executeTakeFirst();
      const n = Number(r.numUpdatedRows);
      deliveries += n;
      if (n > 0) await appendTrace(trx, [{ queueId: queue_id, at: input.now, code: input.code, summary: input.summary, text: input.text }]);
    }
    return { messages: rows.length, deliveries };
  });
}

export interface PurgeCounts {
  readonly messages: number;
  /** The purged messages' sizes, summed. */
  readonly bytes: number;
  readonly deliveries: number;
  readonly traceEvents: number;
}

/**
 * Removes body, deliveries and trace of up to `limit` finished messages whose deliveries all
 * ended before `before`, oldest first; each row stays with `body_purged_at` and the summary of
 * its deliveries. Mail the desk set aside and still lists (suspended, failed) keeps its body,
 * since recovering or retrying it reads the body: it goes once that entry does.
 */
export async function purgeFinished(db: Db, input: { before: number; now: number; limit: number }): Promise<PurgeCounts> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('messages as m')
      .select(['m.queue_id', 'm.size'])
      .where('m.body_purged_at', 'is', null)
      .where('m.received_at', '<', input.before)
      .where((eb) =>
        eb.not(
          eb.or([
            eb.exists(
              eb
                .selectFrom('deliveries as d')
                .select('d.id')
                .whereRef('d.queue_id', '=', 'm.queue_id')
                .where((e) => e.or([e('d.status', 'in', OPEN), e('d.updated_at', '>=', input.before)])),
            ),
            eb.exists(eb.selectFrom('desk_suspended as s').select('s.id').whereRef('s.queue_id', '=', 'm.queue_id').where('s.state', '=', 'suspended')),
            eb.exists(eb.selectFrom('desk_failed as f').select('f.id').whereRef('f.queue_id', '=', 'm.queue_id').where('f.state', '=', 'failed')),
          ]),
        ),
      )
      .orderBy('m.received_at')
      .limit(input.limit)
      .execute();
    if (due.length === 0) return { messages: 0, bytes: 0, deliveries: 0, traceEvents: 0 };
    const ids = due.map((r) => r.queue_id);
    const rows = await trx.selectFrom('deliveries').selectAll().where('queue_id', 'in', ids).orderBy('id').execute();
    const byMessage = new Map<string, DeliverySummary[]>(ids.map((id) => [id, []]));
    for (const d of rows) byMessage.get(d.queue_id)!.push(summarizeDelivery(toDeliveryRow(d)));
    await trx.deleteFrom('blob_chunks').where('blob_id', 'in', ids).execute();
    const trace = await trx.deleteFrom('trace_events').where('queue_id', 'in', ids).executeTakeFirst();
    const deliveries = await trx.deleteFrom('deliveries').where('queue_id', 'in', ids).executeTakeFirst();
    for (const [queueId, summary] of byMessage) {
      await trx
        .updateTable('messages')
        .set({ body_purged_at: input.now, delivery_summary: JSON.stringify(summary) })
        .where('queue_id', '=', queueId)
        .execute();
    }
    return {
      messages: due.length,
      bytes: due.reduce((n, r) => n + Number(r.size), 0),
      deliveries: Number(deliveries.numDeletedRows),
      traceEvents: Number(trace.numDeletedRows),
    };
  });
}

/** Removes up to `limit` purged messages received before `before` from the email log, with their mailbox entries. */
export async function deleteLogEntries(db: Db, input: { before: number; limit: number }): Promise<{ messages: number }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('messages')
      .select('queue_id')
      .where('body_purged_at', 'is not', null)
      .where('received_at', '<', input.before)
      .orderBy('received_at')
      .limit(input.limit)
      .execute();
    if (rows.length === 0) return { messages: 0 };
    const ids = rows.map((r) => r.queue_id);
    await trx.deleteFrom('mailbox_messages').where('queue_id', 'in', ids).execute();
    await trx.deleteFrom('messages').where('queue_id', 'in', ids).execute();
    return { messages: ids.length };
  });
}

/** Deletes up to `limit` suspended and up to `limit` failed desk entries set aside before `before`. */
export async function deleteSetAside(db: Db, input: { before: number; limit: number }): Promise<{ suspended: number; failed: number }> {
  return db.transaction().execute(async (trx) => {
    const suspended = await trx
      .deleteFrom('desk_suspended')
      .where('id', 'in', trx.selectFrom('desk_suspended').select('id').where('created_at', '<', input.before).orderBy('id').limit(input.limit))
      .executeTakeFirst();
    const failed = await trx
      .deleteFrom('desk_failed')
      .where('id', 'in', trx.selectFrom('desk_failed').select('id').where('created_at', '<', input.before).orderBy('id').limit(input.limit))
      .executeTakeFirst();
    return { suspended: Number(suspended.numDeletedRows), failed: Number(failed.numDeletedRows) };
  });
}

/** Removes up to `limit` blobs still marked as being written since before `before` (their writer died). */
export async function deleteSpoolOrphans(db: Db, input: { before: number; limit: number }): Promise<{ blobs: number; chunks: number }> {
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    const rows = await trx.selectFrom('spool').select('blob_id').where('started_at', '<', input.before).orderBy('started_at').limit(input.limit).execute();
    if (rows.length === 0) return { blobs: 0, chunks: 0 };
    const ids = rows.map((r) => r.blob_id);
    const chunks = await trx.deleteFrom('blob_chunks').where('blob_id', 'in', ids).executeTakeFirst();
    await trx.deleteFrom('spool').where('blob_id', 'in', ids).execute();
    return { blobs: ids.length, chunks: Number(chunks.numDeletedRows) };
  });
}

/**
 * How freed space goes back to the file system: `incremental` (returnFreePages does it),
 * `none` (a SQLite store made before retention; the file keeps its size until a VACUUM), or
 * `database` (PostgreSQL's autovacuum reuses it).
 */
export async function freeSpaceMode(store: Pick<StoreHandle, 'db' | 'caps'>): Promise<'incremental' | 'none' | 'database'> {
  if (!store.caps.incrementalVacuum) return 'database';
  const r = await sql<{ auto_vacuum: number }>`pragma auto_vacuum`.execute(store.db);
  return Number(r.rows[0]?.auto_vacuum) === 2 ? 'incremental' : 'none';
}

/** What a maintenance run removed, by kind. */
export type MaintenanceCounts = Readonly<Record<string, number>>;

export interface MaintenanceRun {
  readonly startedAt: number;
  readonly durationMs: number;
  /** The node (name/pid) that ran it. */
  readonly holder: string;
  readonly counts: MaintenanceCounts;
}

/**
 * Takes (or renews) the job's lease: true when `holder` may run it now. One node at a time
 * runs a job; a lease left by a node that died expires.
 */
export async function claimMaintenance(db: Db, input: { job: string; holder: string; now: number; leaseMs: number }): Promise<boolean> {
  const r = await db
    .updateTable('maintenance')
    .set({ holder: input.holder, lease_until: input.now + input.leaseMs })
    .where('job', '=', input.job)
    .where((eb) => eb.or([eb('holder', 'is', null), eb('holder', '=', input.holder), eb('lease_until', '<', input.now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records a finished run and gives the lease up. */
export async function finishMaintenance(db: Db, input: { job: string; holder: string; run: MaintenanceRun }): Promise<void> {
  await db
    .updateTable('maintenance')
    .set({
      holder: null,
      lease_until: null,
      last_started_at: input.run.startedAt,
      last_duration_ms: Math.round(input.run.durationMs),
      last_holder: input.run.holder,
      last_counts: JSON.stringify(input.run.counts),
    })
    .where('job', '=', input.job)
    .where('holder', '=', input.holder)
    .execute();
}

/** Gives the lease up without recording a run (the node is stopping mid-run). */
export async function releaseMaintenance(db: Db, input: { job: string; holder: string }): Promise<void> {
  await db.updateTable('maintenance').set({ holder: null, lease_until: null }).where('job', '=', input.job).where('holder', '=', input.holder).execute();
}

export async function loadLastMaintenance(db: Db, job: string): Promise<MaintenanceRun | null> {
  const r = await db.selectFrom('maintenance').selectAll().where('job', '=', job).executeTakeFirst();
  if (!r || r.last_started_at === null || r.last_counts === null) return null;
  return {
    startedAt: Number(r.last_started_at),
    durationMs: Number(r.last_duration_ms ?? 0),
    holder: r.last_holder ?? '',
    counts: JSON.parse(r.last_counts) as MaintenanceCounts,
  };
}
