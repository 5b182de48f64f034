import type { Logger } from '../../base/log.js';
import { recordConnectionFailure, recordConnectionSuccess, releaseHeldDeliveries, type Db, type DestinationState } from '../../store/index.js';
import { DEAD_AFTER, DEFAULT_PROBE_SCHEDULE, downReason, onOutcome, type DownRecord, type ProbeSchedule } from '../dead-destination.js';

/** What the gate knows of a destination's health, written here as the outcome says. */
interface Known {
  readonly name: string;
  failures: number;
  down: DownRecord | null;
}

/**
 * Whether the server answered, for the destination's health (dead-destination.ts onOutcome
 * decides): a failure is counted in the store, which marks the destination down after a run
 * of them (or, for the probe, backs off); an answer ends a run of failures, and brings a down
 * destination back with its held deliveries due at once. `up`: it was down and is back;
 * `release`: the reason of the deliveries held for it, to release once more later (attempts
 * held while the probe was under way may be recorded after this).
 */
export async function recordHealth(
  deps: {
    readonly db: Db;
    readonly owner: string;
    readonly now: () => number;
    readonly logger?: Logger | undefined;
    /** The waits between probes, read at each failure (the retry schedule can change); DEFAULT_PROBE_SCHEDULE without it. */
    readonly probes?: (() => ProbeSchedule) | undefined;
  },
  d: Known,
  outcome: { readonly reached: boolean; readonly probe: boolean },
  learn: (state: DestinationState) => void,
): Promise<{ up: boolean; release: string | null }> {
  const { db, logger } = deps;
  const now = deps.now();
  const { next, effect } = onOutcome(d, outcome);
  const unchanged = { up: false, release: null };
  try {
    if (effect.kind === 'none') return unchanged;
    if (effect.kind === 'failure') {
      d.failures = next.failures;
      const state = await recordConnectionFailure(db, {
        destination: d.name,
        now,
        deadAfter: DEAD_AFTER,
        ...(deps.probes?.() ?? DEFAULT_PROBE_SCHEDULE),
        ...(effect.probe ? { prober: deps.owner } : {}),
      });
      const wasDown = d.down !== null;
      learn(state);
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
      return unchanged;
    }
    const wasDown = await recordConnectionSuccess(db, { destination: d.name, now });
    d.failures = next.failures;
    d.down = next.down;
    if (!wasDown) return unchanged;
    const reason = effect.downSince === null ? null : downReason(d.name, effect.downSince);
    const released = reason === null ? 0 : await releaseHeldDeliveries(db, { reason, now });
    logger?.info(
      { component: 'outbound', event: 'queue.destination_up', destination: d.name, released },
      `${d.name} answers again; ${released} held deliveries go now`,
    );
    return { up: true, release: reason };
  } catch (e) {
    logger?.warn({ component: 'outbound', destination: d.name, err: (e as Error).message }, 'pacing: cannot record whether the destination answers');
    return unchanged;
  }
}
