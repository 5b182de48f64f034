/**
 * PostgreSQL ends the store's idle connections (a restart, an administrator's command): the
 * node does not crash, and the next query opens a new connection and works.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigVersion } from '../../src/store/index.js';
import { openTestStore, type TestStore } from '../support/relaydesk.js';

describe('idle PostgreSQL connections ended by the server', () => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore('postgres');
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('are replaced on the next query, without an uncaught error', async () => {
    expect(await loadConfigVersion(ts.store.db)).toBe(0);
    const url = new URL((ts.location as { databaseUrl: string }).databaseUrl);
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      const r = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        url.pathname.slice(1),
      ]);
      expect(r.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // Let the ended connections report it to the pool.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await loadConfigVersion(ts.store.db)).toBe(0);
  });
});
