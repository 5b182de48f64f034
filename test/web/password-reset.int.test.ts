/**
 * An admin resets a console user's password over real HTTP: the old password stops working,
 * the new one works, the user's open sessions end, and the password is answered once and
 * never logged. Agents are refused; an unknown user is a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/accounts/index.js';
import { DIALECTS } from '../support/relaydesk.js';
import { ConsoleClient, startConsoleNode, type ConsoleNode } from './console-client.js';

const ADMIN = 'ana@solarmora.com';
const ADMIN_PW = 'correct horse battery staple';
const AGENT = 'amy@solarmora.com';
const AGENT_PW = 'agent password 1';
const CHOSEN_PW = 'a password the admin chose';

describe.each(DIALECTS)("resetting a console user's password on %s", (dialect) => {
  let n: ConsoleNode;
  let admin: ConsoleClient;
  const secrets: string[] = [ADMIN_PW, AGENT_PW, CHOSEN_PW];

  beforeAll(async () => {
    n = await startConsoleNode(dialect);
    const now = Date.now();
    await addUser(n.ts.store.db, { email: ADMIN, role: 'admin', password: ADMIN_PW, now });
    await addUser(n.ts.store.db, { email: AGENT, role: 'agent', password: AGENT_PW, now });
    admin = new ConsoleClient(n.base);
    expect((await admin.login(ADMIN, ADMIN_PW)).status).toBe(200);
  });
  afterAll(async () => {
    await n?.stop();
  });

  const loginStatus = async (email: string, password: string) => (await new ConsoleClient(n.base).login(email, password)).status;

  it("generates a new password: the old one stops working, the new one works, the user's sessions end", async () => {
    const agent = new ConsoleClient(n.base);
    expect((await agent.login(AGENT, AGENT_PW)).status).toBe(200);
    expect((await agent.call('GET', '/api/cases')).status).toBe(200);

    const noCsrf = await admin.call('POST', `/api/users/${AGENT}/password`);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('CSRF');

    const r = await admin.call('POST', `/api/users/${encodeURIComponent('Amy@Solarmora.com')}/password`, { csrf: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ email: AGENT, password: expect.stringMatching(/^[a-z0-9]{6}(-[a-z0-9]{6}){3}$/) });
    const generated: string = r.body.password;
    secrets.push(generated);

    expect((await agent.call('GET', '/api/session')).status).toBe(401);
    expect((await agent.call('GET', '/api/cases')).status).toBe(401);
    expect(await loginStatus(AGENT, AGENT_PW)).toBe(401);
    expect(await loginStatus(AGENT, generated)).toBe(200);
    // The admin's own session is not touched by resetting someone else.
    expect((await admin.call('GET', '/api/session')).status).toBe(200);
  });

  it('sets a password the admin gives, checked like any new password', async () => {
    const short = await admin.call('POST', `/api/users/${AGENT}/password`, { body: { password: 'short' }, csrf: true });
    expect(short.status).toBe(400);
    expect(short.body.details).toEqual(['body.password: a password needs at least 10 characters']);
    const extra = await admin.call('POST', `/api/users/${AGENT}/password`, { body: { password: CHOSEN_PW, role: 'admin' }, csrf: true });
    expect(extra.status).toBe(400);

    const r = await admin.call('POST', `/api/users/${AGENT}/password`, { body: { password: CHOSEN_PW }, csrf: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ email: AGENT, password: CHOSEN_PW });
    expect(await loginStatus(AGENT, CHOSEN_PW)).toBe(200);
  });

  it('refuses an agent with 403, whoever the target is', async () => {
    const agent = new ConsoleClient(n.base);
    expect((await agent.login(AGENT, CHOSEN_PW)).status).toBe(200);
    for (const target of [AGENT, ADMIN, 'nobody@solarmora.com']) {
      const r = await agent.call('POST', `/api/users/${target}/password`, { body: { password: 'agent wants this one' }, csrf: true });
      expect(r.status, target).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN');
    }
    expect(await loginStatus(ADMIN, ADMIN_PW)).toBe(200);
  });

  it('answers 404 for an unknown user and 400 for something that is no email', async () => {
    const unknown = await admin.call('POST', '/api/users/nobody@solarmora.com/password', { csrf: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    expect(unknown.body.error).toMatch(/no user nobody@solarmora\.com/);
    expect((await admin.call('POST', '/api/users/not-an-email/password', { csrf: true })).status).toBe(400);
  });

  it('is in the OpenAPI document, with an optional body', async () => {
    const doc = (await new ConsoleClient(n.base).call('GET', '/api/openapi.json')).body;
    const op = doc.paths['/api/users/{email}/password'].post;
    expect(op.operationId).toBe('resetUserPassword');
    expect(op.requestBody.required).toBe(false);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '403', '404']));
  });

  it('logs each reset, but never the password', async () => {
    const all = n.logs.join('\n');
    const resets = n.logs.filter((l) => l.includes('web.user_password_reset')).map((l) => JSON.parse(l));
    expect(resets.map((l) => [l.email, l.generated, l.by])).toEqual([
      [AGENT, true, ADMIN],
      [AGENT, false, ADMIN],
    ]);
    for (const s of secrets) expect(all, 'a password is in the log').not.toContain(s);
  });

  it("lifts a login lockout, as the lockout's message promises", async () => {
    for (let i = 0; i < 5; i++) expect(await loginStatus(AGENT, `wrong password ${i}`)).toBe(401);
    const locked = await new ConsoleClient(n.base).login(AGENT, 'any password at all');
    expect(locked.status).toBe(429);
    expect(locked.body.error).toContain('ask an admin to reset the password');
    const r = await admin.call('POST', `/api/users/${encodeURIComponent(AGENT)}/password`, { csrf: true });
    expect(r.status).toBe(200);
    secrets.push(r.body.password);
    expect(await loginStatus(AGENT, r.body.password)).toBe(200);
  });
});
