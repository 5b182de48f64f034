/**
 * A destination that does not answer (outbound/dead-destination.ts) against a listener that
 * counts connections: after a few failures in a row it is down, and 200 queued deliveries
 * cost one probe at a time, not a connection each; two nodes on one PostgreSQL probe one at
 * a time between them; when the host answers again every message arrives exactly once,
 * soon after the probe; a delivery held again and again keeps one trace line with a count;
 * under a short retry schedule the probes come as often as its longest interval.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_AFTER } from '../../src/outbound/index.js';
import { createApiToken } from '../../src/accounts/index.js';
import { loadTrace } from '../../src/store/index.js';
import { startCountingSink, type CountingSink } from '../support/counting-sink.js';
import { freshPgDatabase, type PgDatabase } from '../support/postgres.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const CONNECTIONS = 3;

const config = (port: number, retry = '{ firstRetry: 1s }') => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${port}, tls: none, domains: [crm.test] }
outbound:
  limits:
    - { domain: crm.test, connections: ${CONNECTIONS} }
queue:
  retry: ${retry}
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
`;

/** Counts connections; "dead" answers 421 at once and closes, "up" passes them on to a sink. */
interface DeadHost {
  readonly port: number;
  connections: number;
  /** When each connection came. */
  readonly at: number[];
  mode: 'dead' | 'up';
  stop(): Promise<void>;
}

async function startDeadHost(sinkPort: number): Promise<DeadHost> {
  const sockets = new Set<Socket>();
  const host: DeadHost = { port: 0, connections: 0, at: [], mode: 'dead', stop: async () => undefined };
  const server: Server = createServer((socket) => {
    host.connections++;
    host.at.push(Date.now());
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (host.mode === 'dead') {
      socket.end('421 4.3.2 Service not available, closing transmission channel\r\n');
      return;
    }
    const up = connect({ host: '127.0.0.1', port: sinkPort });
    up.on('error', () => socket.destroy());
    socket.pipe(up).pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return Object.assign(host, {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  });
}

async function sendMany(nodes: readonly TestNode[], n: number, tag: string): Promise<void> {
  const clients = nodes.map((node) =>
    nodemailer.createTransport({ host: '127.0.0.1', port: node.smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 }),
  );
  try {
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        clients[i % clients.length]!.sendMail({
          envelope: { from: 'customer@example.net', to: ['help@solarmora.com'] },
          raw: `From: customer@example.net\r\nTo: help@solarmora.com\r\nSubject: ${i}\r\nMessage-Id: <${tag}-${i}@example.net>\r\n\r\nmessage ${i}\r\n`,
        }),
      ),
    );
  } finally {
    for (const c of clients) c.close();
  }
}

const expected = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `<${tag}-${i}@example.net>`).sort();

