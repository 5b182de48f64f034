/**
 * Pacing per destination (outbound.limits) against a sink that counts connections: two nodes
 * on one PostgreSQL database never open more than the limit between them, and a "try later"
 * reply slows the domain down; every message still arrives exactly once, and the reason shows
 * in the trace and on the dashboard API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/accounts/index.js';
import { loadTrace } from '../../src/store/index.js';
import { startCountingSink, type CountingSink } from '../support/counting-sink.js';
import { freshPgDatabase, type PgDatabase } from '../support/postgres.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';
import { swaks } from '../support/swaks.js';

const config = (sinkPort: number, connections: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
outbound:
  limits:
    - { domain: crm.test, connections: ${connections} }
queue:
  retry: { firstRetry: 1s }
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
`;

const send = (node: TestNode, i: number, tag: string) =>
  swaks([
    '--server',
    `127.0.0.1:${node.smtpPort}`,
    '--from',
    'customer@example.net',
    '--to',
    'help@solarmora.com',
    '--header',
    `Message-Id: <${tag}-${i}@example.net>`,
    '--body',
    `message ${i}`,
  ]);

const expected = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `<${tag}-${i}@example.net>`).sort();

interface DestinationView {
  domain: string;
  deferred: number;
  lastReason: string | null;
  slowedUntil: string | null;
}

async function dashboardDestinations(node: TestNode): Promise<DestinationView[]> {
  const token = (await createApiToken(node.store.db, { name: `stats-${Math.random()}`, role: 'admin', now: Date.now() })).token;
  const res = await fetch(`http://127.0.0.1:${node.node.httpPort}/api/traffic`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { destinations: DestinationView[] }).destinations;
}

async function finalDeliveries(node: TestNode, count: number) {
  return eventually(
    async () => {
      const r = await node.store.db.selectFrom('deliveries').select(['queue_id', 'status', 'attempts']).where('recipient', '=', 'support@crm.test').execute();
      return r.length === count && r.every((d) => d.status === 'delivered') && r;
    },
    60_000,
    'every delivery delivered',
  );
}

describe('two nodes on one PostgreSQL database, 2 connections to crm.test', () => {
  const MESSAGES = 24;
  let db: PgDatabase;
  let sink: CountingSink;
  let a: TestNode;
  let b: TestNode;

  beforeAll(async () => {
    [db, sink] = await Promise.all([freshPgDatabase(), startCountingSink({ dataDelay: 150 })]);
    a = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'a.relaydesk.test', roles: ['inbound', 'queue', 'web'] });
    b = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'b.relaydesk.test', roles: ['inbound', 'queue', 'web'] });
    await a.apply(config(sink.port, 2));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sink?.stop();
    await db?.drop();
  });

  it('never has more than 2 connections open, delivers each message once and says why mail waited', { timeout: 90_000 }, async () => {
    const sends = Array.from({ length: MESSAGES }, (_, i) => send(i % 2 === 0 ? a : b, i, 'paced'));
    for (const r of await Promise.all(sends)) expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const rows = await finalDeliveries(a, MESSAGES);
    expect(sink.accepted.slice().sort()).toEqual(expected('paced', MESSAGES));
    expect(sink.maxOpen).toBeLessThanOrEqual(2);
    expect(sink.maxOpen).toBeGreaterThanOrEqual(1);
    // Held back is not attempted: every delivery went in its first attempt.
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
    // A node waits for a slot of its own in-process; only one the other node holds holds mail back, and says so.
    const traces = await Promise.all(rows.map((d) => loadTrace(a.store.db, d.queue_id)));
    for (const e of traces.flat().filter((e) => e.code === 'queue.paced')) expect(e.summary).toContain('held back: pacing: crm.test at 2 connections');
    const shown = (await dashboardDestinations(b)).find((d) => d.domain === 'crm.test');
    if (shown) expect(shown.lastReason).toBe('pacing: crm.test at 2 connections');
  });
});

describe.each(DIALECTS)('a burst into one destination on %s', (dialect) => {
  const MESSAGES = 50;
  let sink: CountingSink;
  let gw: TestNode;

  beforeAll(async () => {
    sink = await startCountingSink({ dataDelay: 30 });
    gw = await startTestNode({ dialect, config: config(sink.port, 2), roles: ['inbound', 'queue', 'web'] });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('waits in-process for its own slots: every message in its first attempt, none held back, never more than 2 connections', { timeout: 90_000 }, async () => {
    const sends = Array.from({ length: MESSAGES }, (_, i) => send(gw, i, `burst-${dialect}`));
    for (const r of await Promise.all(sends)) expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const rows = await finalDeliveries(gw, MESSAGES);
    expect(sink.accepted.slice().sort()).toEqual(expected(`burst-${dialect}`, MESSAGES));
    expect(sink.maxOpen).toBeLessThanOrEqual(2);
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
    const traces = await Promise.all(rows.map((d) => loadTrace(gw.store.db, d.queue_id)));
    expect(traces.flat().filter((e) => e.code === 'queue.paced')).toEqual([]);
    expect((await dashboardDestinations(gw)).find((d) => d.domain === 'crm.test')).toBeUndefined();
  });
});

describe.each(DIALECTS)('a "try later" reply on %s', (dialect) => {
  const MESSAGES = 16;
  let sink: CountingSink;
  let gw: TestNode;

  beforeAll(async () => {
    sink = await startCountingSink({ dataDelay: 200, tryLaterAfter: 4, tryLaterCount: 2 });
    gw = await startTestNode({ dialect, config: config(sink.port, 4), roles: ['inbound', 'queue', 'web'] });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('halves the connections for crm.test, still delivers every message once, and shows it', { timeout: 90_000 }, async () => {
    const sends = Array.from({ length: MESSAGES }, (_, i) => send(gw, i, `later-${dialect}`));
    for (const r of await Promise.all(sends)) expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    await eventually(async () => sink.tryLaterSent > 0, 30_000, 'a 421 from the sink');
    const before = sink.maxBusy;
    // Messages under way when the 421 came finish at the old limit; what starts after is halved.
    await new Promise((r) => setTimeout(r, 600));
    sink.mark();
    const rows = await finalDeliveries(gw, MESSAGES);
    expect(sink.accepted.slice().sort()).toEqual(expected(`later-${dialect}`, MESSAGES));
    expect(before).toBeGreaterThan(2);
    expect(sink.maxBusy).toBeLessThanOrEqual(2);
    expect(sink.tryLaterSent).toBe(2);
    // The two refused at DATA went in their second attempt.
    expect(rows.filter((d) => d.attempts === 2)).toHaveLength(2);
    const shown = (await dashboardDestinations(gw)).find((d) => d.domain === 'crm.test');
    expect(shown?.lastReason ?? '').toMatch(/^slowed down: 421 4\.7\.0 Try again later|^pacing: crm\.test at [12] connections? \(slowed down/);
    expect(shown?.slowedUntil).not.toBeNull();
    expect(Date.parse(shown!.slowedUntil!)).toBeGreaterThan(Date.now());
  });
});
