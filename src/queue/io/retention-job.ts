import type { Clock } from '../../base/clock.js';
import { EVENTS } from '../../base/events.js';
import { traceText } from '../../base/trace-texts.js';
import type { Logger } from '../../base/log.js';
import { renderDuration } from '../../config/index.js';
import type { LiveConfig } from '../../config/index.js';
import {
  claimMaintenance,
  deleteLogEntries,
  deleteSetAside,
  deleteSpoolOrphans,
  deleteTrafficBefore,
  expireHeld,
  finishMaintenance,
  freeSpaceMode,
  purgeFinished,
  releaseMaintenance,
  type MaintenanceRun,
  type StoreHandle,
} from '../../store/index.js';
import {
  BATCH,
  BETWEEN_BATCHES_MS,
  batchWasFull,
  decideCutoffs,
  nextBatchSize,
  nextRunDelay,
  RETENTION_JOB,
  RUN_BUDGET_MS,
  type RetentionCutoffs,
  type RetentionPolicy,
} from '../retention.js';
import { MaintenanceLoop } from './maintenance-loop.js';

/** How much one run removed, by kind (also what `relaydesk store stats` shows as the last purge). */
export interface RetentionCounts {
  /** Held deliveries dropped from quarantine. */
  quarantine: number;
  /** Messages whose body, deliveries and trace were removed, and those bodies' bytes. */
  bodies: number;
  bodyBytes: number;
  deliveries: number;
  traceEvents: number;
  /** Email log entries removed (message rows). */
  logEntries: number;
  /** The desk's suspended and failed entries deleted. */
  setAside: number;
  /** Spool orphans removed (blobs whose writer died). */
  spool: number;
  /** SQLite pages given back to the file system. */
  pagesReturned: number;
  /** Traffic minutes (the dashboard's figures) deleted. */
  stats: number;
}

export interface RetentionJobDeps {
  readonly store: Pick<StoreHandle, 'db' | 'caps' | 'where' | 'returnFreePages'>;
  readonly live: LiveConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Names this run of the node on the job's lease (`<node name>/<pid>/<random>`). */
  readonly holder: string;
}

/** A lease outlives a batch many times over; a node that dies mid-run hands the job on after it. */
const LEASE_MS = 5 * 60_000;
/** Pages given back per step (16 MiB of 4 KiB pages): each step holds the write lock briefly. */
const VACUUM_PAGES_PER_STEP = 4096;
/** The first run waits a little, so that starting a node does not start with a purge. */
const FIRST_RUN_MS = 5_000;

type Stage = {
  readonly name: string;
  batch(limit: number, c: RetentionCutoffs, now: number, policy: RetentionPolicy): Promise<{ removed: number; add: Partial<RetentionCounts> }>;
};

/**
 * Keeps the store its size: once a minute (and sooner while there is a backlog) it drops
 * held mail past `retention.quarantine`, purges finished mail past `retention.messages`,
 * removes log entries past `retention.log`, set-aside desk mail past
 * `retention.deskSetAside`, spool orphans, and the dashboard's figures past
 * `retention.stats`, each in small transactions, then gives the freed space back (SQLite).
 * One node at a time runs it (a lease in the store). What is due is decided by the pure
 * queue/retention.ts, on the node's clock.
 */
export class RetentionJob {
  /** Set by stop() (and before start()): a run under way ends after its batch. */
  #stopped = true;
  #warnedFreeSpace = false;
  readonly #sizes = new Map<string, number>();
  readonly #loop: MaintenanceLoop;

  constructor(private readonly deps: RetentionJobDeps) {
    this.#loop = new MaintenanceLoop({
      run: (report) => this.#runOnce(report),
      nextDelay: nextRunDelay,
      failed: (e) =>
        deps.logger.error({ event: EVENTS.retentionStoreError, err: (e as Error).message }, 'retention could not finish a run; it tries again in a minute'),
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop.start(FIRST_RUN_MS);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop.stop();
  }

  /**
   * Runs the job now (after any run under way) and resolves with what it did; null when
   * another node holds the job. Tests and benchmarks call it after moving their clock.
   */
  runNow(): Promise<MaintenanceRun | null> {
    return this.#loop.runNow();
  }

