import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMIT,
  FULL_SPEED,
  MAX_SLOW_LEVEL,
  RECOVER_STEP_MS,
  SLOW_GRACE_MS,
  currentLevel,
  destinationOf,
  effectiveLimit,
  isTryLater,
  limitFor,
  pacingReason,
  pacingRetryAt,
  slowDown,
  slowedUntil,
} from './pacing.js';

// The start of a minute.
const T = 1_700_000_040_000;

describe('limitFor', () => {
  const limits = [
    { domain: 'gmail.com', connections: 5, perMinute: 600 },
    { domain: '*', connections: 3 },
  ];
  it('takes the entry of the domain, else *, else the built-in default', () => {
    expect(limitFor('gmail.com', limits)).toEqual({ connections: 5, perMinute: 600 });
    expect(limitFor('example.org', limits)).toEqual({ connections: 3, perMinute: null });
    expect(limitFor('example.org', [])).toEqual(DEFAULT_LIMIT);
  });
  it('counts against the recipient domain, whatever its case', () => {
    expect(destinationOf('Someone@GMail.COM')).toBe('gmail.com');
  });
});

describe('slow-down after "try later"', () => {
  const limit = { connections: 8, perMinute: 600 };
  it('halves connections and the rate a minute, never below 1', () => {
    const s = slowDown(FULL_SPEED, T);
    expect(s.level).toBe(1);
    expect(effectiveLimit(limit, s, T)).toEqual({ connections: 4, perMinute: 300 });
    let deep = s;
    for (let i = 0; i < 10; i++) deep = slowDown(deep, T + (i + 1) * SLOW_GRACE_MS);
    expect(deep.level).toBe(MAX_SLOW_LEVEL);
    expect(effectiveLimit({ connections: 2, perMinute: 10 }, deep, deep.at)).toEqual({ connections: 1, perMinute: 1 });
  });
  it('leaves a rate that is not configured open and halves the connections', () => {
    const s = slowDown(FULL_SPEED, T);
    expect(effectiveLimit({ connections: 10, perMinute: null }, s, T)).toEqual({ connections: 5, perMinute: null });
  });
  it('does not halve again for replies to attempts already under way', () => {
    const s = slowDown(FULL_SPEED, T);
    expect(slowDown(s, T + SLOW_GRACE_MS - 1)).toBe(s);
    expect(slowDown(s, T + SLOW_GRACE_MS).level).toBe(2);
  });
  it('gives back one level per step without another "try later"', () => {
    const s = slowDown(slowDown(FULL_SPEED, T), T + SLOW_GRACE_MS);
    expect(currentLevel(s, s.at + RECOVER_STEP_MS - 1)).toBe(2);
    expect(currentLevel(s, s.at + RECOVER_STEP_MS)).toBe(1);
    expect(effectiveLimit(limit, s, s.at + RECOVER_STEP_MS)).toEqual({ connections: 4, perMinute: 300 });
    expect(slowedUntil(s, s.at)).toBe(s.at + 2 * RECOVER_STEP_MS);
    expect(slowedUntil(s, s.at + 2 * RECOVER_STEP_MS)).toBeNull();
    expect(effectiveLimit(limit, s, s.at + 2 * RECOVER_STEP_MS)).toBe(limit);
  });
});

describe('isTryLater', () => {
  it('is 421, or 451 with a 4.7.x status', () => {
    expect(isTryLater('421 4.7.0 Try again later')).toBe(true);
    expect(isTryLater('421-4.7.28 rate limited')).toBe(true);
    expect(isTryLater('451 4.7.1 Please try later')).toBe(true);
    expect(isTryLater('451 4.3.0 local error')).toBe(false);
    expect(isTryLater('450 4.2.1 mailbox busy')).toBe(false);
    expect(isTryLater('connection refused')).toBe(false);
  });
});

describe('when a held-back delivery is due again', () => {
  it('is seconds away for a connection, the next minute for the rate, spread by delivery', () => {
    const now = T + 1_234;
    const c = pacingRetryAt({ kind: 'connections', limit: 5 }, now, 7);
    expect(c).toBeGreaterThan(now);
    expect(c).toBeLessThanOrEqual(now + 5_000);
    const r = pacingRetryAt({ kind: 'rate', limit: 600 }, now, 7);
    expect(r).toBeGreaterThanOrEqual(T + 60_000);
    expect(pacingRetryAt({ kind: 'connections', limit: 5 }, now, 8)).not.toBe(c);
  });
  it('says why', () => {
    expect(pacingReason('gmail.com', { kind: 'connections', limit: 5 }, false)).toBe('pacing: gmail.com at 5 connections');
    expect(pacingReason('gmail.com', { kind: 'rate', limit: 1 }, true)).toBe('pacing: gmail.com at 1 message a minute (slowed down after a "try later" reply)');
  });
});

describe('deliveries held back by pacing', () => {
  it('come back within the spread after the wait, the same time for the same delivery', () => {
    fc.assert(
      fc.property(
        fc.record({ kind: fc.constantFrom('connections' as const, 'rate' as const), limit: fc.integer({ min: 1, max: 600 }) }),
        fc.integer({ min: 1_700_000_000_000, max: 1_700_010_000_000 }),
        fc.nat({ max: 2 ** 31 }),
        (wait, now, id) => {
          const at = pacingRetryAt(wait, now, id);
          const from = wait.kind === 'connections' ? now + 2_000 : now - (now % 60_000) + 60_000;
          expect(at).toBeGreaterThanOrEqual(from);
          expect(at).toBeLessThan(from + 3_000);
          expect(at).toBeGreaterThan(now);
          expect(pacingRetryAt(wait, now, id)).toBe(at);
        },
      ),
    );
  });
});
