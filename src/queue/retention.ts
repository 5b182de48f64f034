/**
 * Retention: what is old enough to remove, how much to remove per transaction, and when to
 * look again. Pure: the policy, the time and the last batch's figures are arguments;
 * io/retention-job.ts carries the decisions out.
 */

/** The job's name in the store's maintenance table (its lease and last run). */
export const RETENTION_JOB = 'retention';

export interface RetentionPolicy {
  /** Body, deliveries and trace of a finished message, counted from when its last delivery ended. */
  readonly messagesMs: number;
  /** The email log's entry (the message row), counted from when the message was received. */
  readonly logMs: number;
  /** Held deliveries, counted from when they were held. */
  readonly quarantineMs: number;
  /** The desk's suspended and failed entries, counted from when they were set aside. */
  readonly deskSetAsideMs: number;
  /** The dashboard's per-minute figures and idle next hops, counted from the minute (or the hop's last news). */
  readonly statsMs: number;
}

/**
 * A blob still marked as being written after this long belongs to a session or an intake
 * that died: no DATA phase lasts an hour (sessions idle out after 5 minutes).
 */
export const SPOOL_ORPHAN_AFTER_MS = 3_600_000;

export interface RetentionCutoffs {
  /** Finished messages whose deliveries all ended before this lose body, deliveries and trace. */
  readonly purgeFinishedBefore: number;
  /** Purged messages received before this leave the email log. */
  readonly dropLogBefore: number;
  /** Deliveries held since before this are dropped from quarantine. */
  readonly expireHeldBefore: number;
  /** Suspended and failed desk entries set aside before this are deleted. */
  readonly dropSetAsideBefore: number;
  /** Spool marks (and their chunks) older than this are removed. */
  readonly dropSpoolBefore: number;
  /** Traffic minutes before this, and next hops not heard from since, are deleted. */
  readonly dropStatsBefore: number;
}

export function decideCutoffs(policy: RetentionPolicy, now: number): RetentionCutoffs {
  return {
    purgeFinishedBefore: now - policy.messagesMs,
    dropLogBefore: now - policy.logMs,
    expireHeldBefore: now - policy.quarantineMs,
    dropSetAsideBefore: now - policy.deskSetAsideMs,
    dropSpoolBefore: now - SPOOL_ORPHAN_AFTER_MS,
    dropStatsBefore: now - policy.statsMs,
  };
}

/**
 * Batches are sized so that one transaction holds the store for about `targetMs`: SQLite
 * has one writer, and mail waits for it while a batch runs. A batch of mail with large
 * bodies takes longer, so the size follows what the last one took.
 */
export const BATCH = { initial: 200, min: 20, max: 500, targetMs: 100 } as const;

export function nextBatchSize(current: number, tookMs: number): number {
  if (tookMs > BATCH.targetMs * 2) return Math.max(BATCH.min, Math.floor(current / 2));
  if (tookMs < BATCH.targetMs / 2) return Math.min(BATCH.max, Math.ceil(current * 1.5));
  return current;
}

/** A batch that came back with as many items as it asked for has left more behind. */
export const batchWasFull = (removed: number, limit: number): boolean => removed >= limit;

/** How often the job looks when it has caught up. */
export const RUN_EVERY_MS = 60_000;
/** One run works for at most this long; more is left to the next run, which then comes soon. */
export const RUN_BUDGET_MS = 20_000;
/** Between runs while catching up, and between batches: mail and the queue get the store. */
export const CATCH_UP_PAUSE_MS = 200;
export const BETWEEN_BATCHES_MS = 10;

/** The next run: soon while the last one stopped with work left, else in a minute. */
export function nextRunDelay(workLeft: boolean): number {
  return workLeft ? CATCH_UP_PAUSE_MS : RUN_EVERY_MS;
}
