import type { DestinationState } from '../../store/index.js';
import type { DownRecord, DownState } from '../dead-destination.js';
import type { SlotView } from '../destination-slots.js';
import type { DestinationLimitEntry, PacingWait, SlowState } from '../pacing.js';

/** What an attempt is told by the pacing gate: go (and leave when done) or wait. */
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

export interface OwnSlot {
  /** The lease in the store, as this process last wrote it. */
  until: number;
  busy: boolean;
  idleSince: number;
}

export interface Waiter {
  readonly limits: readonly DestinationLimitEntry[];
  readonly count: number;
  readonly resolve: (entry: PacingEntry | null) => void;
  readonly timer: NodeJS.Timeout;
}

/** What this process knows of one destination: its own slots and the shared state it last read. */
export interface Destination {
  readonly name: string;
  readonly held: Map<number, OwnSlot>;
  readonly waiting: Waiter[];
  slow: SlowState;
  /** The run of "try later" replies; a delivery writes it back to 0 only when it is not 0 already. */
  tryLater: number;
  /** Connection failures in a row: while there are any, one attempt at a time (the rest wait or are held). */
  failures: number;
  down: DownRecord | null;
  /** Entries on their way through the store: the destination is not forgotten under them. */
  entering: number;
  /** Entries that need the store take turns: a slot of our own that is idle is ours to use again, so two at once would both pick it. */
  turn: Promise<unknown>;
}

/** What the decisions of destination-slots.ts see of it. */
export function view(d: Destination): SlotView {
  return { failures: d.failures, down: d.down, slow: d.slow, held: d.held, waiting: d.waiting.length };
}

/** The shared state as read from the store: another node's "try later" slows this one down too. */
export function learn(d: Destination, state: DestinationState): void {
  d.slow = state.slow;
  d.tryLater = state.tryLater;
  d.failures = state.failures;
  d.down = state.down;
}
