/** The pacing gate against a real store on both dialects, with a clock the test moves. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { loadDestination } from '../../store/index.js';
import { PacingGate } from './pacing-gate.js';

const T0 = 1_700_000_040_000;

describe.each(DIALECTS)('PacingGate on %s', (dialect) => {
  let ts: TestStore;
  let now = T0;
  const gates: PacingGate[] = [];
  const gate = (owner: string) => {
    const g = new PacingGate({ db: ts.store.db, nodeName: owner, owner: `${owner}/1/x`, now: () => now });
    gates.push(g);
    return g;
  };
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    for (const g of gates) await g.close();
    await ts?.cleanup();
  });

  it('lets one attempt in per slot; a second one of the same process waits for it and goes next', async () => {
    const a = gate('a');
    const limits = [{ domain: 'one.test', connections: 1 }];
    let open = 0;
    let most = 0;
    const attempt = async () => {
      const e = await a.enter('one.test', limits, 1);
      if (e.kind !== 'go') return e.kind;
      most = Math.max(most, ++open);
      await new Promise((r) => setTimeout(r, 20));
      open--;
      await e.leave({ delivered: true });
      return e.kind;
    };
    expect(await Promise.all([attempt(), attempt(), attempt()])).toEqual(['go', 'go', 'go']);
    expect(most).toBe(1);
    // The slot stays this process's after the attempts (its pooled connection), reused without the store.
    const b = gate('b');
    const refused = await b.enter('one.test', limits, 1);
    expect(refused.kind === 'wait' && refused.reason).toBe('pacing: one.test at 1 connection');
    const again = await a.enter('one.test', limits, 1);
    expect(again.kind).toBe('go');
    if (again.kind === 'go') await again.leave({ delivered: true });
    // Idle past the hold, the next sweep gives it back.
    now += 26_000;
    await a.sweep();
    expect((await b.enter('one.test', limits, 1)).kind).toBe('go');
    expect((await loadDestination(ts.store.db, 'one.test'))?.deferred).toBe(1);
  });

  it("holds back an attempt that waited for its own process's slot too long", async () => {
    const g = gate('long');
    const limits = [{ domain: 'long.test', connections: 1 }];
    const first = await g.enter('long.test', limits, 1);
    expect(first.kind).toBe('go');
    const started = Date.now();
    const second = await g.enter('long.test', limits, 1);
    expect(second.kind === 'wait' && second.reason).toBe('pacing: long.test at 1 connection');
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    if (first.kind === 'go') await first.leave({ delivered: true });
  });

  it("counts a reused slot against the minute's cap", async () => {
    const g = gate('cap');
    const limits = [{ domain: 'cap.test', connections: 1, perMinute: 2 }];
    const kinds = [];
    for (let i = 0; i < 3; i++) {
      const e = await g.enter('cap.test', limits, 1);
      kinds.push(e.kind === 'go' ? 'go' : e.wait.kind);
      if (e.kind === 'go') await e.leave({ delivered: true });
    }
    expect(kinds).toEqual(['go', 'go', 'rate']);
  });

  it('frees the slots of a node that stopped answering once their lease runs out', async () => {
    const dead = gate('dead');
    const limits = [{ domain: 'lease.test', connections: 1 }];
    expect((await dead.enter('lease.test', limits, 1)).kind).toBe('go');
    const other = gate('other');
    now += 60_000;
    expect((await other.enter('lease.test', limits, 1)).kind).toBe('wait');
    now += 61_000;
    expect((await other.enter('lease.test', limits, 1)).kind).toBe('go');
    // The node that stopped renewing does not use the slot it lost from memory.
    expect((await dead.enter('lease.test', limits, 1)).kind).toBe('wait');
  });

  it('halves the connections after a "try later" and gives them back step by step', async () => {
    const g = gate('slow');
    const limits = [{ domain: 'slow.test', connections: 2 }];
    const first = await g.enter('slow.test', limits, 1);
    expect(first.kind).toBe('go');
    await g.tryLater('slow.test', '421 4.7.0 Try again later', 1);
    const second = await g.enter('slow.test', limits, 1);
    expect(second.kind === 'wait' && second.reason).toBe('pacing: slow.test at 1 connection (slowed down after a "try later" reply)');
    expect(await loadDestination(ts.store.db, 'slow.test')).toMatchObject({ tryLater: 1, slow: { level: 1 } });
    now += 5 * 60_000;
    expect((await g.enter('slow.test', limits, 1)).kind).toBe('go');
  });

  it('takes back at once the slots of an earlier run of the same node (a restart after a crash)', async () => {
    const limits = [{ domain: 'restart.test', connections: 1 }];
    const before = new PacingGate({ db: ts.store.db, nodeName: 'mx1', owner: 'mx1/100/a', now: () => now });
    expect((await before.enter('restart.test', limits, 1)).kind).toBe('go');
    expect((await gate('mx2').enter('restart.test', limits, 1)).kind).toBe('wait');
    const after = gate('mx1');
    expect((await after.enter('restart.test', limits, 1)).kind).toBe('go');
  });

  it('lets nothing start while the store does not answer', async () => {
    const broken = await openTestStore(dialect);
    const g = new PacingGate({ db: broken.store.db, nodeName: 'cut', owner: 'cut/1/x', now: () => now });
    await broken.store.close();
    const entry = await g.enter('any.test', [], 1);
    expect(entry.kind === 'wait' && entry.reason).toBe('pacing: any.test waits for the store, which does not answer');
    await g.close();
    await broken.cleanup().catch(() => undefined);
  });
});
