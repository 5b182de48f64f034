/**
 * Pacing per destination: how many connections and messages a minute a recipient domain
 * gets from all nodes together, and how a "try later" reply slows it down. Pure: the state
 * comes from the store, time is an argument; outbound/io/pacing-gate.ts carries it out.
 */

/** One entry of `outbound.limits`, as configured (`*` is the default for every other domain). */
export interface DestinationLimitEntry {
  readonly domain: string;
  readonly connections: number;
  readonly perMinute?: number | undefined;
}

export interface DestinationLimit {
  readonly connections: number;
  /** null: no cap on messages a minute. */
  readonly perMinute: number | null;
}

/** The `*` entry of `outbound.limits`. */
export const DEFAULT_DESTINATION = '*';
/**
 * Without a `*` entry: 10 connections (what one node's pool opened per host before pacing,
 * and what large providers accept from one sender), no cap a minute: a cap suits a
 * destination that publishes one, and a "try later" slows any destination down anyway.
 */
export const DEFAULT_LIMIT: DestinationLimit = { connections: 10, perMinute: null };

/** Each "try later" halves the limits, down to 1/2^MAX_SLOW_LEVEL of them (never below 1). */
export const MAX_SLOW_LEVEL = 5;
/** A level is given back after this long without another "try later". */
export const RECOVER_STEP_MS = 5 * 60_000;
/** Replies to attempts already under way when the first came do not halve again. */
export const SLOW_GRACE_MS = 10_000;

/** What the store keeps of a destination's slow-down: `level` 0 is full speed; `at` is when it was last raised. */
export interface SlowState {
  readonly level: number;
  readonly at: number;
}

export const FULL_SPEED: SlowState = { level: 0, at: 0 };

/** The destination a delivery counts against: its recipient domain, whatever the next hop. */
export function destinationOf(recipient: string): string {
  return recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase();
}

/** The entry for `domain`, else the `*` entry, else DEFAULT_LIMIT. */
export function limitFor(domain: string, limits: readonly DestinationLimitEntry[]): DestinationLimit {
  const entry = limits.find((l) => l.domain === domain) ?? limits.find((l) => l.domain === DEFAULT_DESTINATION);
  if (!entry) return DEFAULT_LIMIT;
  // The configuration's schema bounds both numbers.
  return { connections: entry.connections, perMinute: entry.perMinute ?? null };
}

/** The level now: one is given back per RECOVER_STEP_MS since the last "try later". */
export function currentLevel(state: SlowState, now: number): number {
  if (state.level <= 0) return 0;
  return Math.max(0, state.level - Math.floor(Math.max(0, now - state.at) / RECOVER_STEP_MS));
}

/** When the destination is back at full speed (null: it is). */
export function slowedUntil(state: SlowState, now: number): number | null {
  return currentLevel(state, now) === 0 ? null : state.at + state.level * RECOVER_STEP_MS;
}

/**
 * The limits in force now: the configured ones, halved once per level of slow-down (never
 * below 1). A rate that is not configured stays open: fewer connections slow the domain down.
 */
export function effectiveLimit(limit: DestinationLimit, state: SlowState, now: number): DestinationLimit {
  const level = currentLevel(state, now);
  if (level === 0) return limit;
  return {
    connections: Math.max(1, Math.floor(limit.connections / 2 ** level)),
    perMinute: limit.perMinute === null ? null : Math.max(1, Math.floor(limit.perMinute / 2 ** level)),
  };
}

/** A "try later" came: one level more, unless one came within SLOW_GRACE_MS. */
export function slowDown(state: SlowState, now: number): SlowState {
  const level = currentLevel(state, now);
  if (level > 0 && now - state.at < SLOW_GRACE_MS) return state;
  return { level: Math.min(MAX_SLOW_LEVEL, level + 1), at: now };
}

/**
 * A reply that asks us to slow down: 421 (the server closes the session, often "too many
 * connections") or 451 with a 4.7.x status (policy: rate limited, try later).
 */
export function isTryLater(reply: string): boolean {
  return /^421[ -]/.test(reply) || /^451[ -]4\.7\.\d{1,3}\b/.test(reply);
}

export const MINUTE_MS = 60_000;

export function minuteOf(now: number): number {
  return now - (now % MINUTE_MS);
}

/** Why an attempt may not start now: all connections are taken, or the minute's messages are sent. */
export type PacingWait = { readonly kind: 'connections'; readonly limit: number } | { readonly kind: 'rate'; readonly limit: number };

/** A connection frees up within seconds: try again soon, spread by delivery so they do not come back together. */
const CONNECTION_RETRY_MS = 2_000;
const SPREAD_MS = 3_000;

/** When a delivery held back by pacing is due again. */
export function pacingRetryAt(wait: PacingWait, now: number, deliveryId: number): number {
  const spread = deliveryId % SPREAD_MS;
  return wait.kind === 'connections' ? now + CONNECTION_RETRY_MS + spread : minuteOf(now) + MINUTE_MS + spread;
}

/** The reason recorded with the delivery, in the trace and on the dashboard. */
export function pacingReason(domain: string, wait: PacingWait, slowed: boolean): string {
  const what =
    wait.kind === 'connections' ? `${wait.limit} connection${wait.limit === 1 ? '' : 's'}` : `${wait.limit} message${wait.limit === 1 ? '' : 's'} a minute`;
  return `pacing: ${domain} at ${what}${slowed ? ' (slowed down after a "try later" reply)' : ''}`;
}
