/**
 * The traffic rollup: which minutes are due, in which batches, and when to look again. Pure:
 * the time, the last minute rolled and the window are arguments; io/traffic-rollup-job.ts
 * carries the decisions out.
 */

export const MINUTE_MS = 60_000;

/**
 * A minute is rolled once it ended this long ago: an outcome is stamped on one node's clock
 * and committed a moment later, possibly on another node of a shared database.
 */
export const SETTLE_MS = 10_000;
/** The last minutes rolled are rolled again by the next run, for what committed after their first count (an upsert: same row). */
export const RECHECK_MINUTES = 1;
/** Minutes per transaction while catching up: each holds the store briefly. */
export const BATCH_MINUTES = 60;
/** One run rolls at most this long; more is left to the next run, which then comes soon. */
export const RUN_BUDGET_MS = 20_000;
export const CATCH_UP_PAUSE_MS = 200;

export const floorMinute = (t: number): number => Math.floor(t / MINUTE_MS) * MINUTE_MS;

export interface RollupRange {
  /** The first minute to roll (its start). */
  readonly from: number;
  /** The end of the last minute to roll (excluded). */
  readonly to: number;
}

/**
 * The minutes due now: from the last one rolled (or, on the first run, from the
 * oldest message) to the last finished minute, never further back than the window kept.
 * Null when none is due.
 */
export function decideRollupRange(input: { now: number; lastRolled: number | null; firstMessageAt: number | null; windowMs: number }): RollupRange | null {
  const to = floorMinute(input.now - SETTLE_MS);
  const oldestKept = floorMinute(input.now - input.windowMs);
  const start = input.lastRolled !== null ? input.lastRolled + MINUTE_MS - RECHECK_MINUTES * MINUTE_MS : floorMinute(input.firstMessageAt ?? to - MINUTE_MS);
  const from = Math.max(start, oldestKept);
  return from < to ? { from, to } : null;
}

/** The range cut into batches of at most BATCH_MINUTES, oldest first. */
export function rollupBatches(range: RollupRange): RollupRange[] {
  const out: RollupRange[] = [];
  for (let from = range.from; from < range.to; from += BATCH_MINUTES * MINUTE_MS) out.push({ from, to: Math.min(range.to, from + BATCH_MINUTES * MINUTE_MS) });
  return out;
}

/** The next run: soon while the last one left minutes behind, else just after the next minute has settled. */
export function nextRollupDelay(now: number, workLeft: boolean): number {
  if (workLeft) return CATCH_UP_PAUSE_MS;
  return floorMinute(now) + MINUTE_MS + SETTLE_MS - now;
}
