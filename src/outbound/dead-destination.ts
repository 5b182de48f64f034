/**
 * A destination that does not answer (Postfix's "dead destination"): after DEAD_AFTER
 * connection failures in a row it is marked down; while down no delivery connects to it,
 * one probe at a time (across all nodes) tries it at the probe time, and each failed probe
 * doubles the wait up to MAX_PROBE_MS. A probe that reaches the server brings it back.
 * Pure: the state comes from the store, time is an argument; outbound/io/pacing-gate.ts
 * carries it out.
 */
/** Connection failures in a row that mark a destination down (Postfix gives up on a destination after a failed cohort too). */
export const DEAD_AFTER = 5;
/** The first probe's wait, doubled after each failed probe up to MAX_PROBE_MS (Postfix: minimal and maximal backoff). */
export const FIRST_PROBE_MS = 10_000;
export const MAX_PROBE_MS = 5 * 60_000;
/** A probe holds its claim this long: a node that dies probing does not keep the destination waiting longer. */
export const PROBE_LEASE_MS = 120_000;
/** Deliveries held for a down destination come back over this span after the probe time, not all at once. */
const DOWN_SPREAD_MS = 5_000;

export interface DownState {
  readonly since: number;
  /** When the next probe may start (a probe under way: when its claim runs out). */
  readonly nextProbeAt: number;
}

/**
 * Whether an attempt's outcomes say the server was never reached: every recipient deferred
 * with no remote MTA (refused, timed out, a greeting that was not 220). A reply to MAIL or
 * RCPT, even a refusal, means the host answers.
 */
export function connectionFailed(outcomes: readonly { readonly kind: string; readonly remoteMta?: string | undefined }[]): boolean {
  return outcomes.length > 0 && outcomes.every((o) => o.kind === 'deferred' && o.remoteMta === undefined);
}

/** When a delivery held for a down destination is due again: after the next probe, spread by delivery. */
export function downRetryAt(down: DownState, now: number, deliveryId: number): number {
  return Math.max(now, down.nextProbeAt) + 1_000 + (deliveryId % DOWN_SPREAD_MS);
}

/** The reason recorded with a held delivery; the same for the whole time the destination is down, so repeats merge. */
export function downReason(destination: string, since: number): string {
  return `destination ${destination} is down: no connection since ${new Date(since).toISOString()}`;
}
