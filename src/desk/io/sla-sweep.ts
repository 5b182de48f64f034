import { EVENTS } from '../../base/events.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import { findUnrecordedBreaches, recordSlaBreach, type Db } from '../../store/index.js';
import { emitDeskEvent } from './webhooks.js';

export interface SlaSweepDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Webhook events were queued: deliver them now. */
  readonly wake: () => void;
}

/** A minute target is the shortest there is; a sweep well within it shows a breach on time. */
export const SLA_SWEEP_INTERVAL_MS = 15_000;
/** Breaches recorded per run at most; more wait for the next run. */
const BATCH = 200;

/**
 * Records each breach whose due time has come, once, and sends `case.sla_breached` for it in
 * the same transaction. Every node with the queue role sweeps; on a shared PostgreSQL the
 * conditional update lets one node alone record a given breach, so the event goes out once.
 * Returns the breaches this node recorded.
 */
export async function sweepSlaBreaches(deps: SlaSweepDeps): Promise<{ caseNumber: number; target: string; due: number }[]> {
  const now = deps.clock.now();
  const recorded: { caseNumber: number; target: string; due: number }[] = [];
  for (const b of await findUnrecordedBreaches(deps.db, now, BATCH)) {
    const won = await deps.db.transaction().execute(async (trx) => {
      if (!(await recordSlaBreach(trx, b.caseId, b.target, now))) return false;
      await emitDeskEvent(trx, { type: 'case.sla_breached', caseId: b.caseId, target: b.target, at: now });
      return true;
    });
    if (!won) continue;
    recorded.push({ caseNumber: b.caseNumber, target: b.target, due: b.due });
    deps.logger.warn(
      { event: EVENTS.slaBreached, caseNumber: b.caseNumber, target: b.target, due: new Date(b.due).toISOString() },
      `case #${b.caseNumber} missed its ${b.target === 'firstResponse' ? 'first-response' : 'resolution'} target, due ${new Date(b.due).toISOString()}`,
    );
  }
  if (recorded.length > 0) deps.wake();
  return recorded;
}

/** Sweeps every SLA_SWEEP_INTERVAL_MS; a failed run is logged and the next one tries again. */
export class SlaSweep {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(private readonly deps: SlaSweepDeps & { readonly intervalMs?: number }) {}

  start(): void {
    if (this.#timer || this.#stopped) return;
    const tick = () => {
      this.#running = sweepSlaBreaches(this.deps)
        .catch((e: unknown) =>
          this.deps.logger.error({ event: EVENTS.slaSweepError, err: (e as Error).message }, 'the SLA sweep could not finish; it tries again shortly'),
        )
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.deps.intervalMs ?? SLA_SWEEP_INTERVAL_MS);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
