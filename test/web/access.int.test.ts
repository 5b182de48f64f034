/**
 * The console's access over real HTTP: first-start setup, login and logout, sessions in
 * cookies, CSRF, roles, password change, security headers, config as code — and no
 * password, token or session id in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/accounts/index.js';
import { DIALECTS } from '../support/relaydesk.js';
import { ConsoleClient, setupTokenOf, startConsoleNode, type ConsoleNode } from './console-client.js';

const ADMIN = 'ana@solarmora.com';
const ADMIN_PW = 'correct horse battery staple';
const AGENT = 'amy@solarmora.com';
const AGENT_PW = 'agent password 1';
const AGENT_PW2 = 'agent password 2';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

describe.each(DIALECTS)('console access on %s', (dialect) => {
  let n: ConsoleNode;
  let admin: ConsoleClient;
  let agent: ConsoleClient;
  let bearer: string;
  const secrets: string[] = [ADMIN_PW, AGENT_PW, AGENT_PW2];

  beforeAll(async () => {
    n = await startConsoleNode(dialect);
    admin = new ConsoleClient(n.base);
    agent = new ConsoleClient(n.base);
    bearer = (await createApiToken(n.ts.store.db, { name: 'ops-script', role: 'admin', now: Date.now() })).token;
    secrets.push(bearer);
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('on first start offers a one-time setup link and answers 401 to GET /api/session', async () => {
    expect(n.node.setupLink).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${n.node.httpPort}/setup#token=[a-z0-9]{32}$`));
    secrets.push(setupTokenOf(n.node.setupLink!));
    expect((await admin.call('GET', '/api/setup')).body).toEqual({ needed: true });
    const s = await admin.call('GET', '/api/session');
    expect(s.status).toBe(401);
    expect(s.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses setup with a wrong token, from another site, or with a short password', async () => {
    const token = setupTokenOf(n.node.setupLink!);
    const wrong = await admin.call('POST', '/api/setup', { body: { token: 'x'.repeat(32), email: ADMIN, password: ADMIN_PW } });
    expect(wrong.status).toBe(403);
    const cross = await admin.call('POST', '/api/setup', { body: { token, email: ADMIN, password: ADMIN_PW }, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(cross.body.code).toBe('CSRF');
    const fetchSite = await admin.call('POST', '/api/setup', {
      body: { token, email: ADMIN, password: ADMIN_PW },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(fetchSite.body.code).toBe('CSRF');
    const short = await admin.call('POST', '/api/setup', { body: { token, email: ADMIN, password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.details[0]).toMatch(/body\.password: a password needs at least 10 characters/);
    expect((await admin.call('GET', '/api/setup')).body).toEqual({ needed: true });
  });

  it('creates the first admin with the link, logs them in with a strict httpOnly cookie, and refuses a second setup', async () => {
    const token = setupTokenOf(n.node.setupLink!);
    const r = await admin.call('POST', '/api/setup', {
      body: { token, email: 'Ana@Solarmora.com', password: ADMIN_PW },
      headers: { origin: n.base, 'sec-fetch-site': 'same-origin' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user: { email: ADMIN, role: 'admin', available: true }, csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const cookie = admin.setCookie!;
    expect(cookie).toMatch(/^rd_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/i);
    secrets.push(admin.cookie!, admin.csrfToken!);
    expect((await admin.call('GET', '/api/session')).body).toEqual({ user: { email: ADMIN, role: 'admin', available: true }, csrfToken: admin.csrfToken });
    expect((await admin.call('GET', '/api/setup')).body).toEqual({ needed: false });

    const again = await new ConsoleClient(n.base).call('POST', '/api/setup', { body: { token, email: 'eve@solarmora.com', password: 'eve password!' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
    const stored = await n.ts.store.db
      .withTables<{ users: { email: string; password_hash: string } }>()
      .selectFrom('users')
      .select(['email', 'password_hash'])
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('answers a wrong password and an unknown user alike, with 401 BAD_CREDENTIALS', async () => {
    const c = new ConsoleClient(n.base);
    const wrong = await c.login(ADMIN, 'not the password');
    const unknown = await c.login('nobody@solarmora.com', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('BAD_CREDENTIALS');
    expect(c.cookie).toBeNull();
    const ok = await c.login(ADMIN, ADMIN_PW);
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual({ email: ADMIN, role: 'admin', available: true });
    expect(c.cookie).not.toBe(admin.cookie);
    const cross = await new ConsoleClient(n.base).call('POST', '/api/session', {
      body: { email: ADMIN, password: ADMIN_PW },
      headers: { origin: 'http://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect(cross.body.code).toBe('CSRF');
  });

  it('refuses a state-changing request without the CSRF token, and accepts it with the token', async () => {
    const body = { email: AGENT, role: 'agent', password: AGENT_PW };
    for (const csrf of [false, 'wrong-token']) {
      const r = await admin.call('POST', '/api/users', { body, csrf });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('CSRF');
    }
    expect((await admin.call('GET', '/api/users')).body.items.map((u: { email: string }) => u.email)).toEqual([ADMIN]);
    const ok = await admin.call('POST', '/api/users', { body, csrf: true });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ email: AGENT, role: 'agent', disabled: false, initialPassword: null });
  });

  it('lets a script with a bearer token change things without a CSRF token', async () => {
    const r = await new ConsoleClient(n.base).call('POST', '/api/users', { bearer, body: { email: 'bo@solarmora.com', role: 'agent' } });
    expect(r.status).toBe(201);
    expect(r.body.initialPassword).toMatch(/^[a-z0-9]{6}(-[a-z0-9]{6}){3}$/);
    secrets.push(r.body.initialPassword);
    const bo = new ConsoleClient(n.base);
    expect((await bo.login('bo@solarmora.com', r.body.initialPassword)).status).toBe(200);
  });

  it('answers 403 to an agent on every admin endpoint, and lets the agent work the desk', async () => {
    expect((await agent.login(AGENT, AGENT_PW)).body.user).toEqual({ email: AGENT, role: 'agent', available: true });
    for (const [method, path, body] of [
      ['GET', '/api/users', undefined],
      ['POST', '/api/users', { email: 'x@solarmora.com', role: 'admin' }],
      ['PATCH', `/api/users/${AGENT}`, { role: 'admin' }],
      ['DELETE', `/api/users/${ADMIN}`, undefined],
      ['GET', '/api/config', undefined],
      ['POST', '/api/config/diff', { yaml: '{}' }],
      ['PUT', '/api/config', { yaml: '{}', basedOn: 0 }],
      ['GET', '/api/config/versions', undefined],
      ['GET', '/api/tokens', undefined],
      ['POST', '/api/tokens', { name: 'sneaky', role: 'admin' }],
      ['GET', '/api/webhooks', undefined],
      ['POST', '/api/channels/Support/rotate', undefined],
    ] as const) {
      const r = await agent.call(method, path, { csrf: true, ...(body ? { body } : {}) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN');
    }
    expect((await agent.call('GET', '/api/me')).body).toEqual({ kind: 'session', name: AGENT, role: 'agent' });
    expect((await agent.call('GET', '/api/cases')).status).toBe(200);
    expect((await agent.call('GET', '/api/channels')).status).toBe(200);
    // Availability: an agent sets their own, never someone else's.
    const own = await agent.call('PUT', `/api/agents/${AGENT}/availability`, { body: { available: false }, csrf: true });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ email: AGENT, role: 'agent', disabled: false, available: false });
    expect((await agent.call('GET', '/api/session')).body.user.available).toBe(false);
    const others = await agent.call('PUT', `/api/agents/${ADMIN}/availability`, { body: { available: false }, csrf: true });
    expect([others.status, others.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await agent.call('PUT', `/api/agents/${AGENT}/availability`, { body: { available: true }, csrf: true })).status).toBe(200);
  });

  it('changes a password: the other sessions end, this one stays', async () => {
    const other = new ConsoleClient(n.base);
    expect((await other.login(AGENT, AGENT_PW)).status).toBe(200);
    const noCsrf = await agent.call('POST', '/api/session/password', { body: { current: AGENT_PW, next: AGENT_PW2 } });
    expect(noCsrf.body.code).toBe('CSRF');
    const wrong = await agent.call('POST', '/api/session/password', { body: { current: 'not it at all', next: AGENT_PW2 }, csrf: true });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details).toEqual(['body.current: the current password is wrong']);
    const short = await agent.call('POST', '/api/session/password', { body: { current: AGENT_PW, next: 'short' }, csrf: true });
    expect(short.status).toBe(400);
    const ok = await agent.call('POST', '/api/session/password', { body: { current: AGENT_PW, next: AGENT_PW2 }, csrf: true });
    expect(ok.status).toBe(204);
    expect((await other.call('GET', '/api/session')).status).toBe(401);
    expect((await other.call('GET', '/api/cases')).status).toBe(401);
    expect((await agent.call('GET', '/api/session')).status).toBe(200);
    expect((await new ConsoleClient(n.base).login(AGENT, AGENT_PW)).status).toBe(401);
    expect((await new ConsoleClient(n.base).login(AGENT, AGENT_PW2)).status).toBe(200);
  });

  it("keeps the last enabled admin, and ends a disabled user's sessions", async () => {
    const demote = await admin.call('PATCH', `/api/users/${ADMIN}`, { body: { role: 'agent' }, csrf: true });
    expect(demote.status).toBe(409);
    expect((await admin.call('DELETE', `/api/users/${ADMIN}`, { csrf: true })).status).toBe(409);
    const disabled = await admin.call('PATCH', `/api/users/${encodeURIComponent('Bo@solarmora.com')}`, { body: { disabled: true }, csrf: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ email: 'bo@solarmora.com', disabled: true });
    expect((await admin.call('PATCH', '/api/users/nobody@solarmora.com', { body: { disabled: true }, csrf: true })).status).toBe(404);
    expect((await admin.call('DELETE', '/api/users/bo@solarmora.com', { csrf: true })).body).toEqual({ email: 'bo@solarmora.com', deleted: true });
  });

  it('exports, diffs and applies the configuration, with 409 on a stale basedOn', async () => {
    const start = await admin.call('GET', '/api/config');
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ version: 0, yaml: expect.any(String) });
    const bad = await admin.call('POST', '/api/config/diff', { body: { yaml: 'defaultRouting:\n  - match: { pattern: "^(" }\n' }, csrf: true });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.problems.length).toBeGreaterThan(0);
    expect(bad.body.problems[0]).toMatchObject({ path: expect.any(String), message: expect.any(String), text: expect.any(String) });
    const yaml = 'domains: [solarmora.com]\n';
    const diff = await admin.call('POST', '/api/config/diff', { body: { yaml }, csrf: true });
    expect(diff.body).toMatchObject({ ok: true, version: 0, problems: [] });
    expect(diff.body.changes.join('\n')).toContain('solarmora.com');
    expect((await admin.call('GET', '/api/config')).body.version).toBe(0);

    const applied = await admin.call('PUT', '/api/config', { body: { yaml, basedOn: 0 }, csrf: true });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ version: 1, previousVersion: 0, applied: true });
    const stale = await admin.call('PUT', '/api/config', { body: { yaml: 'domains: [solarmora.com, example.org]\n', basedOn: 0 }, csrf: true });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('CONFLICT');
    const invalid = await admin.call('PUT', '/api/config', { body: { yaml: 'domains: 42\n', basedOn: 1 }, csrf: true });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('CONFIG_INVALID');
    const versions = await admin.call('GET', '/api/config/versions');
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.items[0]).toMatchObject({ version: 1, appliedBy: `web:${ADMIN}`, appliedByActor: { kind: 'console', name: ADMIN } });
    expect((await admin.call('GET', '/api/config')).body.yaml).toContain('solarmora.com');
  });

  it('puts the security headers on every answer', async () => {
    for (const path of ['/api/session', '/api/setup', '/healthz', '/api/nothing-here', '/', '/cases/1001']) {
      const res = await fetch(`${n.base}${path}`);
      expect(res.headers.get('content-security-policy'), path).toBe(CSP);
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('logs out: the cookie is cleared and the session is gone on the server', async () => {
    const c = new ConsoleClient(n.base);
    await c.login(ADMIN, ADMIN_PW);
    const cookie = c.cookie!;
    expect((await c.call('DELETE', '/api/session')).body.code).toBe('CSRF');
    const out = await c.call('DELETE', '/api/session', { csrf: true });
    expect(out.status).toBe(204);
    expect(c.setCookie).toMatch(/^rd_session=;/);
    expect(c.setCookie).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/i);
    c.cookie = cookie;
    expect((await c.call('GET', '/api/session')).status).toBe(401);
    const stale = await c.call('GET', '/api/cases');
    expect(stale.status).toBe(401);
    expect(stale.body.error).toMatch(/session has ended/);
  });

  it('never writes a password, token or session id to the log', async () => {
    const all = n.logs.join('\n');
    expect(all).toContain('web.login');
    expect(all).toContain('web.login_failed');
    for (const s of secrets) expect(all, 'a secret is in the log').not.toContain(s);
    expect(all).not.toMatch(/argon2/);
  });
});
