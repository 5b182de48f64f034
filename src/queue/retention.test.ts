import { describe, expect, it } from 'vitest';
import { BATCH, batchWasFull, CATCH_UP_PAUSE_MS, decideCutoffs, nextBatchSize, nextRunDelay, RUN_EVERY_MS } from './retention.js';

const H = 3_600_000;
const D = 24 * H;

describe('decideCutoffs', () => {
  const now = 100 * D;
  const cut = decideCutoffs({ messagesMs: 30 * D, logMs: 90 * D, quarantineMs: 14 * D, deskSetAsideMs: 7 * D, statsMs: 30 * D }, now);

  it.each([
    ['bodies of mail finished 30 days ago', cut.purgeFinishedBefore, 70 * D],
    ['log entries of mail received 90 days ago', cut.dropLogBefore, 10 * D],
    ['quarantine held 14 days', cut.expireHeldBefore, 86 * D],
    ['set-aside desk mail after 7 days', cut.dropSetAsideBefore, 93 * D],
    ['spool marks an hour old, whatever the policy', cut.dropSpoolBefore, now - H],
    ['traffic figures after 30 days', cut.dropStatsBefore, 70 * D],
  ])('%s', (_what, actual, expected) => expect(actual).toBe(expected));
});

describe('nextBatchSize', () => {
  it.each([
    ['grows by half while a batch is quick', 200, 10, 300],
    ['stays while a batch takes about the target', 200, BATCH.targetMs, 200],
    ['stays just under twice the target', 200, BATCH.targetMs * 2, 200],
    ['halves when a batch holds the store too long', 200, BATCH.targetMs * 2 + 1, 100],
    ['never grows past the maximum', BATCH.max, 1, BATCH.max],
    ['never shrinks below the minimum', BATCH.min, 10_000, BATCH.min],
    ['shrinks an odd size down', 25, 1_000, 20],
  ])('%s', (_what, current, took, expected) => expect(nextBatchSize(current, took)).toBe(expected));

  it('starts at a few hundred messages', () => {
    expect(BATCH.initial).toBeGreaterThanOrEqual(BATCH.min);
    expect(BATCH.initial).toBeLessThanOrEqual(BATCH.max);
  });

  it('settles between the bounds whatever the timings', () => {
    let size: number = BATCH.initial;
    for (const took of [5, 5, 5, 5, 5, 900, 900, 900, 900, 900, 900, 60]) {
      size = nextBatchSize(size, took);
      expect(size).toBeGreaterThanOrEqual(BATCH.min);
      expect(size).toBeLessThanOrEqual(BATCH.max);
    }
    expect(size).toBe(BATCH.min);
  });
});

describe('when to run', () => {
  it.each([
    [0, 200, false],
    [199, 200, false],
    [200, 200, true],
  ])('a batch that removed %i of %i was full: %s', (removed, limit, full) => expect(batchWasFull(removed, limit)).toBe(full));

  it('comes back soon while work is left, else in a minute', () => {
    expect(nextRunDelay(true)).toBe(CATCH_UP_PAUSE_MS);
    expect(nextRunDelay(false)).toBe(RUN_EVERY_MS);
    expect(RUN_EVERY_MS).toBe(60_000);
    expect(CATCH_UP_PAUSE_MS).toBeLessThan(RUN_EVERY_MS);
  });
});
