/**
 * The login limit's memory is the store: failures recorded through one store handle are
 * counted through another (two nodes on one PostgreSQL), and old failures are forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../src/store/index.js';
import { LoginLimiter } from '../../src/web/auth/login-limiter.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/relaydesk.js';

const MIN = 60_000;
const LIMITS = { max: 3, windowMs: 10 * MIN };

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

  it('counts failures from every node, and survives a restart', async () => {
    const a = new LoginLimiter(ts.store.db, LIMITS);
    const b = new LoginLimiter(second.db, LIMITS);
    await a.fail('email:ana@solarmora.com', 0);
    await b.fail('email:ana@solarmora.com', MIN);
    expect(await a.retryAfter('email:ana@solarmora.com', 2 * MIN)).toBe(0);
    await a.fail('email:ana@solarmora.com', 2 * MIN);
    expect(await b.retryAfter('email:ana@solarmora.com', 3 * MIN)).toBe(7 * MIN);
    expect(await b.retryAfter('email:amy@solarmora.com', 3 * MIN)).toBe(0);
    await b.reset('email:ana@solarmora.com');
    expect(await a.retryAfter('email:ana@solarmora.com', 3 * MIN)).toBe(0);
  });

  it('forgets failures older than the window, whatever their key', async () => {
    const a = new LoginLimiter(ts.store.db, LIMITS);
    for (let i = 0; i < 50; i++) await a.fail(`ip:10.0.0.${i}`, 100 * MIN);
    await a.fail('ip:10.9.9.9', 200 * MIN);
    const left = await ts.store.db.withTables<{ login_failures: { key: string } }>().selectFrom('login_failures').select('key').execute();
    expect(left.map((r) => r.key)).toEqual(['ip:10.9.9.9']);
  });
});
