import { describe, expect, it } from 'vitest';
import { decideRetry, DEFAULT_RETRY } from './schedule.js';

const MIN = 60_000;
const H = 60 * MIN;

describe('decideRetry', () => {
  it.each([
    [1, 1 * MIN],
    [2, 2 * MIN],
    [3, 4 * MIN],
    [6, 32 * MIN],
    [7, 1 * H],
    [40, 1 * H],
  ])('after %i failed attempts waits %i ms (doubling, capped at one hour)', (attempts, delay) => {
    expect(decideRetry({ attempts, receivedAt: 0, now: 10 * MIN }, DEFAULT_RETRY)).toEqual({ kind: 'retry', at: 10 * MIN + delay });
  });
  it('gives up after five days', () => {
    expect(decideRetry({ attempts: 100, receivedAt: 0, now: 5 * 24 * H }, DEFAULT_RETRY)).toEqual({ kind: 'expire' });
  });
  it('makes the last try at the give-up time, not after it', () => {
    const now = 5 * 24 * H - 10 * MIN;
    expect(decideRetry({ attempts: 50, receivedAt: 0, now }, DEFAULT_RETRY)).toEqual({ kind: 'retry', at: 5 * 24 * H });
  });
  it('follows a configured policy', () => {
    const p = { firstRetryMs: 500, maxIntervalMs: 2000, giveUpAfterMs: 10_000 };
    expect(decideRetry({ attempts: 1, receivedAt: 0, now: 0 }, p)).toEqual({ kind: 'retry', at: 500 });
    expect(decideRetry({ attempts: 4, receivedAt: 0, now: 1000 }, p)).toEqual({ kind: 'retry', at: 3000 });
    expect(decideRetry({ attempts: 4, receivedAt: 0, now: 10_000 }, p)).toEqual({ kind: 'expire' });
  });
});
