/**
 * When to try a deferred delivery again, and when to give up. Pure: time is an argument.
 */
export interface RetryPolicy {
  readonly firstRetryMs: number;
  readonly maxIntervalMs: number;
  readonly giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  firstRetryMs: 60_000,
  maxIntervalMs: 3_600_000,
  giveUpAfterMs: 5 * 24 * 3_600_000,
};

export type RetryDecision = { readonly kind: 'retry'; readonly at: number } | { readonly kind: 'expire' };

/** `attempts` counts the attempts made so far, the failed one included. */
export function decideRetry(input: { attempts: number; receivedAt: number; now: number }, policy: RetryPolicy): RetryDecision {
  const age = input.now - input.receivedAt;
  if (age >= policy.giveUpAfterMs) return { kind: 'expire' };
  const exp = Math.min(Math.max(input.attempts - 1, 0), 30);
  const delay = Math.min(policy.firstRetryMs * 2 ** exp, policy.maxIntervalMs);
  // The last try falls on the give-up time itself rather than after it.
  const at = Math.min(input.now + delay, input.receivedAt + policy.giveUpAfterMs);
  return { kind: 'retry', at };
}