async function api<T>(node: TestNode, path: string): Promise<T> {
  const token = (await createApiToken(node.store.db, { name: `t-${Math.random()}`, role: 'admin', now: Date.now() })).token;
  const res = await fetch(`http://127.0.0.1:${node.node.httpPort}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function heldRows(node: TestNode) {
  return node.store.db
    .selectFrom('deliveries')
    .select(['id', 'queue_id', 'status', 'attempts', 'last_reply'])
    .where('recipient', '=', 'support@crm.test')
    .execute();
}

async function downState(node: TestNode) {
  return node.store.db.selectFrom('destinations').selectAll().where('destination', '=', 'crm.test').executeTakeFirst();
}

/** A sink, a dead host in front of it and a node that sends there: started before the describe's tests, stopped after. */
function deadHostSetup(start: (hostPort: number) => Promise<TestNode>): { sink: CountingSink; host: DeadHost; gw: TestNode } {
  const setup = {} as { sink: CountingSink; host: DeadHost; gw: TestNode };
  beforeAll(async () => {
    setup.sink = await startCountingSink({ dataDelay: 0 });
    setup.host = await startDeadHost(setup.sink.port);
    setup.gw = await start(setup.host.port);
  });
  afterAll(async () => {
    await setup.gw?.stop();
    await setup.host?.stop();
    await setup.sink?.stop();
  });
  return setup;
}

describe.each(DIALECTS)('a destination that does not answer, on %s', (dialect) => {
  const MESSAGES = 200;
  const setup = deadHostSetup((port) => startTestNode({ dialect, config: config(port), roles: ['inbound', 'queue', 'web'] }));

  it('is probed, not connected to per message; held mail keeps one trace line; it all goes once the host is back', { timeout: 240_000 }, async () => {
    const { sink, host, gw } = setup;
    const tag = `dead-${dialect}`;
    const started = Date.now();
    await sendMany([gw], MESSAGES, tag);
    // Accepting does not wait for the dead host.
    expect(Date.now() - started).toBeLessThan(60_000);
    await eventually(async () => (await downState(gw))?.down_since != null, 60_000, 'crm.test marked down');
    const held = await eventually(
      async () => {
        const rows = await heldRows(gw);
        return rows.length === MESSAGES && rows.every((r) => r.status === 'deferred' && r.last_reply?.startsWith('destination crm.test is down')) && rows;
      },
      60_000,
      'every delivery held for the down destination',
    );
    // The failures that marked it down, plus one try at a time after the first failure: not one per message.
    const atDown = host.connections;
    expect(atDown).toBeLessThanOrEqual(DEAD_AFTER + CONNECTIONS);
    // Held without counting an attempt against the delivery's retry schedule.
    expect(held.filter((r) => r.attempts > 1)).toEqual([]);

    // The first probe (10 s after it went down) fails: exactly one connection, and held mail comes back and is held again.
    await eventually(async () => host.connections > atDown, 60_000, 'the first probe');
    await new Promise((r) => setTimeout(r, 7_000));
    expect(host.connections).toBe(atDown + 1);
    const merged = await eventually(
      async () => {
        const traces = await Promise.all(held.map((d) => loadTrace(gw.store.db, d.queue_id)));
        const lines = traces.map((t) => t.filter((e) => e.code === 'queue.destination_down'));
        // One line per delivery however often it was held; the probe's own delivery starts a second after its attempt.
        if (lines.filter((l) => l.length > 1).length > 1) throw new Error(`held deliveries add lines: ${JSON.stringify(lines.map((l) => l.length))}`);
        return lines.flat().find((e) => (e.data?.['count'] as number) >= 2);
      },
      30_000,
      'a second hold merged into the first line',
    );
    expect(merged.data?.['firstAt']).toBeLessThan(merged.data?.['lastAt'] as number);
    expect(merged.text?.code).toBe('queue.destination_down');
    // The console reads it as one step with a count.
    const { steps } = await api<{ steps: { code: string; repeated: { count: number; firstAt: string; lastAt: string } | null }[] }>(
      gw,
      `/api/messages/${merged.queueId}/trace`,
    );
    expect(steps.find((st) => st.code === 'queue.destination_down' && st.repeated !== null)?.repeated?.count).toBeGreaterThanOrEqual(2);
    const { destinations } = await api<{ destinations: { domain: string; down: { since: string; nextProbeAt: string } | null }[] }>(gw, '/api/traffic');
    const shown = destinations.find((x) => x.domain === 'crm.test');
    expect(shown?.down).not.toBeNull();
    expect(Date.parse(shown!.down!.nextProbeAt)).toBeGreaterThan(Date.parse(shown!.down!.since));

    // Back: the next probe (20 s after the first) gets through, and everything held goes at once.
    host.mode = 'up';
    const beforeUp = host.connections;
    await sink.waitForAccepted(MESSAGES, 120_000);
    const probeAt = host.at[beforeUp]!;
    // Promptly: well before the probe after it (40 s later) would come.
    expect(Date.now() - probeAt).toBeLessThan(30_000);
    expect(sink.accepted.slice().sort()).toEqual(expected(tag, MESSAGES));
    const rows = await eventually(async () => {
      const r = await heldRows(gw);
      return r.every((d) => d.status === 'delivered') && r;
    }, 30_000);
    expect(rows).toHaveLength(MESSAGES);
    expect((await downState(gw))?.down_since ?? null).toBeNull();
    const all = (await Promise.all(rows.map((d) => loadTrace(gw.store.db, d.queue_id)))).flat();
    expect(all.filter((e) => e.code === 'queue.destination_up')).toHaveLength(1);
    const after = await api<{ destinations: { domain: string; down: unknown }[] }>(gw, '/api/traffic');
    expect(after.destinations.find((x) => x.domain === 'crm.test')?.down ?? null).toBeNull();
  });
});

describe('two nodes on one PostgreSQL database and a dead destination', () => {
  const MESSAGES = 100;
  let db: PgDatabase;
  let sink: CountingSink;
  let host: DeadHost;
  let a: TestNode;
  let b: TestNode;

  beforeAll(async () => {
    [db, sink] = await Promise.all([freshPgDatabase(), startCountingSink({ dataDelay: 0 })]);
    host = await startDeadHost(sink.port);
    a = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'a.relaydesk.test', roles: ['inbound', 'queue'] });
    b = await startTestNode({ dialect: 'postgres', sharedDatabase: db.url, hostname: 'b.relaydesk.test', roles: ['inbound', 'queue'] });
    await a.apply(config(host.port));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await host?.stop();
    await sink?.stop();
    await db?.drop();
  });

  it('causes no connection storm: one probe at a time between them', { timeout: 240_000 }, async () => {
    await sendMany([a, b], MESSAGES, 'pair');
    await eventually(async () => (await downState(a))?.down_since != null, 60_000, 'crm.test marked down');
    await new Promise((r) => setTimeout(r, 2_000));
    const atDown = host.connections;
    // Each node may have had its few attempts under way when the other marked it down.
    expect(atDown).toBeLessThanOrEqual(DEAD_AFTER + 2 * CONNECTIONS);
    await eventually(async () => host.connections > atDown, 60_000, 'the first probe');
    await new Promise((r) => setTimeout(r, 8_000));
    expect(host.connections).toBe(atDown + 1);
    host.mode = 'up';
    await sink.waitForAccepted(MESSAGES, 120_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sink.accepted.slice().sort()).toEqual(expected('pair', MESSAGES));
  });
});

describe('a destination that does not answer, under a short retry schedule', () => {
  const MESSAGES = 20;
  const setup = deadHostSetup((port) =>
    startTestNode({ dialect: 'sqlite', config: config(port, '{ firstRetry: 1s, maxInterval: 2s }'), roles: ['inbound', 'queue'] }),
  );

  it('is probed at least every maxInterval (and a little), not after waits doubled to minutes', { timeout: 120_000 }, async () => {
    const { sink, host, gw } = setup;
    await sendMany([gw], MESSAGES, 'short');
    await eventually(async () => (await downState(gw))?.down_since != null, 60_000, 'crm.test marked down');
    const atDown = host.connections;
    // Four failed probes: with the default waits (10 s, doubled) they would take 150 s.
    await eventually(async () => host.connections >= atDown + 4, 60_000, 'four probes');
    const probes = host.at.slice(atDown, atDown + 4);
    const gaps = probes.slice(1).map((t, i) => t - probes[i]!);
    // 2 s, then the held deliveries come back a second after the probe time, spread over 5 s.
    for (const gap of gaps) expect(gap).toBeLessThan(9_000);
    host.mode = 'up';
    const upAt = Date.now();
    await sink.waitForAccepted(MESSAGES, 60_000);
    expect(Date.now() - upAt).toBeLessThan(15_000);
    expect(sink.accepted.slice().sort()).toEqual(expected('short', MESSAGES));
  });
});
