/**
 * Failed logins per key (an IP address, an email) in a sliding window. When a key has
 * `max` failures within `windowMs`, every attempt with it is refused, right password or
 * not, until the oldest of those failures leaves the window. Time arrives as an argument.
 *
 * The failures are kept in the store, so every node behind one name counts the same ones.
 * An attempt is recorded before the password is checked and forgotten if it succeeds, so a
 * burst of parallel guesses counts as what it is instead of all passing one empty count.
 */
import { clearLoginFailures, forgetLoginAttempts, recentLoginFailures, recordLoginFailure, type Db } from '../store/index.js';

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

export interface LimitedKey {
  readonly key: string;
  readonly limits: LoginLimits;
}

/** One attempt in progress: a failure unless it is forgotten. */
export interface LoginAttempt {
  /** Milliseconds until these keys may try again; 0 when this attempt may go on. */
  readonly wait: number;
  /** Not a failure after all: the attempt was refused by the limit, or it succeeded. */
  forget(): Promise<void>;
}

export class LoginLimiter {
  constructor(private readonly db: Db) {}

  async begin(keys: readonly LimitedKey[], now: number): Promise<LoginAttempt> {
    const ids: number[] = [];
    let wait = 0;
    for (const { key, limits } of keys) {
      const id = await recordLoginFailure(this.db, key, now);
      ids.push(id);
      // Every attempt recorded before this one counts, finished or not; this one does not.
      const others = await recentLoginFailures(this.db, key, now - limits.windowMs, limits.max, id);
      wait = Math.max(wait, retryAfter(others, limits, now));
    }
    return { wait, forget: () => forgetLoginAttempts(this.db, ids) };
  }

  /** A new password, or a successful login: the key's past failures no longer count. */
  async reset(key: string): Promise<void> {
    await clearLoginFailures(this.db, key);
  }
}
