import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { Db } from '../db.js';
import { rowIndexes, runCompiledRows } from '../compiled-once.js';
import type { TraceText } from '../../base/trace-texts.js';

export interface TraceEvent {
  readonly queueId: string;
  readonly deliveryId?: number | null;
  readonly at: number;
  readonly code: string;
  readonly summary: string;
  readonly data?: Record<string, unknown>;
  /** The line in words of the console's dictionaries; stored in `data` as `text`. */
  readonly text?: TraceText;
}

export interface StoredTraceEvent extends Omit<TraceEvent, 'text'> {
  readonly id: number;
  /** Null for a line stored without one (before texts existed): its summary says it. */
  readonly text: { readonly code: string; readonly params: Readonly<Record<string, unknown>> } | null;
}

const TEXT_KEY = 'text';

/** Appends events in order, several rows to a statement. */
export async function appendTrace(db: Db | Transaction<Database>, events: readonly TraceEvent[]): Promise<void> {
  await runCompiledRows(db, 'insert-trace', events.map(traceRow), (p, n) =>
    db
      .insertInto('trace_events')
      .values(rowIndexes(n).map((i) => ({ queue_id: p(i, 0), delivery_id: p(i, 1), at: p(i, 2), code: p(i, 3), summary: p(i, 4), data: p(i, 5) }))),
  );
}

/** An event as the values of its row, in the columns of `appendTrace`. */
function traceRow(e: TraceEvent): unknown[] {
  return [e.queueId, e.deliveryId ?? null, e.at, e.code, e.summary, JSON.stringify(e.text ? { ...e.data, [TEXT_KEY]: e.text } : (e.data ?? {}))];
}

export async function loadTrace(db: Db, queueId: string, afterId = 0): Promise<StoredTraceEvent[]> {
  const rows = await db.selectFrom('trace_events').selectAll().where('queue_id', '=', queueId).where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => {
    const { [TEXT_KEY]: text, ...data } = JSON.parse(r.data) as Record<string, unknown>;
    return { id: r.id, queueId: r.queue_id, deliveryId: r.delivery_id, at: r.at, code: r.code, summary: r.summary, data, text: isText(text) ? text : null };
  });
}

function isText(v: unknown): v is { code: string; params: Record<string, unknown> } {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return typeof t['code'] === 'string' && typeof t['params'] === 'object' && t['params'] !== null;
}
