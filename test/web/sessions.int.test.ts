/**
 * Session lifetimes against the real store, with injected time: 12 hours idle or 7 days
 * in all, and a disabled user's session opens nothing. The store keeps only the id's hash.
 */
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByEmail } from '../../src/store/index.js';
import { addUser, updateUser } from '../../src/accounts/index.js';
import { hashSessionId, openSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../src/accounts/sessions.js';
import { sessionOf } from '../../src/web/auth/sessions.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/relaydesk.js';

const HOUR = 60 * 60 * 1000;
const requestWith = (id: string) => ({ cookies: { rd_session: id } }) as unknown as FastifyRequest;

describe.each(DIALECTS)('console sessions on %s', (dialect) => {
  let ts: TestStore;
  const t0 = Date.UTC(2026, 0, 5, 9);

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    await addUser(ts.store.db, { email: 'ana@solarmora.com', role: 'admin', password: 'ana password 1', now: t0 });
    await addUser(ts.store.db, { email: 'amy@solarmora.com', role: 'agent', password: 'amy password 1', now: t0 });
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  const user = async (email: string) => (await findUserByEmail(ts.store.db, email))!;

  it('stores only the hash of the id, and ends after 12 idle hours', async () => {
    const s = await openSession(ts.store.db, await user('ana@solarmora.com'), t0);
    expect(Buffer.from(s.id, 'base64url')).toHaveLength(32);
    const rows = await ts.store.db.withTables<{ user_sessions: { id_hash: string } }>().selectFrom('user_sessions').select('id_hash').execute();
    expect(rows.map((r) => r.id_hash)).toContain(hashSessionId(s.id));
    expect(rows.map((r) => r.id_hash)).not.toContain(s.id);
    expect((await sessionOf(ts.store.db, requestWith(s.id), t0 + 11 * HOUR))?.user.email).toBe('ana@solarmora.com');
    // Seen at 11 h: alive until 23 h, gone at 23 h.
    expect(await sessionOf(ts.store.db, requestWith(s.id), t0 + 22 * HOUR)).not.toBeNull();
    expect(await sessionOf(ts.store.db, requestWith(s.id), t0 + 22 * HOUR + SESSION_IDLE_MS)).toBeNull();
    expect(await sessionOf(ts.store.db, requestWith(s.id), t0 + 22 * HOUR)).toBeNull();
  });

  it('ends 7 days after login however busy it is', async () => {
    const s = await openSession(ts.store.db, await user('ana@solarmora.com'), t0);
    for (let t = t0; t < t0 + SESSION_ABSOLUTE_MS; t += 10 * HOUR) expect(await sessionOf(ts.store.db, requestWith(s.id), t)).not.toBeNull();
    expect(await sessionOf(ts.store.db, requestWith(s.id), t0 + SESSION_ABSOLUTE_MS)).toBeNull();
  });

  it('opens nothing for a disabled user, an unknown id or no cookie', async () => {
    const s = await openSession(ts.store.db, await user('amy@solarmora.com'), t0);
    expect(await sessionOf(ts.store.db, requestWith(s.id), t0 + 1)).not.toBeNull();
    await updateUser(ts.store.db, 'amy@solarmora.com', { disabled: true, now: t0 + 2 });
    expect(await sessionOf(ts.store.db, requestWith(s.id), t0 + 3)).toBeNull();
    expect(await sessionOf(ts.store.db, requestWith('A'.repeat(43)), t0)).toBeNull();
    expect(await sessionOf(ts.store.db, { cookies: {} } as unknown as FastifyRequest, t0)).toBeNull();
  });
});
