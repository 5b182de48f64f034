/**
 * Mail the desk writes (agents' answers, acknowledgements) goes out under the configuration
 * in force when it is sent: a smarthost applied a moment ago is used at once, on the node
 * that queued the mail and on another node sharing its PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/accounts/index.js';
import { listDeskChannels } from '../../src/store/index.js';
import { loadDeskContext } from '../../src/desk/io/desk-context.js';
import { answerCase } from '../../src/desk/io/desk-service.js';
import { freshPgDatabase } from '../support/postgres.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';

const config = (oldPort: number, newPort: number, smarthost: 'old' | 'new', inbound = 'support@x.case.relaydesk.test') => `
domains: [solarmora.com]
hosts:
  - { name: old, host: 127.0.0.1, port: ${oldPort}, tls: none }
  - { name: new, host: 127.0.0.1, port: ${newPort}, tls: none }
outbound:
  smarthost: ${smarthost}
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: true }
defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`;

async function api(node: TestNode) {
  const token = (await createApiToken(node.store.db, { name: `admin-${Math.random()}`, role: 'admin', now: Date.now() })).token;
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${node.node.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
    return { status: res.status, body: (await res.json()) as any };
  };
}

describe('the desk sends under the configuration in force', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /**
   * `web` takes the mail; whichever node runs a queue sends. The answer is written as
   * `relaydesk desk reply` writes it, from the store alone: nothing tells the sending
   * node that the configuration changed, it must see for itself.
   */
  async function scenario(web: TestNode, oldSink: Sink, newSink: Sink) {
    await web.apply(config(oldSink.port, newSink.port, 'old'));
    const inbound = (await listDeskChannels(web.store.db))[0]!.inboundAddresses[0]!.address;
    await web.apply(config(oldSink.port, newSink.port, 'old', inbound));
    const call = await api(web);
    const sent = await swaks([
      '--server',
      `127.0.0.1:${web.smtpPort}`,
      '--from',
      'ann@customer.example',
      '--to',
      'help@solarmora.com',
      '--header',
      'Subject: Printer on fire',
      '--body',
      'Help',
    ]);
    expect(sent.lastReply).toMatch(/^250 /);
    const c = await eventually(async () => (await call('GET', '/api/cases')).body.items[0], 10_000, 'the case');
    // The acknowledgement went out under the smarthost of the time.
    await oldSink.waitFor((m) => m.rcptTo.includes('ann@customer.example'), 10_000);

    await web.apply(config(oldSink.port, newSink.port, 'new', inbound));
    const reply = await answerCase(await loadDeskContext(web.store.db), { caseNumber: c.number, body: 'We are on it.', author: 'cli:agent' });
    expect(reply.queueId).not.toBeNull();
    const got = await newSink.waitFor((m) => m.raw.includes('We are on it.'), 10_000);
    expect(got.rcptTo).toEqual(['ann@customer.example']);
    expect(oldSink.messages.some((m) => m.raw.includes('We are on it.'))).toBe(false);
  }

  it.each(DIALECTS)('an answer right after a new smarthost is applied goes to it (%s)', async (dialect) => {
    const [oldSink, newSink] = await Promise.all([startSink(), startSink()]);
    cleanups.push(
      () => oldSink.stop(),
      () => newSink.stop(),
    );
    const node = await startTestNode({ dialect, roles: ['inbound', 'queue', 'web'] });
    cleanups.push(() => node.stop());
    await scenario(node, oldSink, newSink);
  });

  it('the same when another node sends it (two nodes, one PostgreSQL)', async () => {
    const [oldSink, newSink, db] = await Promise.all([startSink(), startSink(), freshPgDatabase()]);
    cleanups.push(
      () => oldSink.stop(),
      () => newSink.stop(),
      () => db.drop(),
    );
    // A takes mail and serves the API; only B runs a queue, so B sends everything.
    const a = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'a.relaydesk.test', roles: ['inbound', 'web'] });
    cleanups.push(() => a.stop());
    const b = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'b.relaydesk.test', roles: ['queue'] });
    cleanups.push(() => b.stop());
    await scenario(a, oldSink, newSink);
  });
});
