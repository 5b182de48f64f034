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
  /**
   * A repeat of the delivery's last line (same code, same `data.reply`) updates that line
   * instead of adding one: `data.count`, `data.firstAt`, `data.lastAt` (appendOrMergeTrace).
   */
  readonly merge?: boolean;
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

/**
 * appendTrace, except that an event marked `merge` that repeats its delivery's last line
 * (same code and reply: a destination down for hours, a host deferring every retry) counts
 * on that line instead of adding one. Only where the event is its delivery's one line in
 * this batch, so lines keep their order. The last lines of the batch's deliveries are read
 * together, not one statement per delivery: a probe round holds many at once.
 */
export async function appendOrMergeTrace(db: Db | Transaction<Database>, events: readonly TraceEvent[]): Promise<void> {
  const lines = new Map<number, number>();
  for (const e of events) if (e.deliveryId != null) lines.set(e.deliveryId, (lines.get(e.deliveryId) ?? 0) + 1);
  const candidates = events.filter((e) => e.merge && e.deliveryId != null && lines.get(e.deliveryId) === 1);
  const last = await lastLines(db, candidates);
  const merging = new Set(candidates);
  const rest: TraceEvent[] = [];
  for (const e of events) {
    const line = merging.has(e) ? last.get(lineKey(e.queueId, e.deliveryId!)) : undefined;
    if (line && (await mergeInto(db, line, e))) continue;
    rest.push(e);
  }
  if (rest.length > 0) await appendTrace(db, rest);
}

interface LastLine {
  readonly id: number;
  readonly code: string;
  readonly at: number;
  readonly data: string;
}

const lineKey = (queueId: string, deliveryId: number) => `${deliveryId} ${queueId}`;
/** Deliveries whose last line one statement reads: two parameters each, well below either database's limit. */
const LAST_LINES_AT_ONCE = 200;

/** The last line of each event's delivery, by lineKey. */
async function lastLines(db: Db | Transaction<Database>, events: readonly TraceEvent[]): Promise<Map<string, LastLine>> {
  const out = new Map<string, LastLine>();
  for (let i = 0; i < events.length; i += LAST_LINES_AT_ONCE) {
    const chunk = events.slice(i, i + LAST_LINES_AT_ONCE);
    const rows = await db
      .selectFrom('trace_events')
      .select(['id', 'queue_id', 'delivery_id', 'code', 'at', 'data'])
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('trace_events')
          .select((m) => m.fn.max('id').as('id'))
          .where((w) => w.or(chunk.map((e) => w.and([w('queue_id', '=', e.queueId), w('delivery_id', '=', e.deliveryId!)]))))
          .groupBy(['queue_id', 'delivery_id']),
      )
      .execute();
    for (const r of rows) out.set(lineKey(r.queue_id, Number(r.delivery_id)), { id: r.id, code: r.code, at: Number(r.at), data: r.data });
  }
  return out;
}

async function mergeInto(db: Db | Transaction<Database>, last: LastLine, e: TraceEvent): Promise<boolean> {
  if (last.code !== e.code) return false;
  const before = JSON.parse(last.data) as Record<string, unknown>;
  if (before['reply'] === undefined || before['reply'] !== e.data?.['reply']) return false;
  const count = (typeof before['count'] === 'number' ? before['count'] : 1) + 1;
  const firstAt = typeof before['firstAt'] === 'number' ? before['firstAt'] : last.at;
  const data = { ...e.data, count, firstAt, lastAt: e.at, ...(e.text ? { [TEXT_KEY]: e.text } : {}) };
  await db
    .updateTable('trace_events')
    .set({ summary: e.summary, data: JSON.stringify(data) })
    .where('id', '=', last.id)
    .execute();
  return true;
}
