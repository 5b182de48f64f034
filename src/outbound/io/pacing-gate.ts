import type { Logger } from '../../base/log.js';
import {
  dropDestinationSlots,
  dropEarlierRunSlots,
  leaveDestinationSlot,
  loadDestination,
  recordDestinationDeferral,
  recordTryLater,
  renewDestinationSlots,
  takeDestinationSlot,
  type Db,
} from '../../store/index.js';
import {
  FULL_SPEED,
  currentLevel,
  effectiveLimit,
  limitFor,
  minuteOf,
  pacingReason,
  slowDown,
  type DestinationLimitEntry,
  type PacingWait,
} from '../pacing.js';
import { POOL_IDLE_CLOSE_MS } from './smtp-sender.js';

/**
 * An attempt holds its slot this long, renewed while it runs: a node that dies holding slots
 * gives them back after it.
 */
const ATTEMPT_LEASE_MS = 120_000;
const RENEW_EVERY_MS = 30_000;
/**
 * After an attempt the node keeps the slot while its pooled connection may still be open (a
 * pool idle that long is closed at the next sweep), and uses it again first.
 */
const IDLE_HOLD_MS = 2 * POOL_IDLE_CLOSE_MS + 5_000;

export type PacingEntry =
  | { readonly kind: 'go'; leave(outcome: { delivered: boolean }): Promise<void> }
  | { readonly kind: 'wait'; readonly wait: PacingWait; readonly reason: string };

/**
 * One node's door to the destinations' shared pacing state (store/repos/destination-repo):
 * an attempt enters before it connects and leaves when it ends, on every path.
 */
export class PacingGate {
  /** Slots this process is sending on now, by destination. */
  readonly #busy = new Map<string, Set<number>>();
  /**
   * Entries to one destination take turns in this process: a slot of our own that is idle is
   * ours to use again, so two entries at once would both pick it.
   */
  readonly #turns = new Map<string, Promise<unknown>>();
  readonly #renewer: NodeJS.Timeout;
  /** The slots of this node's earlier runs, given back before the first entry. */
  readonly #ready: Promise<unknown>;

  constructor(
    private readonly deps: {
      readonly db: Db;
      /** This node's name, unique among the processes sharing the store. */
      readonly nodeName: string;
      /** This process's slot owner, `<nodeName>/<pid>/<random>`: a restart under the same name is told apart. */
      readonly owner: string;
      readonly now: () => number;
      readonly logger?: Logger;
    },
  ) {
    this.#renewer = setInterval(() => void this.#renew(), RENEW_EVERY_MS);
    this.#renewer.unref();
    // A restart after a crash would otherwise wait for its own old leases to run out.
    this.#ready = dropEarlierRunSlots(deps.db, { nodeName: deps.nodeName, owner: deps.owner }).catch(() => 0);
  }

  enter(destination: string, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    const turn = (this.#turns.get(destination) ?? this.#ready).then(() => this.#enter(destination, limits, count));
    const settled = turn.catch(() => undefined);
    this.#turns.set(destination, settled);
    void settled.then(() => {
      if (this.#turns.get(destination) === settled) this.#turns.delete(destination);
    });
    return turn;
  }

  async #enter(destination: string, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    const { db, owner } = this.deps;
    const now = this.deps.now();
    const limit = limitFor(destination, limits);
    const busy = this.#busy.get(destination) ?? new Set<number>();
    let slowed = false;
    let answer;
    try {
      answer = await takeDestinationSlot(db, {
        destination,
        owner,
        now,
        until: now + ATTEMPT_LEASE_MS,
        minute: minuteOf(now),
        busy: [...busy],
        limitNow: (slow) => {
          slowed = currentLevel(slow, now) > 0;
          return effectiveLimit(limit, slow, now);
        },
      });
    } catch (e) {
      // Without the shared count no node may know it is under the limit: wait for the store.
      this.deps.logger?.warn({ component: 'outbound', destination, err: (e as Error).message }, 'pacing: the store does not answer; the attempt waits');
      return {
        kind: 'wait',
        wait: { kind: 'connections', limit: limit.connections },
        reason: `pacing: ${destination} waits for the store, which does not answer`,
      };
    }
    if (answer.kind !== 'slot') {
      const wait: PacingWait = answer;
      const reason = pacingReason(destination, wait, slowed);
      await recordDestinationDeferral(db, { destination, now, count, reason }).catch(() => undefined);
      return { kind: 'wait', wait, reason };
    }
    const slot = answer.slot;
    busy.add(slot);
    this.#busy.set(destination, busy);
    let left = false;
    return {
      kind: 'go',
      leave: async ({ delivered }) => {
        if (left) return;
        left = true;
        busy.delete(slot);
        if (busy.size === 0) this.#busy.delete(destination);
        const at = this.deps.now();
        // A failure leaves the lease to expire; the slot is free again after it.
        await leaveDestinationSlot(db, { destination, slot, owner, until: at + IDLE_HOLD_MS, delivered }).catch((e: unknown) =>
          this.deps.logger?.debug({ component: 'outbound', destination, err: (e as Error).message }, 'pacing: slot not given back; its lease expires'),
        );
      },
    };
  }

  /** A "try later" reply from the destination: slow it down (see outbound/pacing.ts) and say why. */
  async tryLater(destination: string, reply: string, count: number): Promise<void> {
    const { db } = this.deps;
    const now = this.deps.now();
    try {
      const state = await loadDestination(db, destination);
      const slow = slowDown(state?.slow ?? FULL_SPEED, now);
      await recordTryLater(db, { destination, now, count, slow, reason: `slowed down: ${reply}` });
    } catch (e) {
      this.deps.logger?.warn({ component: 'outbound', destination, err: (e as Error).message }, 'pacing: cannot record a "try later" reply');
    }
  }

  /** Stops renewing and gives back this process's slots (its pools are closed with it). */
  async close(): Promise<void> {
    clearInterval(this.#renewer);
    this.#busy.clear();
    await dropDestinationSlots(this.deps.db, this.deps.owner).catch(() => undefined);
  }

  async #renew(): Promise<void> {
    const slots = [...this.#busy].flatMap(([destination, set]) => [...set].map((slot) => ({ destination, slot })));
    if (slots.length === 0) return;
    await renewDestinationSlots(this.deps.db, { owner: this.deps.owner, slots, until: this.deps.now() + ATTEMPT_LEASE_MS }).catch((e: unknown) =>
      this.deps.logger?.warn({ component: 'outbound', err: (e as Error).message }, 'pacing: cannot renew the slots in use; they expire unless renewed later'),
    );
  }
}
