import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.js';

describe('LoginLimiter', () => {
  const MIN = 60_000;

  it('refuses the sixth attempt after five failures in the window, and says for how long', () => {
    const l = new LoginLimiter({ max: 5, windowMs: 15 * MIN });
    for (let i = 0; i < 5; i++) {
      expect(l.retryAfter('ana@x', i * MIN)).toBe(0);
      l.fail('ana@x', i * MIN);
    }
    expect(l.retryAfter('ana@x', 5 * MIN)).toBe(10 * MIN);
    expect(l.retryAfter('bob@x', 5 * MIN)).toBe(0);
  });

  it('lets the key try again once the oldest failure leaves the window', () => {
    const l = new LoginLimiter({ max: 2, windowMs: 10 * MIN });
    l.fail('k', 0);
    l.fail('k', 5 * MIN);
    expect(l.retryAfter('k', 9 * MIN)).toBe(MIN);
    expect(l.retryAfter('k', 10 * MIN)).toBe(0);
    l.fail('k', 10 * MIN);
    expect(l.retryAfter('k', 11 * MIN)).toBe(4 * MIN);
  });

  it('forgets a key on reset', () => {
    const l = new LoginLimiter({ max: 1, windowMs: MIN });
    l.fail('k', 0);
    expect(l.retryAfter('k', 1)).toBeGreaterThan(0);
    l.reset('k');
    expect(l.retryAfter('k', 1)).toBe(0);
  });
});
