/**
 * Failed logins per key (an IP address, an email) in a sliding window. When a key has
 * `max` failures within `windowMs`, every attempt with it is refused, right password or
 * not, until the oldest of those failures leaves the window. Time arrives as an argument.
 *
 * The failures are kept in the store, so every node behind one name counts the same ones.
 */
import { clearLoginFailures, recentLoginFailures, recordLoginFailure, type Db } from '../../store/index.js';

export interface LoginLimits {
  readonly max: number;
  readonly windowMs: number;
}

/** Milliseconds until a key with these failures (newest first, in the window) may try again; 0 when now. */
export function retryAfter(recentNewestFirst: readonly number[], limits: LoginLimits, now: number): number {
  if (recentNewestFirst.length < limits.max) return 0;
  const oldestCounted = recentNewestFirst[limits.max - 1] as number;
  return Math.max(0, oldestCounted + limits.windowMs - now);
}

export class LoginLimiter {
  constructor(
    private readonly db: Db,
    private readonly limits: LoginLimits,
  ) {}

  async retryAfter(key: string, now: number): Promise<number> {
    return retryAfter(await recentLoginFailures(this.db, key, now - this.limits.windowMs, this.limits.max), this.limits, now);
  }

  async fail(key: string, now: number): Promise<void> {
    await recordLoginFailure(this.db, key, now, now - this.limits.windowMs);
  }

  async reset(key: string): Promise<void> {
    await clearLoginFailures(this.db, key);
  }
}
