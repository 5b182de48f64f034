import { describe, expect, it } from 'vitest';
import { retryAfter } from './login-limiter.js';

describe('retryAfter', () => {
  const MIN = 60_000;
  const limits = { max: 5, windowMs: 15 * MIN };

  it('lets a key try while it has fewer failures than the limit', () => {
    expect(retryAfter([], limits, 0)).toBe(0);
    expect(retryAfter([4 * MIN, 3 * MIN, 2 * MIN, MIN], limits, 5 * MIN)).toBe(0);
  });

  it('refuses after max failures until the oldest counted one leaves the window', () => {
    const fails = [4 * MIN, 3 * MIN, 2 * MIN, MIN, 0];
    expect(retryAfter(fails, limits, 5 * MIN)).toBe(10 * MIN);
    expect(retryAfter(fails, limits, 15 * MIN)).toBe(0);
  });

  it('counts only the newest max failures', () => {
    // Six failures: the oldest counted is the fifth newest (at 1 min), not the sixth (at 0).
    expect(retryAfter([5 * MIN, 4 * MIN, 3 * MIN, 2 * MIN, MIN, 0], limits, 6 * MIN)).toBe(10 * MIN);
  });
});
