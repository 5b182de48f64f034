import { sql, type Transaction } from 'kysely';
import { EVENTS } from '../../base/events.js';
import type { Db } from '../db.js';
import type { Database } from '../schema.js';

/**
 * The dashboard's figures. The rollup job counts each finished minute from what the store
 * already records (messages, the trace, held deliveries, cases) into `traffic_minutes`, and
 * keeps each next hop's health in `traffic_hops`; every node reads the same rows. Rolling a
 * minute again writes the same counts (an upsert), so a minute can be rolled as often as needed.
 */

export const MINUTE_MS = 60_000;

/** Trace codes that end an attempt, and what each counts as. */
const OUTCOMES = { [EVENTS.delivered]: 'delivered', [EVENTS.deferred]: 'deferred', [EVENTS.bounced]: 'bounced', [EVENTS.expired]: 'bounced' } as const;
type OutcomeCode = keyof typeof OUTCOMES;
const OUTCOME_CODES = Object.keys(OUTCOMES) as OutcomeCode[];
const HELD_CODE = EVENTS.held;

export type HopKind = 'route' | 'domain' | 'local';

/**
 * The next hop of a delivery, as the queue groups attempts: a named route, else the
 * recipient's domain; mailbox, desk and webhook deliveries are their own local hop.
 */
export function hopOf(d: { transport: string; route: string | null; recipient: string }): { kind: HopKind; name: string } {
  if (d.transport !== 'smtp') return { kind: 'local', name: d.transport };
  if (d.route) return { kind: 'route', name: d.route };
  return { kind: 'domain', name: d.recipient.slice(d.recipient.lastIndexOf('@') + 1).toLowerCase() };
}

const hopKey = (h: { kind: string; name: string }) => `${h.kind}\u0000${h.name}`;

/** The last minute rolled, or null before the first run. */
export async function lastRolledMinute(db: Db): Promise<number | null> {
  const r = await db
    .selectFrom('traffic_minutes')
    .select((eb) => eb.fn.max('minute').as('m'))
    .executeTakeFirst();
  return r?.m == null ? null : Number(r.m);
}

/** When the oldest message in the store arrived: the first run rolls from there (within the window). */
export async function firstMessageAt(db: Db): Promise<number | null> {
  const r = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.min('received_at').as('t'))
    .executeTakeFirst();
  return r?.t == null ? null : Number(r.t);
}

const minuteOf = (col: string) => sql<number>`${sql.ref(col)} / ${sql.lit(MINUTE_MS)}`;

/**
 * The codes as the partial indexes on the trace name them (migration 0021), literally: a
 * statement that binds them as parameters cannot be matched to those indexes and reads every
 * trace line of the span instead (lease-plans.int.test.ts checks the plans).
 */
const OUTCOME_CODES_LITERAL = sql`(${sql.join(OUTCOME_CODES.map((c) => sql.lit(c)))})`;
const HELD_CODE_LITERAL = sql.lit(HELD_CODE);

/**
 * The most of the busy tables one counting statement reads. Joining a minute's outcomes at
 * 200 msgs/s to their deliveries took 15 ms, so about 50 ms at 700 msgs/s, with the
 * embedded store's one connection and the event loop held all along; a tenth of a minute
 * keeps each statement to a few milliseconds.
 */
const READ_SLICE_MS = 10_000;

type MinuteCounts = { accepted: number; delivered: number; deferred: number; bounced: number; spam_held: number; cases_opened: number };

/**
 * Counts the minutes from `from` to `to` (minute starts, `to` excluded) and writes one row
 * each, zeros included; each next hop's last success and last error in that span are merged
 * into its health. Samples already written for these minutes are kept.
 *
 * The counting reads run one by one outside the transaction, so the store serves the mail
 * path between them; only the writes hold it. Each reads an index of the rows it counts, and
 * those of the busy tables at most READ_SLICE_MS of them.
 */
