import type { Logger } from '../../base/log.js';
import {
  claimDestinationProbe,
  clearTryLater,
  countDestinationMessage,
  dropDestinationSlots,
  dropEarlierRunSlots,
  loadDestination,
  recordDestinationDeferral,
  recordTryLater,
  takeDestinationSlot,
  type Db,
} from '../../store/index.js';
import {
  FULL_SPEED,
  currentLevel,
  limitFor,
  minuteOf,
  pacingReason,
  slowDown,
  type DestinationLimit,
  type DestinationLimitEntry,
  type PacingWait,
} from '../pacing.js';
import { PROBE_LEASE_MS, downReason, heldUntilProbe, type DownState, type ProbeSchedule } from '../dead-destination.js';
import { ATTEMPT_LEASE_MS, decideAnswer, decideEntry, limitNow, reusableSlot } from '../destination-slots.js';
import { recordHealth } from './destination-health.js';
import { learn, view, type Destination, type PacingEntry, type Waiter } from './known-destination.js';
import { sweepDestinations } from './slot-sweep.js';

/** How often the held slots are looked after: leases renewed, idle slots given back, the shared state read again. */
const SWEEP_EVERY_MS = 5_000;
/** An attempt waits this long at most for a slot of its own process (destination-slots.ts says when it waits). */
const WAIT_MS = 5_000;

/**
 * One process's door to the destinations' shared pacing state (store/repos/destination-repo):
 * an attempt enters before it connects and leaves when it ends, on every path. The store is
 * asked only for a slot this process does not hold yet: a slot it holds is used again from
 * memory while its lease lasts, and handed from the attempt that leaves it straight to the
 * next one waiting. What to do is decided in destination-slots.ts and dead-destination.ts;
 * this keeps the slots and timers and carries the decisions out.
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
      /** The waits between probes of a down destination (from the retry schedule: dead-destination.ts probeSchedule). */
      readonly probes?: () => ProbeSchedule;
    },
  ) {
    this.#sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.#sweeper.unref();
    // A restart after a crash would otherwise wait for its own old leases to run out.
    this.#ready = dropEarlierRunSlots(deps.db, { nodeName: deps.nodeName, owner: deps.owner }).catch(() => 0);
  }

  async enter(destination: string, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    const d = this.#destination(destination);
    const limit = limitFor(d.name, limits);
    let decision = decideEntry(view(d), limit, this.deps.now());
    if (decision.kind === 'probe') {
      if (await this.#claimProbe(d)) return this.#probeEntry(d);
      // A claim refused read the state again: another node's probe may have brought it back.
      decision = d.down ? { kind: 'hold', down: heldUntilProbe(d.down, this.deps.now()) } : decideEntry(view(d), limit, this.deps.now());
    }
    if (decision.kind === 'hold') return this.#hold(d, decision.down);
    if (decision.kind === 'go') {
      d.held.get(decision.slot)!.busy = true;
      return this.#go(d, decision.slot, limits, count);
    }
    if (decision.kind === 'wait') return this.#queue(d, limits, count);
    // No slot of ours will do: ask the store, one entry of the destination at a time.
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
  #takeOwn(d: Destination, limits: readonly DestinationLimitEntry[]): number | null {
    const now = this.deps.now();
    const slot = reusableSlot(d.held, this.#limitNow(d, limits, now).connections, now);
    if (slot !== null) d.held.get(slot)!.busy = true;
    return slot;
  }

  #limitNow(d: Destination, limits: readonly DestinationLimitEntry[], now: number): DestinationLimit {
    return limitNow(limitFor(d.name, limits), d, now);
  }

  /** The probe of a down destination whose time has come is this process's if the store gives it the claim. */
  async #claimProbe(d: Destination): Promise<boolean> {
    const now = this.deps.now();
    try {
      if (await claimDestinationProbe(this.deps.db, { destination: d.name, owner: this.deps.owner, now, until: now + PROBE_LEASE_MS })) return true;
      const state = await loadDestination(this.deps.db, d.name);
      if (state) learn(d, state);
    } catch {
      // Without the store no probe: the destination stays down here until it answers.
    }
    return false;
  }

  #hold(d: Destination, down: DownState): PacingEntry {
    return { kind: 'wait', wait: { kind: 'connections', limit: 0 }, reason: downReason(d.name, down.since), down };
  }

  /**
   * The slot is marked busy: count the message against the minute's cap where one is
   * configured (only then does an attempt on a slot we hold need the store), and go.
   */
  async #go(d: Destination, slot: number, limits: readonly DestinationLimitEntry[], count: number): Promise<PacingEntry> {
    if (d.down) {
      this.#idle(d, slot);
      return this.#hold(d, heldUntilProbe(d.down, this.deps.now()));
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
    if (d.down) return this.#hold(d, heldUntilProbe(d.down, this.deps.now()));
    // An attempt that left while this one waited for its turn may have freed a slot of ours.
    const mine = this.#takeOwn(d, limits);
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
        limitNow: (slow) => limitNow(limit, { slow, failures: d.failures }, now),
      });
    } catch (e) {
      return this.#storeDown(d.name, limit, e);
    }
    learn(d, answer.state);
    if (answer.kind === 'slot') d.held.set(answer.slot, { until: now + ATTEMPT_LEASE_MS, busy: true, idleSince: now });
    const decision = decideAnswer(view(d), answer, busy.length, this.deps.now());
    switch (decision.kind) {
      case 'go':
        return this.#entry(d, decision.slot);
      case 'hold':
        this.#idle(d, decision.slot);
        return this.#hold(d, decision.down);
      case 'wait':
        return null;
      case 'paced':
        return this.#held(d, decision.wait, count);
    }
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

  async #health(d: Destination, reached: boolean, probe: boolean): Promise<boolean> {
    const { up, release } = await recordHealth(this.deps, d, { reached, probe }, (state) => learn(d, state));
    if (release !== null) this.#lateReleases.push(release);
    return up;
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
      const slot = this.#takeOwn(d, next.limits);
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
   * Run every SWEEP_EVERY_MS (slot-sweep.ts). Public so a test with its own clock can run it.
   */
  async sweep(): Promise<void> {
    if (this.#sweeping || this.#closed) return;
    this.#sweeping = true;
    try {
      const late = this.#lateReleases;
      this.#lateReleases = [];
      await sweepDestinations(this.deps, this.#destinations, late);
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
