/**
 * One process's connection slots of a destination, and what an attempt that enters does
 * with them. Pure: outbound/io/pacing-gate.ts keeps the slots in memory, asks the store
 * (store/repos/destination-repo.ts) and carries out the decisions made here.
 */
import { heldUntilProbe, probeDue, type DownState, type Health } from './dead-destination.js';
import { effectiveLimit, type DestinationLimit, type PacingWait, type SlowState } from './pacing.js';

/**
 * A slot's lease in the store, renewed while this process holds it: a node that dies holding
 * slots gives them back after it.
 */
export const ATTEMPT_LEASE_MS = 120_000;
/** A lease is renewed once less than this is left of it (so about every 30 s, not every sweep). */
const RENEW_BELOW_MS = ATTEMPT_LEASE_MS - 30_000;
/**
 * A slot of ours is used again without asking the store only while its lease has this much
 * left: more than a sweep, so the lease is renewed before anyone else may take it.
 */
const REUSE_MARGIN_MS = 30_000;
/**
 * An attempt that finds every slot taken while this process sends on some of them waits for
 * one of those, in order, behind at most MAX_WAITING others; then it is held back (paced) as
 * when other nodes hold the slots.
 */
const MAX_WAITING = 500;

export interface HeldSlot {
  /** The lease in the store, as this process last wrote it. */
  readonly until: number;
  readonly busy: boolean;
  readonly idleSince: number;
}

/** What this process knows of one destination: its own slots, the attempts waiting for them, and the shared state it last read. */
export interface SlotView extends Health {
  readonly slow: SlowState;
  readonly held: ReadonlyMap<number, HeldSlot>;
  readonly waiting: number;
}

/**
 * The limits in force now: the configured ones slowed down after "try later" replies, and
 * after a connection failure one attempt at a time until one gets through (or it is down).
 */
export function limitNow(limit: DestinationLimit, known: Pick<SlotView, 'slow' | 'failures'>, now: number): DestinationLimit {
  return suspect(effectiveLimit(limit, known.slow, now), known.failures);
}

export function suspect(limit: DestinationLimit, failures: number): DestinationLimit {
  return failures > 0 ? { ...limit, connections: 1 } : limit;
}

/** The lowest slot this process holds idle, with time left on its lease, below the limit in force. */
export function reusableSlot(held: ReadonlyMap<number, HeldSlot>, connections: number, now: number): number | null {
  let best: number | null = null;
  for (const [slot, h] of held) if (!h.busy && slot < connections && h.until > now + REUSE_MARGIN_MS && (best === null || slot < best)) best = slot;
  return best;
}

/** Every slot the limit allows is this process's and in use: the store has none to give. */
function allMineBusy(held: ReadonlyMap<number, HeldSlot>, connections: number): boolean {
  let busy = 0;
  for (const [slot, h] of held) if (h.busy && slot < connections) busy++;
  return busy >= connections;
}

export type EntryDecision =
  /** Down, and the probe's time has come: claim it in the store (it needs no slot: nobody else connects). */
  | { readonly kind: 'probe' }
  /** Down: nothing connects but the probe. */
  | { readonly kind: 'hold'; readonly down: DownState }
  /** A slot of ours, idle: take it from memory. */
  | { readonly kind: 'go'; readonly slot: number }
  /** Every slot is ours and in use: wait in this process for one of them. */
  | { readonly kind: 'wait' }
  /** Ask the store for a slot. */
  | { readonly kind: 'take' };

/** How an attempt enters, from what this process knows (`limit`: the configured one). */
export function decideEntry(known: SlotView, limit: DestinationLimit, now: number): EntryDecision {
  if (known.down) return probeDue(known.down, now) ? { kind: 'probe' } : { kind: 'hold', down: heldUntilProbe(known.down, now) };
  const { connections } = limitNow(limit, known, now);
  const mine = reusableSlot(known.held, connections, now);
  if (mine !== null) return { kind: 'go', slot: mine };
  if (allMineBusy(known.held, connections) && known.waiting < MAX_WAITING) return { kind: 'wait' };
  return { kind: 'take' };
}

export type AnswerDecision =
  | { readonly kind: 'go'; readonly slot: number }
  /** The slot given is left idle: another node marked the destination down meanwhile. */
  | { readonly kind: 'hold'; readonly down: DownState; readonly slot: number }
  | { readonly kind: 'wait' }
  | { readonly kind: 'paced'; readonly wait: PacingWait };

/**
 * What the store's answer means (`known`: the state read with it; `busy`: how many of our
 * own slots were in use when we asked). No slot while some are our own attempts': one of
 * them is ours next.
 */
export function decideAnswer(
  known: SlotView,
  answer: { readonly kind: 'slot'; readonly slot: number } | PacingWait,
  busy: number,
  now: number,
): AnswerDecision {
  if (answer.kind === 'slot')
    return known.down ? { kind: 'hold', down: heldUntilProbe(known.down, now), slot: answer.slot } : { kind: 'go', slot: answer.slot };
  if (answer.kind === 'connections' && busy > 0 && known.waiting < MAX_WAITING) return { kind: 'wait' };
  return { kind: 'paced', wait: answer };
}

/**
 * The sweep's work on one destination's slots: renew the leases of slots in use that run
 * low, give back slots idle longer than `idleHoldMs` or whose lease runs low.
 */
export function sweepSlots(held: ReadonlyMap<number, HeldSlot>, now: number, idleHoldMs: number): { renew: number[]; giveBack: number[] } {
  const renew: number[] = [];
  const giveBack: number[] = [];
  for (const [slot, h] of held) {
    if (h.busy) {
      if (h.until - now < RENEW_BELOW_MS) renew.push(slot);
    } else if (now - h.idleSince >= idleHoldMs || h.until <= now + REUSE_MARGIN_MS) giveBack.push(slot);
  }
  return { renew, giveBack };
}

/**
 * Nothing of the destination left to remember: no slot, nobody waiting or entering, healthy.
 * A destination that fails is remembered (and read again each sweep): held mail asks no store about it.
 */
export function forgettable(known: SlotView, entering: number): boolean {
  return known.held.size === 0 && known.waiting === 0 && entering === 0 && known.failures === 0 && known.down === null;
}
