import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { Db } from '../db.js';
import { runCompiledOnce } from '../compiled-once.js';

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
  for (const e of events) {
    await runCompiledOnce(
      db,
      'insert-trace',
      (p) =>
        db
          .insertInto('trace_events')
          .values({ queue_id: p('queue_id'), delivery_id: p('delivery_id'), at: p('at'), code: p('code'), summary: p('summary'), data: p('data') }),
      { queue_id: e.queueId, delivery_id: e.deliveryId ?? null, at: e.at, code: e.code, summary: e.summary, data: JSON.stringify(e.data ?? {}) },
    );
  }
}

export async function loadTrace(db: Db, queueId: string, afterId = 0): Promise<StoredTraceEvent[]> {
  const rows = await db.selectFrom('trace_events').selectAll().where('queue_id', '=', queueId).where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    queueId: r.queue_id,
    deliveryId: r.delivery_id,
    at: r.at,
    code: r.code,
    summary: r.summary,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}
