/**
 * The login rate limit over real HTTP: five failures for one email in 15 minutes, or
 * twenty from one address, and the next attempts get 429 with Retry-After — even with the
 * right password, or a guesser could keep going until one is right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/accounts/index.js';
import { startTestNode, type TestNode } from '../support/relaydesk.js';
import { ConsoleClient } from './console-client.js';

describe('the login rate limit (sqlite)', () => {
  let gw: TestNode;
  let base: string;

  beforeAll(async () => {
    gw = await startTestNode({ dialect: 'sqlite', roles: ['web'] });
    base = `http://127.0.0.1:${gw.node.httpPort}`;
    const now = Date.now();
    await addUser(gw.store.db, { email: 'ana@solarmora.com', role: 'admin', password: 'ana password 1', now });
    await addUser(gw.store.db, { email: 'amy@solarmora.com', role: 'agent', password: 'amy password 1', now });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('offers the setup link while the store has no users', () => {
    expect(gw.node.setupLink).toMatch(/\/setup#token=[a-z0-9]{32}$/);
  });

  it('refuses an email after five failures, right password or not, with Retry-After; other emails still log in', async () => {
    const c = new ConsoleClient(base);
    for (let i = 0; i < 5; i++) expect((await c.login('ana@solarmora.com', `wrong password ${i}`)).status).toBe(401);
    for (const password of ['wrong again!', 'ana password 1']) {
      const r = await c.login('ana@solarmora.com', password);
      expect(r.status).toBe(429);
      expect(r.body.code).toBe('RATE_LIMITED');
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(14 * 60);
      expect(retry).toBeLessThanOrEqual(15 * 60);
    }
    expect(c.cookie).toBeNull();
    // The limit is per email (and per address, below): Amy is not locked out by it.
    expect((await c.login('amy@solarmora.com', 'amy password 1')).status).toBe(200);
  });

  it('refuses an address after twenty failures, whatever the email', async () => {
    const c = new ConsoleClient(base);
    // Five failures are counted already (the test above).
    for (let i = 0; i < 15; i++) expect((await c.login(`guess${i}@solarmora.com`, 'some password')).status).toBe(401);
    const r = await c.login('amy@solarmora.com', 'amy password 1');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    const setup = await c.call('POST', '/api/setup', { body: { token: 'x', email: 'x@solarmora.com', password: 'long enough pw' } });
    expect(setup.status).toBe(429);
  });
});
