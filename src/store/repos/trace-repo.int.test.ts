/** Merged trace lines on both dialects: which repeats count on the delivery's last line, and which are added. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { appendOrMergeTrace, appendTrace, loadTrace, type TraceEvent } from './trace-repo.js';

const T0 = 1_700_000_000_000;
const held = (queueId: string, deliveryId: number, at: number, reply = 'destination down'): TraceEvent => ({
  queueId,
  deliveryId,
  at,
  code: 'queue.destination_down',
  summary: `held at ${at}`,
  data: { reply },
  merge: true,
});

describe.each(DIALECTS)('appendOrMergeTrace on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it("counts a repeat on its delivery's last line, and adds every other line in order", async () => {
    const { db } = ts.store;
    const q = 'Q-MERGE';
    await appendTrace(db, [
      held(q, 1, T0),
      held(q, 2, T0),
      held(q, 4, T0),
      held(q, 5, T0),
      { queueId: q, deliveryId: 5, at: T0 + 1, code: 'queue.attempt', summary: 'attempt', data: { reply: 'destination down' } },
      held('Q-OTHER', 1, T0),
    ]);
    await appendOrMergeTrace(db, [
      held(q, 1, T0 + 10),
      held(q, 2, T0 + 10, 'another reply'),
      held(q, 3, T0 + 10),
      held(q, 4, T0 + 10),
      held(q, 4, T0 + 11),
      held(q, 5, T0 + 10),
      { ...held(q, 6, T0 + 10), merge: false },
    ]);
    await appendOrMergeTrace(db, [held(q, 1, T0 + 20)]);
    const lines = (await loadTrace(db, q)).map((l) => [
      l.deliveryId,
      l.summary,
      l.data?.['count'] ?? 1,
      l.data?.['firstAt'] ?? null,
      l.data?.['lastAt'] ?? null,
    ]);
    expect(lines).toEqual([
      [1, `held at ${T0 + 20}`, 3, T0, T0 + 20],
      [2, `held at ${T0}`, 1, null, null],
      [4, `held at ${T0}`, 1, null, null],
      [5, `held at ${T0}`, 1, null, null],
      [5, 'attempt', 1, null, null],
      [2, `held at ${T0 + 10}`, 1, null, null],
      [3, `held at ${T0 + 10}`, 1, null, null],
      [4, `held at ${T0 + 10}`, 1, null, null],
      [4, `held at ${T0 + 11}`, 1, null, null],
      [5, `held at ${T0 + 10}`, 1, null, null],
      [6, `held at ${T0 + 10}`, 1, null, null],
    ]);
    // Another message's line of the same delivery number is its own.
    expect((await loadTrace(db, 'Q-OTHER')).map((l) => l.data?.['count'] ?? 1)).toEqual([1]);
  });

  it('merges the lines of a whole probe round, however many deliveries it holds', async () => {
    const { db } = ts.store;
    const ids = Array.from({ length: 450 }, (_, i) => 1_000 + i);
    await appendTrace(
      db,
      ids.map((id) => held(`Q-${id % 7}`, id, T0)),
    );
    await appendOrMergeTrace(
      db,
      ids.map((id) => held(`Q-${id % 7}`, id, T0 + 5)),
    );
    const counts = [];
    for (let m = 0; m < 7; m++) counts.push(...(await loadTrace(db, `Q-${m}`)).map((l) => l.data?.['count']));
    expect(counts).toHaveLength(450);
    expect(counts.every((c) => c === 2)).toBe(true);
  });
});
