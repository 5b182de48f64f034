import { describe, expect, it } from 'vitest';
import { bucketize, rangeSpan, type MinuteFigures } from './buckets.js';

const M = 60_000;
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const minute = (at: number, f: Partial<MinuteFigures> = {}): MinuteFigures => ({
  minute: at,
  accepted: 0,
  delivered: 0,
  deferred: 0,
  bounced: 0,
  spamHeld: 0,
  casesOpened: 0,
  queueSize: null,
  oldestDeferredMs: null,
  ...f,
});

describe('rangeSpan', () => {
  it.each([
    ['hour: 60 minutes, the last the minute under way', 'hour', T0 + 30_000, { from: T0 - 59 * M, to: T0 + M, bucketMs: M }],
    ['day: 96 quarter hours', 'day', T0 + 7 * M, { from: T0 + 15 * M - 96 * 15 * M, to: T0 + 15 * M, bucketMs: 15 * M }],
    ['week: 168 hours', 'week', T0 + 30 * M, { from: T0 + 60 * M - 168 * 60 * M, to: T0 + 60 * M, bucketMs: 60 * M }],
  ] as const)('%s', (_name, range, now, expected) => {
    expect(rangeSpan(range, now)).toEqual(expected);
  });
});

describe('bucketize', () => {
  const span = { from: T0, to: T0 + 30 * M, bucketMs: 15 * M };

  it('sums counts per bucket and keeps the largest sample', () => {
    const b = bucketize(
      [
        minute(T0, { accepted: 2, queueSize: 5, oldestDeferredMs: 1000 }),
        minute(T0 + 14 * M, { accepted: 3, bounced: 1, queueSize: 9, oldestDeferredMs: 500 }),
        minute(T0 + 15 * M, { delivered: 4, casesOpened: 1 }),
      ],
      span,
    );
    expect(b).toHaveLength(2);
    expect(b[0]).toMatchObject({ at: T0, accepted: 5, bounced: 1, delivered: 0, queueSize: 9, oldestDeferredMs: 1000 });
    expect(b[1]).toMatchObject({ at: T0 + 15 * M, accepted: 0, delivered: 4, casesOpened: 1, queueSize: null });
  });

  it('leaves a bucket without rolled minutes empty (null), and ignores minutes outside the span', () => {
    const b = bucketize([minute(T0 - M, { accepted: 7 }), minute(T0 + 30 * M, { accepted: 7 })], span);
    expect(b.map((x) => x.accepted)).toEqual([null, null]);
  });
});