export async function rollMinutes(db: Db, input: { from: number; to: number; now: number }): Promise<{ minutes: number }> {
  const { from, to } = input;
  if (to <= from) return { minutes: 0 };
  const rows = new Map<number, MinuteCounts>();
  for (let m = from; m < to; m += MINUTE_MS) rows.set(m, { accepted: 0, delivered: 0, deferred: 0, bounced: 0, spam_held: 0, cases_opened: 0 });
  const at = (m: unknown) => rows.get(Number(m) * MINUTE_MS)!;

  const hops = new Map<string, HopOutcome>();
  for (let start = from; start < to; start += READ_SLICE_MS) {
    const end = Math.min(to, start + READ_SLICE_MS);
    const accepted = await db
      .selectFrom('messages')
      .select([minuteOf('received_at').as('m'), (eb) => eb.fn.countAll().as('n')])
      .where('received_at', '>=', start)
      .where('received_at', '<', end)
      .groupBy(minuteOf('received_at'))
      .execute();
    for (const r of accepted) at(r.m).accepted += Number(r.n);

    const outcomes = await db
      .selectFrom('trace_events')
      .select([minuteOf('at').as('m'), 'code', (eb) => eb.fn.countAll().as('n')])
      .where('at', '>=', start)
      .where('at', '<', end)
      .where(sql.ref('code'), 'in', OUTCOME_CODES_LITERAL)
      .groupBy([minuteOf('at'), 'code'])
      .execute();
    for (const r of outcomes) at(r.m)[OUTCOMES[r.code as OutcomeCode]] += Number(r.n);
    await addHopOutcomes(db, { from: start, to: end }, hops);
  }
  await addErrorTexts(db, hops);

  // A message counts once however many of its recipients were held: one statement for the
  // span, so holds on both sides of a slice's edge are one message (holds are few, and their
  // index holds nothing else).
  const held = await db
    .selectFrom('trace_events as t')
    .innerJoin('messages as msg', 'msg.queue_id', 't.queue_id')
    .select([minuteOf('t.at').as('m'), (eb) => eb.fn.count('t.queue_id').distinct().as('n')])
    .where('t.at', '>=', from)
    .where('t.at', '<', to)
    .where(sql.ref('t.code'), '=', HELD_CODE_LITERAL)
    .where('msg.spam', '=', 1)
    .groupBy(minuteOf('t.at'))
    .execute();
  for (const r of held) at(r.m).spam_held = Number(r.n);

  const cases = await db
    .selectFrom('desk_cases')
    .select([minuteOf('created_at').as('m'), (eb) => eb.fn.countAll().as('n')])
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    // A route test's case is not work the desk took in.
    .where('is_test', '=', 0)
    .groupBy(minuteOf('created_at'))
    .execute();
  for (const r of cases) at(r.m).cases_opened = Number(r.n);

  await db.transaction().execute(async (trx) => {
    for (const [minute, c] of rows) {
      await trx
        .insertInto('traffic_minutes')
        .values({ minute, ...c, queue_size: null, oldest_deferred_ms: null, rolled_at: input.now })
        .onConflict((oc) => oc.column('minute').doUpdateSet((eb) => ({ ...c, rolled_at: eb.ref('excluded.rolled_at') })))
        .execute();
    }
    await mergeHopOutcomes(trx, hops, input.now);
  });
  return { minutes: rows.size };
}

/** One next hop's newest success and newest failure (with the failure's text) in a span. */
interface HopOutcome {
  readonly kind: HopKind;
  readonly name: string;
  success: number | null;
  error: { at: number; id: number; text: string | null } | null;
}

/** Adds each hop's newest success and newest failure in the span to `hops`. */
async function addHopOutcomes(db: Db, input: { from: number; to: number }, hops: Map<string, HopOutcome>): Promise<void> {
  // Grouped by recipient, not by event: a minute of a thousand attempts to one CRM is one row.
  const rows = await db
    .selectFrom('trace_events as t')
    .innerJoin('deliveries as d', 'd.id', 't.delivery_id')
    .select(['d.transport', 'd.route', 'd.recipient', 't.code', (eb) => eb.fn.max('t.at').as('at'), (eb) => eb.fn.max('t.id').as('id')])
    .where('t.at', '>=', input.from)
    .where('t.at', '<', input.to)
    .where(sql.ref('t.code'), 'in', OUTCOME_CODES_LITERAL)
    .groupBy(['d.transport', 'd.route', 'd.recipient', 't.code'])
    .execute();
  for (const r of rows) {
    const hop = hopOf(r);
    const key = hopKey(hop);
    const h = hops.get(key) ?? { ...hop, success: null, error: null };
    hops.set(key, h);
    const at = Number(r.at);
    if (r.code === EVENTS.delivered) h.success = Math.max(h.success ?? 0, at);
    else if (!h.error || at > h.error.at || (at === h.error.at && Number(r.id) > h.error.id)) h.error = { at, id: Number(r.id), text: null };
  }
}

