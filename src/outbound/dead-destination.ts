/**
 * A destination that does not answer (Postfix's "dead destination"): after DEAD_AFTER
 * connection failures in a row it is marked down; while down no delivery connects to it,
 * one probe at a time (across all nodes) tries it at the probe time, and each failed probe
 * doubles the wait up to MAX_PROBE_MS, or up to the retry schedule's longest interval when that
 * is shorter (probeSchedule). A probe that reaches the server brings it back.
 * Pure: the state comes from the store, time is an argument; outbound/io/pacing-gate.ts
 * carries it out. The shared record's transitions (afterConnectionFailure, claimProbe, and
 * HEALTHY once the destination answers) are what store/repos/destination-repo.ts writes in
 * one statement each, so that nodes racing on one destination agree.
 */
/** Connection failures in a row that mark a destination down (Postfix gives up on a destination after a failed cohort too). */
export const DEAD_AFTER = 5;
/** The first probe's wait, doubled after each failed probe up to MAX_PROBE_MS (Postfix: minimal and maximal backoff). */
export const FIRST_PROBE_MS = 10_000;
export const MAX_PROBE_MS = 5 * 60_000;
/** However short the retry schedule, probes are at least this far apart. */
export const MIN_PROBE_MS = 1_000;

/** The waits between probes of a down destination: the first, doubled after each failed probe up to the last. */
export interface ProbeSchedule {
  readonly firstProbeMs: number;
  readonly maxProbeMs: number;
}

/** FIRST_PROBE_MS doubled up to MAX_PROBE_MS: the schedule under any retry schedule whose longest interval is 5 minutes or more. */
export const DEFAULT_PROBE_SCHEDULE: ProbeSchedule = { firstProbeMs: FIRST_PROBE_MS, maxProbeMs: MAX_PROBE_MS };

/**
 * The probe schedule under the admin's retry schedule (`queue.retry`): no wait between two
 * probes of a down destination is longer than the longest wait between two retries
 * (`maxInterval`), so that noticing it is back takes no longer than the retries promise (a
 * maximum interval of 20 s means mail flows again within about 20 s, not after a probe wait
 * doubled to 5 minutes). Otherwise FIRST_PROBE_MS doubled up to MAX_PROBE_MS; never closer
 * than MIN_PROBE_MS.
 */
export function probeSchedule(retry: { readonly maxIntervalMs: number }): ProbeSchedule {
  const firstProbeMs = Math.max(MIN_PROBE_MS, Math.min(FIRST_PROBE_MS, retry.maxIntervalMs));
  const maxProbeMs = Math.max(firstProbeMs, Math.min(MAX_PROBE_MS, retry.maxIntervalMs));
  return { firstProbeMs, maxProbeMs };
}

/** A probe holds its claim this long: a node that dies probing does not keep the destination waiting longer. */
export const PROBE_LEASE_MS = 120_000;
/** Deliveries held for a down destination come back over this span after the probe time, not all at once. */
const DOWN_SPREAD_MS = 5_000;
/** ... and no sooner than this after it, so the probe's outcome is known by then. */
const AFTER_PROBE_MS = 1_000;

export interface DownState {
  readonly since: number;
  /** When the next probe may start (a probe under way: when its claim runs out). */
  readonly nextProbeAt: number;
}

/** A down destination as the store keeps it: `probing` while a node holds the claim of its probe. */
export interface DownRecord {
  readonly since: number;
  readonly probeAt: number;
  readonly probing: { readonly owner: string; readonly until: number } | null;
}

/** What a node knows of a destination's connections: the failures in a row and, once down, its probe. */
export interface Health {
  readonly failures: number;
  readonly down: DownRecord | null;
}

/** The shared record, with the wait that the next failed probe doubles. */
export interface HealthRecord {
  readonly failures: number;
  readonly down: (DownRecord & { readonly interval: number }) | null;
}

