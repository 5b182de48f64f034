/**
 * A case's service targets (SLA): a first response and a resolution within so much business
 * time. One clock serves both: it runs while the case is new or open, pauses while it is
 * pending (waiting on the customer) and stops when it is solved or closed. The first agent
 * answer meets the first-response target; solving meets the resolution target. A due time
 * that has passed is kept as it is, so the breach it means is never lost to a later change.
 *
 * The clock is a value: `startSlaClock` when a case opens, `advanceSlaClock` on each of its
 * events in turn, with the instant and the business hours passed in.
 */
import { parseHoursRange, WEEKDAYS, type Config } from '../config/index.js';
import { addBusinessTime, businessTimeBetween, type BusinessHours } from './business-time.js';
import type { CaseStatus } from './model.js';

export const SLA_TARGETS = ['firstResponse', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

/** Business time (ms) allowed for each target; null: no such target. */
export interface SlaTargets {
  readonly firstResponse: number | null;
  readonly resolution: number | null;
}

export interface SlaClock {
  /** The case's targets, fixed when it opened. */
  readonly targets: SlaTargets;
  /** Business time counted before `runningSince`. */
  readonly elapsed: number;
  /** Since when the clock runs; null while it is paused or stopped. */
  readonly runningSince: number | null;
  /** When an agent first answered; null until then. */
  readonly firstResponseAt: number | null;
  readonly firstResponseDue: number | null;
  readonly resolutionDue: number | null;
}

export type SlaEvent =
  | { readonly kind: 'status'; readonly at: number; readonly status: CaseStatus }
  /** An agent's answer went out (notes and acknowledgements are not answers). */
  | { readonly kind: 'first-response'; readonly at: number };

/** The clock counts in these statuses; pending pauses it, solved and closed stop it. */
const runsIn = (status: CaseStatus): boolean => status === 'new' || status === 'open';

export function startSlaClock(targets: SlaTargets, hours: BusinessHours | null, at: number, status: CaseStatus): SlaClock {
  const idle: SlaClock = { targets, elapsed: 0, runningSince: null, firstResponseAt: null, firstResponseDue: null, resolutionDue: null };
  return advanceSlaClock(idle, hours, { kind: 'status', at, status });
}

function dueAfter(
  previous: number | null,
  target: number | null,
  met: boolean,
  at: number,
  clock: Pick<SlaClock, 'elapsed' | 'runningSince'>,
  hours: BusinessHours | null,
): number | null {
  if (previous !== null && previous <= at) return previous;
  if (target === null || met || clock.runningSince === null) return null;
  return addBusinessTime(hours, clock.runningSince, Math.max(0, target - clock.elapsed));
}

export function advanceSlaClock(clock: SlaClock, hours: BusinessHours | null, event: SlaEvent): SlaClock {
  const at = event.at;
  const elapsed = clock.runningSince === null ? clock.elapsed : clock.elapsed + businessTimeBetween(hours, clock.runningSince, at);
  const running = event.kind === 'status' ? runsIn(event.status) : clock.runningSince !== null;
  const firstResponseAt = clock.firstResponseAt ?? (event.kind === 'first-response' ? at : null);
  const next = { elapsed, runningSince: running ? at : null };
  return {
    targets: clock.targets,
    ...next,
    firstResponseAt,
    firstResponseDue: dueAfter(clock.firstResponseDue, clock.targets.firstResponse, firstResponseAt !== null, at, next, hours),
    resolutionDue: dueAfter(clock.resolutionDue, clock.targets.resolution, false, at, next, hours),
  };
}

/** Business time left on a target while the clock does not run (paused); null without the target or once met. */
export function slaRemaining(clock: SlaClock, target: SlaTarget): number | null {
  const allowed = clock.targets[target];
  if (allowed === null || (target === 'firstResponse' && clock.firstResponseAt !== null)) return null;
  return Math.max(0, allowed - clock.elapsed);
}

/** What the desk's SLA needs from the configuration: the business hours and each channel's targets. */
export interface SlaSettings {
  readonly hours: BusinessHours | null;
  /** By channel name; a channel without `sla` has no targets. */
  readonly targets: ReadonlyMap<string, SlaTargets>;
}

/** From a checked configuration (every range and date there is valid). */
export function slaSettingsOf(desk: Config['desk']): SlaSettings {
  const targets = new Map<string, SlaTargets>();
  for (const c of desk?.channels ?? []) {
    if (c.sla) targets.set(c.name, { firstResponse: c.sla.firstResponse ?? null, resolution: c.sla.resolution ?? null });
  }
  const bh = desk?.businessHours;
  if (!bh) return { hours: null, targets };
  const week = WEEKDAYS.map((day) =>
    (bh.days[day] ?? [])
      .map((text) => parseHoursRange(text))
      .filter((r): r is readonly [number, number] => r !== undefined)
      .sort((a, b) => a[0] - b[0]),
  );
  return { hours: { timeZone: bh.timeZone, week, holidays: new Set(bh.holidays) }, targets };
}