/** The text of each hop's newest failure: the remote reply its trace line carries. */
async function addErrorTexts(db: Db, hops: ReadonlyMap<string, HopOutcome>): Promise<void> {
  const errors = [...hops.values()].flatMap((h) => (h.error ? [h.error] : []));
  if (errors.length > 0) {
    const texts = new Map<number, string>();
    const ids = errors.map((e) => e.id);
    for (const e of await db.selectFrom('trace_events').select(['id', 'summary', 'data']).where('id', 'in', ids).execute())
      texts.set(Number(e.id), replyOf(e.data) ?? e.summary);
    for (const e of errors) e.text = texts.get(e.id) ?? null;
  }
}

/** Merges each hop's outcomes in a span with what its row holds. */
async function mergeHopOutcomes(trx: Transaction<Database>, hops: ReadonlyMap<string, HopOutcome>, now: number): Promise<void> {
  if (hops.size === 0) return;
  const existing = await trx.selectFrom('traffic_hops').selectAll().execute();
  const byKey = new Map(existing.map((e) => [hopKey(e), e]));
  for (const [key, h] of hops) {
    const old = byKey.get(key);
    const success = Math.max(h.success ?? 0, old?.last_success_at == null ? 0 : Number(old.last_success_at)) || null;
    const oldErrorAt = old?.last_error_at == null ? null : Number(old.last_error_at);
    const newer = h.error !== null && (oldErrorAt === null || h.error.at >= oldErrorAt);
    const lastErrorAt = newer ? h.error!.at : oldErrorAt;
    const lastError = newer ? h.error!.text : (old?.last_error ?? null);
    await trx
      .insertInto('traffic_hops')
      .values({ kind: h.kind, name: h.name, last_success_at: success, last_error_at: lastErrorAt, last_error: lastError, deferred: 0, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['kind', 'name']).doUpdateSet({ last_success_at: success, last_error_at: lastErrorAt, last_error: lastError, updated_at: now }),
      )
      .execute();
  }
}

/** The remote reply an outcome's trace line carries (settle.ts writes it into `data`). */
function replyOf(data: string): string | null {
  try {
    const reply = (JSON.parse(data) as { reply?: unknown }).reply;
    return typeof reply === 'string' && reply.length > 0 ? reply : null;
  } catch {
    return null;
  }
}

export interface QueueSample {
  /** Deliveries queued, being attempted or waiting for a retry. */
  readonly size: number;
  /** When the oldest deferred delivery was queued; null when none waits. */
  readonly oldestDeferredSince: number | null;
}

/** The queue as it is now: its size, its oldest deferred delivery, and how many wait per next hop. */
export async function sampleQueue(db: Db, input: { minute: number; now: number }): Promise<QueueSample> {
  return db.transaction().execute(async (trx) => {
    const size = await trx
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', 'in', ['queued', 'active', 'deferred'])
      .executeTakeFirst();
    const oldest = await trx
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('created_at').as('t'))
      .where('status', '=', 'deferred')
      .executeTakeFirst();
    const sample: QueueSample = { size: Number(size?.n ?? 0), oldestDeferredSince: oldest?.t == null ? null : Number(oldest.t) };
    // A sample taken late (a node catching up) must not replace the one taken on time.
    await trx
      .updateTable('traffic_minutes')
      .set({ queue_size: sample.size, oldest_deferred_ms: sample.oldestDeferredSince === null ? null : Math.max(0, input.now - sample.oldestDeferredSince) })
      .where('minute', '=', input.minute)
      .where('queue_size', 'is', null)
      .execute();
    const waiting = await trx
      .selectFrom('deliveries')
      .select(['transport', 'route', 'recipient', (eb) => eb.fn.countAll().as('n')])
      .where('status', '=', 'deferred')
      .groupBy(['transport', 'route', 'recipient'])
      .execute();
    const perHop = new Map<string, { kind: HopKind; name: string; n: number }>();
    for (const r of waiting) {
      const hop = hopOf(r);
      const h = perHop.get(hopKey(hop)) ?? { ...hop, n: 0 };
      h.n += Number(r.n);
      perHop.set(hopKey(hop), h);
    }
    await trx.updateTable('traffic_hops').set({ deferred: 0 }).where('deferred', '>', 0).execute();
    for (const h of perHop.values()) {
      await trx
        .insertInto('traffic_hops')
        .values({ kind: h.kind, name: h.name, last_success_at: null, last_error_at: null, last_error: null, deferred: h.n, updated_at: input.now })
        .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet({ deferred: h.n, updated_at: input.now }))
        .execute();
    }
    return sample;
  });
}

