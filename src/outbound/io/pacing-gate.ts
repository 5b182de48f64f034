import type { Logger } from '../../base/log.js';
import {
  claimDestinationProbe,
  clearTryLater,
  countDestinationMessage,
  dropDestinationSlots,
  dropEarlierRunSlots,
  giveBackDestinationSlots,
  loadDestination,
  recordConnectionFailure,
  recordConnectionSuccess,
  recordDestinationDeferral,
  recordTryLater,
  releaseHeldDeliveries,
  renewDestinationSlots,
  takeDestinationSlot,
  type Db,
  type DestinationState,
} from '../../store/index.js';
import {
  FULL_SPEED,
  currentLevel,
  effectiveLimit,
  limitFor,
  minuteOf,
  pacingReason,
  slowDown,
  type DestinationLimit,
  type DestinationLimitEntry,
  type PacingWait,
  type SlowState,
} from '../pacing.js';
import { DEAD_AFTER, FIRST_PROBE_MS, MAX_PROBE_MS, PROBE_LEASE_MS, downReason, type DownState } from '../dead-destination.js';
import { POOL_IDLE_CLOSE_MS } from './smtp-sender.js';

/**
 * A slot's lease in the store, renewed while this process holds it: a node that dies holding
 * slots gives them back after it.
 */
const ATTEMPT_LEASE_MS = 120_000;
/** How often the held slots are looked after: leases renewed, idle slots given back, the shared state read again. */
const SWEEP_EVERY_MS = 5_000;
/** A lease is renewed once less than this is left of it (so about every 30 s, not every sweep). */
const RENEW_BELOW_MS = ATTEMPT_LEASE_MS - 30_000;
/**
 * A slot of ours is used again without asking the store only while its lease has this much
 * left: more than a sweep, so the lease is renewed before anyone else may take it.
 */
const REUSE_MARGIN_MS = 30_000;
/**
 * After an attempt the process keeps the slot while its pooled connection may still be open
 * (a pool idle that long is closed at the next sweep), and uses it again first.
 */
const IDLE_HOLD_MS = 2 * POOL_IDLE_CLOSE_MS + 5_000;
/**
 * An attempt that finds every slot taken while this process sends on some of them waits for
 * one of those, in order, at most this long and behind at most MAX_WAITING others; then it
 * is held back (paced) as when other nodes hold the slots.
 */
const WAIT_MS = 5_000;
const MAX_WAITING = 500;

export type PacingEntry =
  | {
      readonly kind: 'go';
      /** This attempt is the one probe of a down destination. */
      readonly probe: boolean;
      /**
       * `reached`: whether the server answered (false: refused, timed out, no greeting;
       * undefined: not known). True when this brought a down destination back.
       */
      leave(outcome: { delivered: boolean; reached?: boolean }): Promise<boolean>;
    }
  | { readonly kind: 'wait'; readonly wait: PacingWait; readonly reason: string; readonly down?: DownState };

interface HeldSlot {
  /** The lease in the store, as this process last wrote it. */
  until: number;
  busy: boolean;
  idleSince: number;
}

interface Waiter {
  readonly limits: readonly DestinationLimitEntry[];
  readonly count: number;
  readonly resolve: (entry: PacingEntry | null) => void;
  readonly timer: NodeJS.Timeout;
}

/** What this process knows of one destination: its own slots and the shared state it last read. */
interface Destination {
  readonly name: string;
  readonly held: Map<number, HeldSlot>;
  readonly waiting: Waiter[];
  slow: SlowState;
  /** The run of "try later" replies; a delivery writes it back to 0 only when it is not 0 already. */
  tryLater: number;
  /** Connection failures in a row: while there are any, one attempt at a time (the rest wait or are held). */
  failures: number;
  down: DestinationState['down'];
  /** Entries on their way through the store: the destination is not forgotten under them. */
  entering: number;
  /** Entries that need the store take turns: a slot of our own that is idle is ours to use again, so two at once would both pick it. */
  turn: Promise<unknown>;
}

/**
 * One process's door to the destinations' shared pacing state (store/repos/destination-repo):
 * an attempt enters before it connects and leaves when it ends, on every path. The store is
 * asked only for a slot this process does not hold yet: a slot it holds is used again from
 * memory while its lease lasts, and handed from the attempt that leaves it straight to the
 * next one waiting.
 */
