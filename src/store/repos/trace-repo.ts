import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { Db } from '../db.js';

export interface TraceEvent {
  readonly queueId: string;
  readonly deliveryId?: number | null;
  readonly at: number;
  readonly code: string;
  readonly summary: string;
  readonly data?: Record<string, unknown>;
}

export interface StoredTraceEvent extends TraceEvent {
  readonly id: number;
}

export async function appendTrace(db: Db | Transaction<Database>, events: readonly TraceEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('trace_events')
    .values(events.map((e) => ({ queue_id: e.queueId, delivery_id: e.deliveryId ?? null, at: e.at, code: e.code, summary: e.summary, data: JSON.stringify(e.data ?? {}) })))
    .execute();
}

export async function loadTrace(db: Db, queueId: string, afterId = 0): Promise<StoredTraceEvent[]> {
  const rows = await db.selectFrom('trace_events').selectAll().where('queue_id', '=', queueId).where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, queueId: r.queue_id, deliveryId: r.delivery_id, at: r.at, code: r.code, summary: r.summary, data: JSON.parse(r.data) as Record<string, unknown> }));
}