export interface TrafficMinute {
  readonly minute: number;
  readonly accepted: number;
  readonly delivered: number;
  readonly deferred: number;
  readonly bounced: number;
  readonly spamHeld: number;
  readonly casesOpened: number;
  readonly queueSize: number | null;
  readonly oldestDeferredMs: number | null;
}

/** The rolled minutes from `from` (included) to `to` (excluded), oldest first. */
export async function loadTrafficMinutes(db: Db, input: { from: number; to: number }): Promise<TrafficMinute[]> {
  const rows = await db.selectFrom('traffic_minutes').selectAll().where('minute', '>=', input.from).where('minute', '<', input.to).orderBy('minute').execute();
  return rows.map((r) => ({
    minute: Number(r.minute),
    accepted: Number(r.accepted),
    delivered: Number(r.delivered),
    deferred: Number(r.deferred),
    bounced: Number(r.bounced),
    spamHeld: Number(r.spam_held),
    casesOpened: Number(r.cases_opened),
    queueSize: r.queue_size === null ? null : Number(r.queue_size),
    oldestDeferredMs: r.oldest_deferred_ms === null ? null : Number(r.oldest_deferred_ms),
  }));
}

export interface HopHealth {
  readonly kind: HopKind;
  readonly name: string;
  readonly lastSuccessAt: number | null;
  readonly lastErrorAt: number | null;
  readonly lastError: string | null;
  readonly deferred: number;
}

/** Every next hop with its health: those with mail waiting first, then by name. */
export async function loadHopHealth(db: Db): Promise<HopHealth[]> {
  const rows = await db.selectFrom('traffic_hops').selectAll().orderBy('deferred', 'desc').orderBy('kind').orderBy('name').execute();
  return rows.map((r) => ({
    kind: r.kind as HopKind,
    name: r.name,
    lastSuccessAt: r.last_success_at === null ? null : Number(r.last_success_at),
    lastErrorAt: r.last_error_at === null ? null : Number(r.last_error_at),
    lastError: r.last_error,
    deferred: Number(r.deferred),
  }));
}

/**
 * Removes up to `limit` minutes older than `before`, and the next hops not heard from since
 * then with nothing waiting (retention.stats).
 */
export async function deleteTrafficBefore(db: Db, input: { before: number; limit: number }): Promise<{ minutes: number; hops: number }> {
  return db.transaction().execute(async (trx) => {
    const minutes = await trx
      .deleteFrom('traffic_minutes')
      .where('minute', 'in', trx.selectFrom('traffic_minutes').select('minute').where('minute', '<', input.before).orderBy('minute').limit(input.limit))
      .executeTakeFirst();
    const hops = await trx
      .deleteFrom('traffic_hops')
      .where('deferred', '=', 0)
      .where((eb) =>
        eb.and([
          eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', input.before)]),
          eb.or([eb('last_error_at', 'is', null), eb('last_error_at', '<', input.before)]),
        ]),
      )
      .where('updated_at', '<', input.before)
      .executeTakeFirst();
    return { minutes: Number(minutes.numDeletedRows), hops: Number(hops.numDeletedRows) };
  });
}
