import { describe, expect, it } from 'vitest';
import { BATCH_MINUTES, CATCH_UP_PAUSE_MS, decideRollupRange, MINUTE_MS, nextRollupDelay, rollupBatches, SETTLE_MS } from './traffic.js';

const M = MINUTE_MS;
const D = 1440 * M;
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

describe('decideRollupRange', () => {
  it.each([
    ['first run on an empty store: the last finished minute', { now: T0 + 30_000, lastRolled: null, firstMessageAt: null }, { from: T0 - M, to: T0 }],
    ['first run: from the oldest message', { now: T0 + 30_000, lastRolled: null, firstMessageAt: T0 - 5 * M + 1234 }, { from: T0 - 5 * M, to: T0 }],
    [
      'first run on a store older than the window: the window only',
      { now: T0 + 30_000, lastRolled: null, firstMessageAt: T0 - 90 * D },
      { from: T0 - 30 * D, to: T0 },
    ],
    ['a minute not yet settled waits', { now: T0 + SETTLE_MS - 1, lastRolled: T0 - 2 * M, firstMessageAt: null }, { from: T0 - 2 * M, to: T0 - M }],
    [
      'each run rolls the last minute rolled again, then the new one',
      { now: T0 + SETTLE_MS, lastRolled: T0 - 2 * M, firstMessageAt: null },
      { from: T0 - 2 * M, to: T0 },
    ],
    [
      'after downtime: everything since, within the window',
      { now: T0 + 30_000, lastRolled: T0 - 3 * 60 * M, firstMessageAt: null },
      { from: T0 - 3 * 60 * M, to: T0 },
    ],
    ['after downtime longer than the window', { now: T0 + 30_000, lastRolled: T0 - 40 * D, firstMessageAt: null }, { from: T0 - 30 * D, to: T0 }],
  ])('%s', (_name, input, expected) => {
    expect(decideRollupRange({ ...input, windowMs: 30 * D })).toEqual(expected);
  });

  it('is null when nothing finished since', () => {
    expect(decideRollupRange({ now: T0 + 5_000, lastRolled: null, firstMessageAt: T0 + 1_000, windowMs: 30 * D })).toBeNull();
  });

  it('rolls the last minute again even when no new one is due', () => {
    expect(decideRollupRange({ now: T0 + 5_000, lastRolled: T0 - 2 * M, firstMessageAt: null, windowMs: 30 * D })).toEqual({ from: T0 - 2 * M, to: T0 - M });
  });

  it('is null on a first run before any minute ended', () => {
    expect(decideRollupRange({ now: T0 + 5_000, lastRolled: null, firstMessageAt: T0 + 1_000, windowMs: 30 * D })).toBeNull();
  });
});

describe('rollupBatches', () => {
  it('cuts a long range into batches of whole minutes, the last one shorter', () => {
    const b = rollupBatches({ from: T0, to: T0 + (2 * BATCH_MINUTES + 5) * M });
    expect(b.map((x) => (x.to - x.from) / M)).toEqual([BATCH_MINUTES, BATCH_MINUTES, 5]);
    expect(b[0]!.from).toBe(T0);
    expect(b[2]!.to).toBe(T0 + (2 * BATCH_MINUTES + 5) * M);
  });
});

describe('timing', () => {
  it('runs again just after the next minute settles, or soon while catching up', () => {
    expect(nextRollupDelay(T0 + 15_000, false)).toBe(M - 15_000 + SETTLE_MS);
    expect(nextRollupDelay(T0 + 15_000, true)).toBe(CATCH_UP_PAUSE_MS);
  });
});
