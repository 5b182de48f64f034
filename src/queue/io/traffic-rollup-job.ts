import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { LiveConfig } from '../../config/index.js';
import {
  claimMaintenance,
  finishMaintenance,
  firstMessageAt,
  lastRolledMinute,
  releaseMaintenance,
  rollMinutes,
  sampleQueue,
  type Db,
  type MaintenanceRun,
} from '../../store/index.js';
import { decideRollupRange, nextRollupDelay, rollupBatches, MINUTE_MS, RUN_BUDGET_MS } from '../traffic.js';
import { MaintenanceLoop } from './maintenance-loop.js';
import { EVENTS } from '../../base/events.js';

export const TRAFFIC_ROLLUP_JOB = 'traffic-rollup';

export interface TrafficRollupDeps {
  readonly db: Db;
  readonly live: LiveConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Names this run of the node on the job's lease (`<node name>/<pid>/<random>`). */
  readonly holder: string;
}

/** A lease outlives a batch many times over; a node that dies mid-run hands the job on after it. */
const LEASE_MS = 5 * 60_000;
const BETWEEN_BATCHES_MS = 10;

/**
 * Rolls each finished minute up into the dashboard's figures: messages accepted, deliveries
 * delivered, deferred and bounced, spam held, cases opened, and a sample of the queue and of
 * each next hop's waiting mail. It runs just after each minute ends; after downtime it
 * catches up in batches of an hour, from where it stopped (within `retention.stats`). One
 * node at a time runs it (a lease in the store), so every node of a shared database shows the
 * same figures. What is due is decided by the pure queue/traffic.ts, on the node's clock.
 */
export class TrafficRollupJob {
  #started = false;
  /** Set by stop(): a run under way ends after its batch, and no run is scheduled. */
  #stopped = false;
  readonly #loop: MaintenanceLoop;

  constructor(private readonly deps: TrafficRollupDeps) {
    this.#loop = new MaintenanceLoop({
      run: (report) => this.#runOnce(report),
      nextDelay: (workLeft) => nextRollupDelay(deps.clock.now(), workLeft),
      failed: (e) =>
        deps.logger.error(
          { event: EVENTS.trafficStoreError, err: (e as Error).message },
          'the traffic rollup could not finish a run; it tries again next minute',
        ),
    });
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#loop.start(nextRollupDelay(this.deps.clock.now(), false));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop.stop();
  }

  /** Runs the job now (after any run under way); null when another node holds it. */
  runNow(): Promise<MaintenanceRun | null> {
    return this.#loop.runNow();
  }

  async #runOnce(report: (workLeft: boolean) => void): Promise<MaintenanceRun | null> {
    const { db, clock, holder } = this.deps;
    const startedAt = clock.now();
    const lease = () => claimMaintenance(db, { job: TRAFFIC_ROLLUP_JOB, holder, now: clock.now(), leaseMs: LEASE_MS });
    if (!(await lease())) return null;
    const t0 = performance.now();
    let minutes = 0;
    let batches = 0;
    let workLeft = false;
    try {
      const windowMs = (await this.deps.live.current().catch(() => this.deps.live.cached)).config.retention.stats;
      const [lastRolled, first] = await Promise.all([lastRolledMinute(db), firstMessageAt(db)]);
      const range = decideRollupRange({ now: startedAt, lastRolled, firstMessageAt: first, windowMs });
      for (const batch of range ? rollupBatches(range) : []) {
        if (this.#stopped || performance.now() - t0 > RUN_BUDGET_MS) {
          workLeft = true;
          break;
        }
        // Renewed before each batch; a node that lost it (its store stalled past the lease) stops.
        if (batches > 0) {
          if (!(await lease())) break;
          await pause(BETWEEN_BATCHES_MS);
        }
        minutes += (await rollMinutes(db, { ...batch, now: clock.now() })).minutes;
        batches++;
      }
      // The queue as it is now stands for the last minute rolled: the one that just ended.
      if (!workLeft && range) await sampleQueue(db, { minute: range.to - MINUTE_MS, now: clock.now() });
      const run: MaintenanceRun = { startedAt, durationMs: performance.now() - t0, holder, counts: { minutes, batches } };
      await finishMaintenance(db, { job: TRAFFIC_ROLLUP_JOB, holder, run });
      report(workLeft);
      return run;
    } catch (e) {
      await releaseMaintenance(db, { job: TRAFFIC_ROLLUP_JOB, holder }).catch(() => undefined);
      throw e;
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
