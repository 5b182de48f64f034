/**
 * Failed logins per key (an IP address, an email) in a sliding window. When a key has
 * `max` failures within `windowMs`, every attempt with it is refused, right password or
 * not, until the oldest failure leaves the window. Time arrives as an argument.
 *
 * Kept in memory, per web process: several nodes behind one name each count on their own.
 */
export interface LoginLimits {
  readonly max: number;
  readonly windowMs: number;
}

/** Beyond this many keys the oldest entries are dropped, so a spray of keys costs bounded memory. */
const MAX_KEYS = 50_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: LoginLimits) {}

  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < this.limits.max) return 0;
    return recent[recent.length - this.limits.max]! + this.limits.windowMs - now;
  }

  fail(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.delete(key);
    this.failures.set(key, recent.slice(-this.limits.max));
    if (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
  }
}
