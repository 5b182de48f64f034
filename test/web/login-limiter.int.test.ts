/**
 * The login limit's memory is the store: attempts recorded through one store handle are
 * counted through another (two nodes on one PostgreSQL); an attempt counts from before its
 * check, so a burst of parallel guesses cannot all pass one empty count; successes and
 * refusals are forgotten, and old failures pruned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../src/store/index.js';
import { LoginLimiter } from '../../src/accounts/index.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/relaydesk.js';

const MIN = 60_000;
const LIMITS = { max: 3, windowMs: 10 * MIN };
const key = (k: string) => [{ key: k, limits: LIMITS }];

describe.each(DIALECTS)('the login limiter on %s', (dialect) => {
  let ts: TestStore;
  let second: StoreHandle;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
    // A second handle on the same database: another node, or a restarted one.
    second = await openStore(ts.location, dialect === 'sqlite' ? { relaxed: true } : {});
  });
  afterAll(async () => {
    await second?.close();
    await ts?.cleanup();
  });

  it('counts failures from every node, forgets successes, and clears on reset', async () => {
    const a = new LoginLimiter(ts.store.db);
    const b = new LoginLimiter(second.db);
    expect((await a.begin(key('email:ana@solarmora.com'), 0)).wait).toBe(0); // a failure: kept
    expect((await b.begin(key('email:ana@solarmora.com'), MIN)).wait).toBe(0); // a failure: kept
    const success = await a.begin(key('email:ana@solarmora.com'), 2 * MIN);
    expect(success.wait).toBe(0);
    await success.forget();
    expect((await a.begin(key('email:ana@solarmora.com'), 2 * MIN)).wait).toBe(0); // the third failure
    const refused = await b.begin(key('email:ana@solarmora.com'), 3 * MIN);
    expect(refused.wait).toBe(7 * MIN);
    await refused.forget();
    expect((await b.begin(key('email:amy@solarmora.com'), 3 * MIN)).wait).toBe(0);
    await b.reset('email:ana@solarmora.com');
    const after = await a.begin(key('email:ana@solarmora.com'), 3 * MIN);
    expect(after.wait).toBe(0);
    await after.forget();
  });

  it('lets at most the limit through a burst of parallel attempts', async () => {
    const limiters = [new LoginLimiter(ts.store.db), new LoginLimiter(second.db)];
    const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => limiters[i % 2]!.begin(key('ip:10.1.1.1'), 20 * MIN)));
    // However the twelve interleave, no more than the limit get to check a password.
    expect(attempts.filter((a) => a.wait === 0).length).toBeLessThanOrEqual(LIMITS.max);
    // Those that were checked (and not forgotten) are failures now: the next one waits.
    expect((await limiters[0]!.begin(key('ip:10.1.1.1'), 21 * MIN)).wait).toBeGreaterThan(0);
  });

  it('prunes failures a day old, whatever their key', async () => {
    const a = new LoginLimiter(ts.store.db);
    for (let i = 0; i < 20; i++) await a.begin(key(`ip:10.0.0.${i}`), 100 * MIN);
    await a.begin(key('ip:10.9.9.9'), 100 * MIN + 24 * 60 * MIN);
    const left = await ts.store.db.withTables<{ login_failures: { key: string } }>().selectFrom('login_failures').select('key').execute();
    expect(left.map((r) => r.key)).toEqual(['ip:10.9.9.9']);
  });
});
