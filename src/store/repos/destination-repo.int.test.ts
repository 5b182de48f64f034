/** Pacing state shared by nodes, on both dialects: slots leased by number, the minute's count, the slow-down. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import {
  dropDestinationSlots,
  clearTryLater,
  giveBackDestinationSlots,
  loadDestination,
  loadDestinations,
  recordDestinationDeferral,
  recordTryLater,
  takeDestinationSlot,
} from '../index.js';

const MINUTE = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE);

describe.each(DIALECTS)('destination pacing on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  const take = (destination: string, owner: string, opts: { now?: number; connections?: number; perMinute?: number | null; busy?: number[] } = {}) => {
    const now = opts.now ?? T0;
    return takeDestinationSlot(ts.store.db, {
      destination,
      owner,
      now,
      until: now + 120_000,
      minute: now - (now % MINUTE),
      busy: opts.busy ?? [],
      limitNow: () => ({ connections: opts.connections ?? 2, perMinute: opts.perMinute ?? null }),
    });
  };

  it('never gives out more slots than the limit, even to owners asking at once', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => take('cap.test', `node-${i}`)));
    const slots = answers.filter((a) => a.kind === 'slot');
    expect(slots).toHaveLength(2);
    expect(new Set(slots.map((a) => (a.kind === 'slot' ? a.slot : -1))).size).toBe(2);
    expect(answers.filter((a) => a.kind === 'connections').map((a) => a.kind === 'connections' && a.limit)).toEqual(Array(4).fill(2));
  });

  it('gives an expired slot (a dead node) to someone else, and an idle one back to its owner first', async () => {
    expect(await take('dead.test', 'a', { connections: 1 })).toMatchObject({ kind: 'slot', slot: 0 });
    expect(await take('dead.test', 'b', { connections: 1, now: T0 + 1_000 })).toMatchObject({ kind: 'connections', limit: 1 });
    // a's lease (120 s) ran out without a renewal.
    expect(await take('dead.test', 'b', { connections: 1, now: T0 + 121_000 })).toMatchObject({ kind: 'slot', slot: 0 });
    expect(await take('dead.test', 'a', { connections: 1, now: T0 + 130_000 })).toMatchObject({ kind: 'connections', limit: 1 });
    expect(await take('dead.test', 'b', { connections: 1, now: T0 + 130_000 })).toMatchObject({ kind: 'slot', slot: 0 });
    // A slot the owner is sending on is not handed to it twice.
    expect(await take('dead.test', 'b', { connections: 1, now: T0 + 131_000, busy: [0] })).toMatchObject({ kind: 'connections', limit: 1 });
    expect(await dropDestinationSlots(ts.store.db, 'b')).toBe(1);
    expect(await take('dead.test', 'a', { connections: 1, now: T0 + 132_000 })).toMatchObject({ kind: 'slot', slot: 0 });
    // Given back, a slot is anyone's at once; a slot someone else holds is not given back by another owner.
    await giveBackDestinationSlots(ts.store.db, { owner: 'b', slots: [{ destination: 'dead.test', slot: 0 }] });
    expect(await take('dead.test', 'b', { connections: 1, now: T0 + 133_000 })).toMatchObject({ kind: 'connections', limit: 1 });
    await giveBackDestinationSlots(ts.store.db, { owner: 'a', slots: [{ destination: 'dead.test', slot: 0 }] });
    expect(await take('dead.test', 'b', { connections: 1, now: T0 + 134_000 })).toMatchObject({ kind: 'slot', slot: 0 });
  });

  it('counts attempts a minute across owners and starts again in the next minute', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await take('rate.test', `o${i}`, { connections: 10, perMinute: 3, now: T0 + i }));
    expect(answers.map((a) => a.kind)).toEqual(['slot', 'slot', 'slot', 'rate']);
    expect(answers[3]).toMatchObject({ kind: 'rate', limit: 3 });
    expect((await loadDestination(ts.store.db, 'rate.test'))?.minuteCount).toBe(3);
    // The refused attempt gave its slot back: three slots are held, not four.
    expect(await take('rate.test', 'o9', { connections: 10, perMinute: 3, now: T0 + MINUTE })).toMatchObject({ kind: 'slot', slot: 3 });
    expect((await loadDestination(ts.store.db, 'rate.test'))?.minuteCount).toBe(1);
  });

  it('keeps the slow-down and the reasons for the dashboard', async () => {
    await recordDestinationDeferral(ts.store.db, { destination: 'slow.test', now: T0, count: 2, reason: 'pacing: slow.test at 2 connections' });
    await recordTryLater(ts.store.db, {
      destination: 'slow.test',
      now: T0 + 5,
      count: 1,
      reason: 'slowed down: 421 4.7.0 try later',
      slow: { level: 1, at: T0 + 5 },
    });
    await recordTryLater(ts.store.db, {
      destination: 'slow.test',
      now: T0 + 6,
      count: 1,
      reason: 'slowed down: 421 4.7.0 again',
      slow: { level: 2, at: T0 + 6 },
    });
    const state = await loadDestination(ts.store.db, 'slow.test');
    expect(state).toMatchObject({
      deferred: 4,
      tryLater: 2,
      lastReason: 'slowed down: 421 4.7.0 again',
      lastReasonAt: T0 + 6,
      slow: { level: 2, at: T0 + 6 },
    });
    await take('slow.test', 'x', { connections: 1 });
    await clearTryLater(ts.store.db, 'slow.test');
    expect((await loadDestination(ts.store.db, 'slow.test'))?.tryLater).toBe(0);
    const listed = await loadDestinations(ts.store.db);
    expect(listed.map((d) => d.destination)).toContain('slow.test');
    // A destination that only ever had slots is not listed.
    expect(listed.map((d) => d.destination)).not.toContain('cap.test');
  });
});
