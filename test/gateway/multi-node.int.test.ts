/**
 * Two whole nodes on one PostgreSQL database, as several nodes behind one name run: mail
 * taken by either is delivered once; a configuration saved through one node's console is in
 * force on the other at its next SMTP command; the login limit counts failures from both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/accounts/index.js';
import { freshPgDatabase, type PgDatabase } from '../support/postgres.js';
import { eventually, startTestNode, type TestNode } from '../support/relaydesk.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { ConsoleClient } from '../web/console-client.js';

const MESSAGES = 40;

const config = (sinkPort: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
`;

describe('two nodes on one PostgreSQL database', () => {
  let db: PgDatabase;
  let sink: Sink;
  let a: TestNode;
  let b: TestNode;

  beforeAll(async () => {
    [db, sink] = await Promise.all([freshPgDatabase(), startSink()]);
    a = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'a.relaydesk.test', roles: ['inbound', 'queue', 'web'] });
    b = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'b.relaydesk.test', roles: ['inbound', 'queue', 'web'] });
    await a.apply(config(sink.port));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sink?.stop();
    await db?.drop();
  });

  it('delivers every message taken by either node exactly once', async () => {
    const sends = Array.from({ length: MESSAGES }, (_, i) =>
      swaks([
        '--server',
        `127.0.0.1:${(i % 2 === 0 ? a : b).smtpPort}`,
        '--from',
        'customer@example.net',
        '--to',
        'help@solarmora.com',
        '--header',
        `Message-Id: <multi-${i}@example.net>`,
        '--body',
        `message ${i}`,
      ]),
    );
    for (const r of await Promise.all(sends)) expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    await sink.waitForCount(MESSAGES, 20_000, (m) => m.rcptTo.includes('support@crm.test'));
    // Every delivery is final (delivered, one attempt): no node will send any of them again,
    // so what the sink holds now is all it will ever get.
    const rows = await eventually(
      async () => {
        const r = await a.store.db.selectFrom('deliveries').select(['status', 'attempts']).where('recipient', '=', 'support@crm.test').execute();
        return r.length === MESSAGES && r.every((d) => d.status === 'delivered') && r;
      },
      10_000,
      'every delivery final',
    );
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
    const ids = sink.messages.map((m) => /^Message-Id: (<[^>]+>)/im.exec(m.raw.toString())?.[1]);
    expect(ids.filter((id) => id?.startsWith('<multi-')).sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `<multi-${i}@example.net>`).sort());
  });

  it("puts a configuration saved through one node's console in force on the other at once", async () => {
    const token = (await createApiToken(b.store.db, { name: 'admin-b', role: 'admin', now: Date.now() })).token;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${b.node.httpPort}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
      return { status: res.status, body: (await res.json()) as any };
    };
    const { body: cur } = await call('GET', '/api/config/document');
    cur.document.defaultRouting.unshift({
      description: 'Old address',
      match: { single: 'old@solarmora.com' },
      action: 'reject',
      rejectText: 'old@ is closed; write to help@solarmora.com',
    });
    const saved = await call('PUT', '/api/config/document', { document: cur.document, basedOn: cur.version });
    expect(saved.status).toBe(200);
    const r = await swaks(['--server', `127.0.0.1:${a.smtpPort}`, '--from', 'customer@example.net', '--to', 'old@solarmora.com', '--body', 'x']);
    expect(r.stdout + r.stderr).toContain('old@ is closed');
  });

  it('counts failed logins from both nodes against one limit', async () => {
    await addUser(a.store.db, { email: 'ana@solarmora.com', role: 'admin', password: 'ana password 1', now: Date.now() });
    const viaA = new ConsoleClient(`http://127.0.0.1:${a.node.httpPort}`);
    const viaB = new ConsoleClient(`http://127.0.0.1:${b.node.httpPort}`);
    for (let i = 0; i < 5; i++) expect((await (i % 2 === 0 ? viaA : viaB).login('ana@solarmora.com', `wrong ${i}`)).status).toBe(401);
    // Right password, but five failures were counted across both nodes: refused.
    const limited = await viaB.login('ana@solarmora.com', 'ana password 1');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
  });
});