/** A destination that answers, and one that answered again: no failures, not down. */
export const HEALTHY: HealthRecord = { failures: 0, down: null };

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
  return Math.max(now, down.nextProbeAt) + AFTER_PROBE_MS + (deliveryId % DOWN_SPREAD_MS);
}

/** The reason recorded with a held delivery; the same for the whole time the destination is down, so repeats merge. */
export function downReason(destination: string, since: number): string {
  return `destination ${destination} is down: no connection since ${new Date(since).toISOString()}`;
}

/** Whether the probe may be claimed now: its time has come and no unexpired claim holds it. */
export function probeDue(down: DownRecord, now: number): boolean {
  return down.probeAt <= now && !(down.probing !== null && down.probing.until > now);
}

/**
 * What an attempt held for a down destination is told: a probe under way decides soon (or
 * its claim runs out), so look again then, or after the first probe's wait if that is sooner.
 */
export function heldUntilProbe(down: DownRecord, now: number): DownState {
  const nextProbeAt = down.probing ? Math.min(Math.max(down.probeAt, down.probing.until), now + FIRST_PROBE_MS) : down.probeAt;
  return { since: down.since, nextProbeAt };
}

/** The wait after a failed probe: doubled, up to the schedule's last (MAX_PROBE_MS by default). */
export function nextProbeInterval(interval: number, maxProbeMs: number = MAX_PROBE_MS): number {
  return Math.min(interval * 2, maxProbeMs);
}

/**
 * The shared record after a connection failure. The probe's failure (`prober`, who must
 * still hold the claim; a claim lost changes nothing) doubles the wait and gives the claim
 * up; any other failure counts, and the DEAD_AFTER-th in a row marks the destination down.
 */
export function afterConnectionFailure(h: HealthRecord, now: number, prober?: string, schedule: ProbeSchedule = DEFAULT_PROBE_SCHEDULE): HealthRecord {
  if (prober !== undefined) {
    if (h.down?.probing?.owner !== prober) return h;
    const interval = nextProbeInterval(h.down.interval, schedule.maxProbeMs);
    return { failures: h.failures + 1, down: { ...h.down, probeAt: now + interval, interval, probing: null } };
  }
  const failures = h.failures + 1;
  if (h.down) return { failures, down: h.down };
  if (failures < DEAD_AFTER) return { failures, down: null };
  return { failures, down: { since: now, probeAt: now + schedule.firstProbeMs, interval: schedule.firstProbeMs, probing: null } };
}

/** The record with `owner`'s claim of the probe until `until`; null when the probe is not due or someone holds it. */
export function claimProbe(h: HealthRecord, owner: string, now: number, until: number): HealthRecord | null {
  if (!h.down || !probeDue(h.down, now)) return null;
  return { failures: h.failures, down: { ...h.down, probing: { owner, until } } };
}

/** What to write after an attempt, from whether the server answered and what this node knew before it. */
export type HealthEffect =
  | { readonly kind: 'none' }
  /** Count the failure in the store (which may mark the destination down), or, for the probe, back off. */
  | { readonly kind: 'failure'; readonly probe: boolean }
  /** End the run of failures in the store; if it was down, release the deliveries held since `downSince`. */
  | { readonly kind: 'success'; readonly downSince: number | null };

/**
 * An attempt's outcome for the destination's health: the effect to write and what this node
 * knows once it is written. A failure counts here even when the store cannot be told (one
 * attempt at a time until one gets through); an answer is written only when it changes
 * something, not for every message to a healthy destination.
 */
export function onOutcome(known: Health, outcome: { readonly reached: boolean; readonly probe: boolean }): { next: Health; effect: HealthEffect } {
  if (!outcome.reached) return { next: { failures: known.failures + 1, down: known.down }, effect: { kind: 'failure', probe: outcome.probe } };
  if (known.failures === 0 && known.down === null && !outcome.probe) return { next: known, effect: { kind: 'none' } };
  return { next: { failures: 0, down: null }, effect: { kind: 'success', downSince: known.down?.since ?? null } };
}
