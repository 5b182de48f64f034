/**
 * The store never ends without an enabled admin, even when two admins demote, disable or
 * delete each other at the same moment (on PostgreSQL the two run on separate connections).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUsers } from '../../src/store/index.js';
import { addUser, removeUser, updateUser } from '../../src/accounts/index.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/relaydesk.js';

const ROUNDS = 15;

describe.each(DIALECTS)('the last admin on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  const enabledAdmins = async () => (await listUsers(ts.store.db)).filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.email);

  it('survives two admins removing each other at once', async () => {
    const moves = [
      (email: string, now: number) => updateUser(ts.store.db, email, { role: 'agent', now }),
      (email: string, now: number) => updateUser(ts.store.db, email, { disabled: true, now }),
      (email: string) => removeUser(ts.store.db, email),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      const now = Date.now();
      const a = `a${round}@solarmora.com`;
      const b = `b${round}@solarmora.com`;
      // Only these two are enabled admins this round (the survivor of the last one goes).
      await addUser(ts.store.db, { email: a, role: 'admin', password: 'a long password 1', now });
      await addUser(ts.store.db, { email: b, role: 'admin', password: 'a long password 2', now });
      for (const email of await enabledAdmins()) if (email !== a && email !== b) await removeUser(ts.store.db, email);
      expect((await enabledAdmins()).sort()).toEqual([a, b]);

      const results = await Promise.allSettled([moves[round % 3]!(a, now), moves[(round + 1) % 3]!(b, now)]);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused, `round ${round}`).toHaveLength(1);
      expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/leave no enabled admin/);
      expect(await enabledAdmins(), `round ${round}`).toHaveLength(1);
    }
  });
});