  async #runOnce(report: (workLeft: boolean) => void): Promise<MaintenanceRun | null> {
    const { deps } = this;
    const { db } = deps.store;
    const startedAt = deps.clock.now();
    if (!(await claimMaintenance(db, { job: RETENTION_JOB, holder: deps.holder, now: startedAt, leaseMs: LEASE_MS }))) return null;
    const t0 = performance.now();
    const counts: RetentionCounts = {
      quarantine: 0,
      bodies: 0,
      bodyBytes: 0,
      deliveries: 0,
      traceEvents: 0,
      logEntries: 0,
      setAside: 0,
      spool: 0,
      pagesReturned: 0,
      stats: 0,
    };
    let workLeft = false;
    try {
      const r = (await deps.live.current().catch(() => deps.live.cached)).config.retention;
      const policy: RetentionPolicy = { messagesMs: r.messages, logMs: r.log, quarantineMs: r.quarantine, deskSetAsideMs: r.deskSetAside, statsMs: r.stats };
      const cutoffs = decideCutoffs(policy, startedAt);
      const overBudget = () => performance.now() - t0 > RUN_BUDGET_MS;
      stages: for (const stage of stagesOf(db)) {
        for (;;) {
          if (this.#stopped) break stages;
          if (overBudget()) {
            workLeft = true;
            break stages;
          }
          const limit = this.#sizes.get(stage.name) ?? BATCH.initial;
          const t = performance.now();
          const { removed, add } = await stage.batch(limit, cutoffs, deps.clock.now(), policy);
          this.#sizes.set(stage.name, nextBatchSize(limit, performance.now() - t));
          for (const [k, v] of Object.entries(add) as [keyof RetentionCounts, number][]) counts[k] += v;
          if (!batchWasFull(removed, limit)) break;
          // Renewed between batches; a node that lost it (its store stalled past the lease) stops.
          if (!(await claimMaintenance(db, { job: RETENTION_JOB, holder: deps.holder, now: deps.clock.now(), leaseMs: LEASE_MS }))) break stages;
          await pause(BETWEEN_BATCHES_MS);
        }
      }
      if (!this.#stopped) workLeft = (await this.#returnSpace(counts, overBudget)) || workLeft;
      const run: MaintenanceRun = { startedAt, durationMs: performance.now() - t0, holder: deps.holder, counts: { ...counts } };
      await finishMaintenance(db, { job: RETENTION_JOB, holder: deps.holder, run });
      const removed = counts.quarantine + counts.bodies + counts.logEntries + counts.setAside + counts.spool + counts.stats;
      if (removed > 0)
        deps.logger.info({ event: EVENTS.retentionPurged, ...counts, durationMs: Math.round(run.durationMs), more: workLeft }, 'retention removed old mail');
      report(workLeft);
      return run;
    } catch (e) {
      await releaseMaintenance(db, { job: RETENTION_JOB, holder: deps.holder }).catch(() => undefined);
      throw e;
    }
  }

  /** Gives freed pages back to the file system, a step at a time; true when some are left for the next run. */
  async #returnSpace(counts: RetentionCounts, overBudget: () => boolean): Promise<boolean> {
    const { store, logger } = this.deps;
    const mode = await freeSpaceMode(store);
    if (mode === 'none') {
      if (!this.#warnedFreeSpace) {
        this.#warnedFreeSpace = true;
        logger.warn(
          { event: EVENTS.retentionNoFreeSpaceReturn, file: store.where },
          `this store was made before it could give space back, and it is too large to switch at start: freed space is reused, but the file does not shrink. To switch it, stop Relaydesk and run: sqlite3 ${store.where} "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;" (it needs free disk space about the size of the file), then start it again`,
        );
      }
      return false;
    }
    if (mode !== 'incremental') return false;
    for (;;) {
      if (this.#stopped) return false;
      if (overBudget()) return true;
      const n = await store.returnFreePages(VACUUM_PAGES_PER_STEP);
      counts.pagesReturned += n;
      if (n < VACUUM_PAGES_PER_STEP) return false;
      await pause(BETWEEN_BATCHES_MS);
    }
  }
}

/** In this order: mail dropped from quarantine finishes, and is purged a window later like any other. */
function stagesOf(db: RetentionJobDeps['store']['db']): Stage[] {
  return [
    {
      name: 'quarantine',
      async batch(limit, c, now, policy) {
        const summary = `deleted from quarantine by retention: held longer than ${renderDuration(policy.quarantineMs)} (retention.quarantine)`;
        const text = traceText('queue.deleted/retention', { duration: renderDuration(policy.quarantineMs) });
        const r = await expireHeld(db, { before: c.expireHeldBefore, now, limit, code: EVENTS.deleted, summary, text });
        return { removed: r.messages, add: { quarantine: r.deliveries } };
      },
    },
    {
      name: 'bodies',
      async batch(limit, c, now) {
        const r = await purgeFinished(db, { before: c.purgeFinishedBefore, now, limit });
        return { removed: r.messages, add: { bodies: r.messages, bodyBytes: r.bytes, deliveries: r.deliveries, traceEvents: r.traceEvents } };
      },
    },
    {
      name: 'log',
      async batch(limit, c) {
        const r = await deleteLogEntries(db, { before: c.dropLogBefore, limit });
        return { removed: r.messages, add: { logEntries: r.messages } };
      },
    },
    {
      name: 'setAside',
      async batch(limit, c) {
        const r = await deleteSetAside(db, { before: c.dropSetAsideBefore, limit });
        return { removed: Math.max(r.suspended, r.failed), add: { setAside: r.suspended + r.failed } };
      },
    },
    {
      name: 'spool',
      async batch(limit, c) {
        const r = await deleteSpoolOrphans(db, { before: c.dropSpoolBefore, limit });
        return { removed: r.blobs, add: { spool: r.blobs } };
      },
    },
    {
      name: 'stats',
      async batch(limit, c) {
        const r = await deleteTrafficBefore(db, { before: c.dropStatsBefore, limit });
        return { removed: r.minutes, add: { stats: r.minutes } };
      },
    },
  ];
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
