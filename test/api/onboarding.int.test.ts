/**
 * The console's first steps on a new store, each turning done as what it asks for is set up,
 * and "send a test" through the outbound path: delivered by a real sink on 127.0.0.1, and a
 * clear failure, quickly, from a closed port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/accounts/index.js';
import { listDeskChannels, loadOnboardingMarks } from '../../src/store/index.js';
import { OUTBOUND_TEST_TIMEOUT_MS } from '../../src/web/routes/onboarding/routes.js';
import { freePort } from '../support/ports.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';
import { ConsoleClient } from '../web/console-client.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
describe.each(DIALECTS)('first steps and the outbound test on %s', (dialect) => {
  let gw: TestNode;
  let sink: Sink;
  let closedPort: number;
  let admin: string;
  let agent: string;
  let base: string;

  const call = async (method: string, path: string, body?: unknown, token = admin) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const doneSteps = async () => {
    const r = await call('GET', '/api/onboarding');
    expect(r.status).toBe(200);
    return r.body.steps.filter((s: any) => s.done).map((s: any) => s.id);
  };

  const domains = 'domains: [solarmora.com]\n';
  const hosts = (smarthost: string) => `hosts:
  - { name: relay, host: 127.0.0.1, port: ${sink.port}, tls: none }
  - { name: dead, host: 127.0.0.1, port: ${closedPort}, tls: none }
outbound: { smarthost: ${smarthost} }
`;
  const desk = `desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
`;
  const rule = (inbound: string) => `defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`;

  beforeAll(async () => {
    sink = await startSink();
    closedPort = await freePort();
    gw = await startTestNode({ dialect, roles: ['inbound', 'queue', 'web'] });
    const now = Date.now();
    admin = (await createApiToken(gw.store.db, { name: 'admin-script', role: 'admin', now })).token;
    agent = (await createApiToken(gw.store.db, { name: 'agent-script', role: 'agent', now })).token;
    base = `http://127.0.0.1:${gw.node.httpPort}`;
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('starts with no step done, and is for admins only', async () => {
    const r = await call('GET', '/api/onboarding');
    expect(r.body.done).toBe(false);
    expect(r.body.steps.map((s: any) => [s.id, s.done])).toEqual([
      ['domain', false],
      ['outbound', false],
      ['channel', false],
      ['routing', false],
      ['routeTest', false],
    ]);
    expect(r.body.steps[1].detail).toMatch(/no smarthost is set/);
    expect((await call('GET', '/api/onboarding', undefined, agent)).status).toBe(403);
    expect((await call('POST', '/api/outbound/test', { to: 'someone@customer.example' }, agent)).status).toBe(403);
  });

  it('ticks the domain, then fails a test through a smarthost on a closed port with a reason and a fix, within the timeout', async () => {
    await gw.apply(domains);
    expect(await doneSteps()).toEqual(['domain']);
    await gw.apply(domains + hosts('dead'));
    const started = Date.now();
    const r = await call('POST', '/api/outbound/test', { to: 'someone@customer.example' });
    expect(Date.now() - started).toBeLessThan(OUTBOUND_TEST_TIMEOUT_MS);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      outcome: 'failed',
      via: { kind: 'smarthost', name: 'dead', address: `127.0.0.1:${closedPort}` },
      remoteMta: null,
      problem: 'unreachable',
    });
    expect(r.body.reply).toMatch(/ECONNREFUSED|refused/i);
    expect(r.body.fix).toMatch(/^dead \(127\.0\.0\.1:\d+\) could not be reached\. Check its host name and port on the Hosts page/);
    expect(sink.messages).toHaveLength(0);
  });

  it('delivers a test through a working smarthost and names the next hop’s reply; the outbound step is done', async () => {
    await gw.apply(domains + hosts('relay'));
    expect(await doneSteps()).toEqual(['domain', 'outbound']);
    const r = await call('POST', '/api/outbound/test', { to: 'someone@customer.example' });
    expect(r.body).toMatchObject({ outcome: 'delivered', via: { kind: 'smarthost', name: 'relay' }, problem: null, fix: null });
    expect(r.body.reply).toMatch(/^250 /);
    const got = await sink.waitFor((m) => m.rcptTo.includes('someone@customer.example'));
    expect(got.mailFrom).toBe('postmaster@solarmora.com');
    expect(got.raw.toString()).toMatch(/^Subject: Relaydesk outbound test\r$/m);
    const bad = await call('POST', '/api/outbound/test', { to: 'not an address' });
    expect(bad.status).toBe(400);
  });

  it('ticks the channel, the rule to its inbound address, then a route test that reached the desk', async () => {
    await gw.apply(domains + hosts('relay') + desk);
    expect(await doneSteps()).toEqual(['domain', 'outbound', 'channel']);
    const inbound = (await listDeskChannels(gw.store.db))[0]!.inboundAddresses[0]!.address;
    // A rule that sends help@ elsewhere is not a rule to the desk.
    await gw.apply(domains + hosts('relay') + desk + rule('help@customer.example'));
    expect(await doneSteps()).toEqual(['domain', 'outbound', 'channel']);
    await gw.apply(domains + hosts('relay') + desk + rule(inbound));
    expect(await doneSteps()).toEqual(['domain', 'outbound', 'channel', 'routing']);
    const test = await call('POST', '/api/routing/test', { address: 'help@solarmora.com' });
    expect(test.status).toBe(202);
    expect(test.body.accepted).toBe(true);
    const r = await eventually(async () => {
      const a = await call('GET', '/api/onboarding');
      return a.body.done ? a.body : undefined;
    });
    expect(r.steps.every((s: any) => s.done)).toBe(true);
    // The proof is kept apart from the test mail, which retention purges.
    expect(await loadOnboardingMarks(gw.store.db)).toContain('route-tested');
  });

  it('asks a console session for its CSRF token on the outbound test', async () => {
    await addUser(gw.store.db, { email: 'ana@solarmora.com', role: 'admin', password: 'correct horse battery staple', now: Date.now() });
    const c = new ConsoleClient(base);
    expect((await c.login('ana@solarmora.com', 'correct horse battery staple')).status).toBe(200);
    expect((await c.call('GET', '/api/onboarding')).status).toBe(200);
    const refused = await c.call('POST', '/api/outbound/test', { body: { to: 'someone@customer.example' } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CSRF');
    const sent = await c.call('POST', '/api/outbound/test', { body: { to: 'someone@customer.example' }, csrf: true });
    expect(sent.body.outcome).toBe('delivered');
  });
});