export class PacingGate {
  readonly #destinations = new Map<string, Destination>();
  /** Reasons of destinations back up, whose held deliveries the next sweep releases once more. */
  #lateReleases: string[] = [];
  readonly #sweeper: NodeJS.Timeout;
  #sweeping = false;
  #closed = false;
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
    this.#sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.#sweeper.unref();
    // A restart after a crash would otherwise wait for its own old leases to run out.
    this.#ready = dropEarlierRunSlots(deps.db, { nodeName: deps.nodeName, owner: deps.owner }).catch(() => 0);
  }

  async enter(destination: string, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    const d = this.#destination(destination);
    if (d.down) {
      // Down: nothing connects but the one probe, when its time has come. It needs no slot:
      // while the destination is down nobody else connects to it.
      if (await this.#claimProbe(d)) return this.#probeEntry(d);
      // A claim refused reads the state again: another node's probe may have brought it back.
      if (d.down) return this.#downWait(d);
    }
    const mine = this.#reusable(d, limits);
    if (mine !== null) return this.#go(d, mine, limits, count);
    // Every slot the limit allows is this process's and in use: the store has none to give.
    if (this.#allMineBusy(d, limits) && d.waiting.length < MAX_WAITING) return this.#queue(d, limits, count);
    d.entering++;
    try {
      const turn = d.turn.then(() => this.#enterThroughStore(d, limits, count));
      d.turn = turn.catch(() => undefined);
      const entry = await turn;
      return await (entry ?? this.#queue(d, limits, count));
    } finally {
      d.entering--;
    }
  }

  /** A slot this process holds idle, with time left on its lease, below the limit in force: taken, in memory. */
  #reusable(d: Destination, limits: readonly DestinationLimitEntry[]): number | null {
    const now = this.deps.now();
    const { connections } = this.#limitNow(d, limits, now);
    let best: number | null = null;
    for (const [slot, h] of d.held) if (!h.busy && slot < connections && h.until > now + REUSE_MARGIN_MS && (best === null || slot < best)) best = slot;
    if (best !== null) d.held.get(best)!.busy = true;
    return best;
  }

  #allMineBusy(d: Destination, limits: readonly DestinationLimitEntry[]): boolean {
    const { connections } = this.#limitNow(d, limits, this.deps.now());
    let busy = 0;
    for (const [slot, h] of d.held) if (h.busy && slot < connections) busy++;
    return busy >= connections;
  }

  #limitNow(d: Destination, limits: readonly DestinationLimitEntry[], now: number): DestinationLimit {
    return this.#suspect(d, effectiveLimit(limitFor(d.name, limits), d.slow, now));
  }

  /** After a connection failure, one attempt at a time until one gets through (or the destination is down). */
  #suspect(d: Destination, limit: DestinationLimit): DestinationLimit {
    return d.failures > 0 ? { ...limit, connections: 1 } : limit;
  }

  /** The probe of a down destination is this process's, if its time has come and no other node holds it. */
  async #claimProbe(d: Destination): Promise<boolean> {
    const now = this.deps.now();
    const down = d.down!;
    if (down.probeAt > now || (down.probing && down.probing.until > now)) return false;
    try {
      if (await claimDestinationProbe(this.deps.db, { destination: d.name, owner: this.deps.owner, now, until: now + PROBE_LEASE_MS })) return true;
      const state = await loadDestination(this.deps.db, d.name);
      if (state) this.#learn(d, state);
    } catch {
      // Without the store no probe: the destination stays down here until it answers.
    }
    return false;
  }

  #downWait(d: Destination): PacingEntry {
    const down = d.down!;
    // A probe under way decides soon (or its claim runs out): look again then, or sooner if it is long.
    const now = this.deps.now();
    const nextProbeAt = down.probing ? Math.min(Math.max(down.probeAt, down.probing.until), now + FIRST_PROBE_MS) : down.probeAt;
    const reason = downReason(d.name, down.since);
    return { kind: 'wait', wait: { kind: 'connections', limit: 0 }, reason, down: { since: down.since, nextProbeAt } };
  }

  /**
   * The slot is marked busy: count the message against the minute's cap where one is
   * configured (only then does an attempt on a slot we hold need the store), and go.
   */
  async #go(d: Destination, slot: number, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    if (d.down) {
      this.#idle(d, slot);
      return this.#downWait(d);
    }
    const now = this.deps.now();
    const limit = this.#limitNow(d, limits, now);
    if (limit.perMinute !== null) {
      let counted;
      try {
        counted = await countDestinationMessage(this.deps.db, { destination: d.name, now, minute: minuteOf(now), perMinute: limit.perMinute });
      } catch (e) {
        this.#idle(d, slot);
        return this.#storeDown(d.name, limit, e);
      }
      if (!counted) {
        this.#idle(d, slot);
        return this.#held(d, { kind: 'rate', limit: limit.perMinute }, count);
      }
    }
    return this.#entry(d, slot);
  }

  /** The store's answer when no slot of ours will do; null: wait here for one of ours. */
  async #enterThroughStore(d: Destination, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry | null> {
    await this.#ready;
    if (d.down) return this.#downWait(d);
    // An attempt that left while this one waited for its turn may have freed a slot of ours.
    const mine = this.#reusable(d, limits);
    if (mine !== null) return this.#go(d, mine, limits, count);
    const { db, owner } = this.deps;
    const now = this.deps.now();
    const limit = limitFor(d.name, limits);
    const busy = [...d.held].filter(([, h]) => h.busy).map(([slot]) => slot);
    let answer;
    try {
      answer = await takeDestinationSlot(db, {
        destination: d.name,
        owner,
        now,
        until: now + ATTEMPT_LEASE_MS,
        minute: minuteOf(now),
        busy,
        limitNow: (slow) => this.#suspect(d, effectiveLimit(limit, slow, now)),
      });
    } catch (e) {
      return this.#storeDown(d.name, limit, e);
    }
    this.#learn(d, answer.state);
    if (answer.kind === 'slot') {
      d.held.set(answer.slot, { until: now + ATTEMPT_LEASE_MS, busy: true, idleSince: now });
      // Another node marked it down meanwhile.
      if (d.down) {
        this.#idle(d, answer.slot);
        return this.#downWait(d);
      }
      return this.#entry(d, answer.slot);
    }
    // Every slot is taken. Where some are our own attempts', one of them is ours next.
    if (answer.kind === 'connections' && busy.length > 0 && d.waiting.length < MAX_WAITING) return null;
    return this.#held(d, answer, count);
  }

  #queue(d: Destination, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    return new Promise<PacingEntry | null>((resolve) => {
      const waiter: Waiter = {
        limits,
        count,
        resolve,
        timer: setTimeout(() => {
          const i = d.waiting.indexOf(waiter);
          if (i >= 0) d.waiting.splice(i, 1);
          resolve(null);
        }, WAIT_MS),
      };
      waiter.timer.unref();
      d.waiting.push(waiter);
    }).then((entry) => {
      if (entry) return entry;
      const limit = this.#limitNow(d, limits, this.deps.now());
      return this.#held(d, { kind: 'connections', limit: limit.connections }, count);
    });
  }

  /** The probe of a down destination: its outcome decides whether it is back. */
  #probeEntry(d: Destination): PacingEntry {
    let left = false;
    return {
      kind: 'go',
      probe: true,
      leave: async ({ reached }) => {
        if (left || reached === undefined) return false;
        left = true;
        return this.#health(d, reached, true);
      },
    };
  }

  #entry(d: Destination, slot: number): PacingEntry {
    let left = false;
    return {
      kind: 'go',
      probe: false,
      leave: async ({ delivered, reached }) => {
        if (left) return false;
        left = true;
        // Before the slot is handed on: the next attempt must see a destination that went down.
        const up = reached === undefined ? false : await this.#health(d, reached, false);
        // The next attempt goes once the sender's pool has its connection back (nodemailer marks it
        // available in a setImmediate after the reply): sooner, it would open another connection.
        await new Promise((r) => setImmediate(r));
        this.#idle(d, slot);
        this.#handOn(d);
        // Written only when a run of "try later" replies is known to be open: not once per message.
        if (delivered && d.tryLater > 0) {
          d.tryLater = 0;
          await clearTryLater(this.deps.db, d.name).catch((e: unknown) =>
            this.deps.logger?.debug(
              { component: 'outbound', destination: d.name, err: (e as Error).message },
              'pacing: the run of "try later" replies is not reset',
            ),
          );
        }
        return up;
      },
    };
  }

  /**
   * Whether the server answered, for the destination's health: a failure counts toward
   * marking it down (or, for the probe, doubles the wait); an answer ends a run of failures,
   * and brings a down destination back with its held deliveries due at once. The store is
   * written only when something changes: not for every message to a healthy destination.
   */
  async #health(d: Destination, reached: boolean, probe: boolean): Promise<boolean> {
    const { db, logger } = this.deps;
    const now = this.deps.now();
    try {
      if (!reached) {
        d.failures++;
        const state = await recordConnectionFailure(db, {
          destination: d.name,
          now,
          deadAfter: DEAD_AFTER,
          firstProbeMs: FIRST_PROBE_MS,
          maxProbeMs: MAX_PROBE_MS,
          ...(probe ? { prober: this.deps.owner } : {}),
        });
        const wasDown = d.down !== null;
        this.#learn(d, state);
        if (!wasDown && d.down)
          logger?.warn(
            {
              component: 'outbound',
              event: 'queue.destination_down',
              destination: d.name,
              failures: state.failures,
              nextProbeAt: new Date(d.down.probeAt).toISOString(),
            },
            `${d.name} is down after ${state.failures} connection failures in a row; one probe at a time decides when it is back`,
          );
        return false;
      }
      if (d.failures === 0 && d.down === null && !probe) return false;
      const since = d.down?.since;
      const wasDown = await recordConnectionSuccess(db, { destination: d.name, now });
      d.failures = 0;
      d.down = null;
      if (!wasDown) return false;
      const reason = since === undefined ? null : downReason(d.name, since);
      const released = reason === null ? 0 : await releaseHeldDeliveries(db, { reason, now });
      // Attempts held while the probe was under way may be recorded after this: the next sweep releases them too.
      if (reason !== null) this.#lateReleases.push(reason);
      logger?.info(
        { component: 'outbound', event: 'queue.destination_up', destination: d.name, released },
        `${d.name} answers again; ${released} held deliveries go now`,
      );
      return true;
    } catch (e) {
      logger?.warn({ component: 'outbound', destination: d.name, err: (e as Error).message }, 'pacing: cannot record whether the destination answers');
      return false;
    }
  }

  #idle(d: Destination, slot: number): void {
    const h = d.held.get(slot);
    if (!h) return;
    h.busy = false;
    h.idleSince = this.deps.now();
  }

  /** A slot of ours came free: the longest waiting attempts take it, in order. */
  #handOn(d: Destination): void {
    while (d.waiting.length > 0) {
      const next = d.waiting[0]!;
      const slot = this.#reusable(d, next.limits);
      if (slot === null) break;
      d.waiting.shift();
      clearTimeout(next.timer);
      void this.#go(d, slot, next.limits, next.count).then(next.resolve, () => next.resolve(null));
    }
    // None of ours is left to wait for (given back, or above a limit slowed down meanwhile): ask the store again.
    if (d.waiting.length > 0 && ![...d.held.values()].some((h) => h.busy)) {
      for (const w of d.waiting.splice(0)) {
        clearTimeout(w.timer);
        const turn = d.turn.then(() => this.#enterThroughStore(d, w.limits, w.count));
        d.turn = turn.catch(() => undefined);
        // Still none: held back now rather than queued again, so a destination cannot keep it waiting for ever.
        void turn.then(
          (e) => w.resolve(e),
          () => w.resolve(null),
        );
      }
    }
  }

  async #held(d: Destination, wait: PacingWait, count: number): Promise<PacingEntry> {
    const now = this.deps.now();
    const reason = pacingReason(d.name, wait, currentLevel(d.slow, now) > 0);
    await recordDestinationDeferral(this.deps.db, { destination: d.name, now, count, reason }).catch(() => undefined);
    return { kind: 'wait', wait, reason };
  }

  #storeDown(destination: string, limit: DestinationLimit, e: unknown): PacingEntry {
    // Without the shared count no node may know it is under the limit: wait for the store.
    this.deps.logger?.warn({ component: 'outbound', destination, err: (e as Error).message }, 'pacing: the store does not answer; the attempt waits');
    return {
      kind: 'wait',
      wait: { kind: 'connections', limit: limit.connections },
      reason: `pacing: ${destination} waits for the store, which does not answer`,
    };
  }

  #destination(name: string): Destination {
    let d = this.#destinations.get(name);
    if (!d) {
      d = { name, held: new Map(), waiting: [], slow: FULL_SPEED, tryLater: 0, failures: 0, down: null, entering: 0, turn: this.#ready };
      this.#destinations.set(name, d);
    }
    return d;
  }

  /** The shared state as read from the store: another node's "try later" slows this one down too. */
  #learn(d: Destination, state: DestinationState): void {
    d.slow = state.slow;
    d.tryLater = state.tryLater;
    d.failures = state.failures;
    d.down = state.down;
  }

  /** A "try later" reply from the destination: slow it down (see outbound/pacing.ts) and say why. */
  async tryLater(destination: string, reply: string, count: number): Promise<void> {
    const { db } = this.deps;
    const now = this.deps.now();
    const d = this.#destination(destination);
    try {
      const state = await loadDestination(db, destination);
      const slow = slowDown(state?.slow ?? FULL_SPEED, now);
      await recordTryLater(db, { destination, now, count, slow, reason: `slowed down: ${reply}` });
      d.slow = slow;
      d.tryLater = (state?.tryLater ?? 0) + 1;
    } catch (e) {
      this.deps.logger?.warn({ component: 'outbound', destination, err: (e as Error).message }, 'pacing: cannot record a "try later" reply');
    }
  }

  /**
   * Run every SWEEP_EVERY_MS: renews the leases of slots in use that run low, gives back
   * slots idle longer than IDLE_HOLD_MS (or whose lease runs low), and reads the shared
   * state of the destinations held again. Public so a test with its own clock can run it.
   */
  async sweep(): Promise<void> {
    if (this.#sweeping || this.#closed) return;
    this.#sweeping = true;
    try {
      const now = this.deps.now();
      const renew: { destination: string; slot: number; h: HeldSlot }[] = [];
      const giveBack: { destination: string; slot: number }[] = [];
      for (const d of this.#destinations.values()) {
        for (const [slot, h] of d.held) {
          if (h.busy) {
            if (h.until - now < RENEW_BELOW_MS) renew.push({ destination: d.name, slot, h });
          } else if (now - h.idleSince >= IDLE_HOLD_MS || h.until <= now + REUSE_MARGIN_MS) {
            d.held.delete(slot);
            giveBack.push({ destination: d.name, slot });
          }
        }
        // A destination that fails is remembered (and read again each sweep): held mail asks no store about it.
        if (d.held.size === 0 && d.waiting.length === 0 && d.entering === 0 && d.failures === 0 && d.down === null) this.#destinations.delete(d.name);
      }
      const { db, owner, logger } = this.deps;
      const late = this.#lateReleases;
      this.#lateReleases = [];
      for (const reason of late) await releaseHeldDeliveries(db, { reason, now }).catch(() => 0);
      if (renew.length > 0) {
        const until = now + ATTEMPT_LEASE_MS;
        try {
          await renewDestinationSlots(db, { owner, slots: renew, until });
          for (const r of renew) r.h.until = until;
        } catch (e) {
          logger?.warn({ component: 'outbound', err: (e as Error).message }, 'pacing: cannot renew the slots in use; they expire unless renewed later');
        }
      }
      if (giveBack.length > 0)
        await giveBackDestinationSlots(db, { owner, slots: giveBack }).catch((e: unknown) =>
          logger?.debug({ component: 'outbound', err: (e as Error).message }, 'pacing: idle slots not given back; their leases expire'),
        );
      for (const d of this.#destinations.values()) {
        const state = await loadDestination(db, d.name).catch(() => null);
        if (state) this.#learn(d, state);
      }
    } finally {
      this.#sweeping = false;
    }
  }

  /** Stops the sweeps and gives back this process's slots (its pools are closed with it); waiting attempts are held back. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const d of this.#destinations.values())
      for (const w of d.waiting.splice(0)) {
        clearTimeout(w.timer);
        w.resolve(null);
      }
    this.#destinations.clear();
    await dropDestinationSlots(this.deps.db, this.deps.owner).catch(() => undefined);
  }
}
