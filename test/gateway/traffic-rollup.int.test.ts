/**
 * The traffic rollup on a real node: mail relayed, bounced, deferred, held as spam and taken
 * in by the desk, all over SMTP; then the node's clock moves past the minute and the job
 * counts it. The counts are those of the mail sent; rolling again changes nothing; after
 * hours without a run the job catches up in batches; another node's lease keeps it out;
 * retention drops the figures past retention.stats; the API gives them to admins only, and on
 * PostgreSQL another node of the same database gives the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/base/clock.js';
import { silentLogger } from '../../src/base/log.js';
import { LiveConfig } from '../../src/config/io/live-config.js';
import { TrafficRollupJob } from '../../src/queue/io/traffic-rollup-job.js';
import { floorMinute, SETTLE_MS } from '../../src/queue/traffic.js';
import {
  claimMaintenance,
  countByStatus,
  listDeskChannels,
  loadHopHealth,
  loadTrafficMinutes,
  releaseMaintenance,
  rollMinutes,
  type Db,
} from '../../src/store/index.js';
import { createApiToken } from '../../src/accounts/index.js';
import { DIALECTS, eventually, startTestNode, type Dialect, type TestNode } from '../support/relaydesk.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const config = (sinkPort: number, inbound: string | null) => `
domains: [solarmora.com]
hosts:
  - { name: world, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [customer.example] }
  - { name: slow, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [slow.example] }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
queue:
  retry: { firstRetry: 1h, maxInterval: 1h }
${
  inbound
    ? `defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${inbound} } }
  - description: relay to a customer
    match: { single: relay@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: far@customer.example } }
  - description: to a customer who is gone
    match: { single: gone@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: nobody@customer.example } }
  - description: to a server that says later
    match: { single: later@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: someone@slow.example } }
`
    : ''
}`;

function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

type Totals = { accepted: number; delivered: number; deferred: number; bounced: number; spamHeld: number; casesOpened: number };
const totalsOf = (rows: readonly Totals[]): Totals => {
  const t: Totals = { accepted: 0, delivered: 0, deferred: 0, bounced: 0, spamHeld: 0, casesOpened: 0 };
  for (const r of rows) for (const k of Object.keys(t) as (keyof Totals)[]) t[k] += r[k];
  return t;
};

describe.each(DIALECTS)('traffic rollup on a real node (%s)', (dialect: Dialect) => {
  const clock = movableClock();
  let gw: TestNode;
  let sink: Sink;
  let sentAt = 0;
  let firstRun = { from: 0, to: 0 };
  let rollup: TrafficRollupJob;
  const db = (): Db => gw.store.db;
  const job = () => rollup;
  const get = async (p: string, token: string) => {
    const res = await fetch(`http://127.0.0.1:${gw.node.httpPort}${p}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked field by field
  };

  beforeAll(async () => {
    sink = await startSink({
      reply: (rcpt) =>
        rcpt === 'nobody@customer.example'
          ? { code: 550, message: '5.1.1 nobody here' }
          : rcpt === 'someone@slow.example'
            ? { code: 451, message: '4.3.2 try again later' }
            : null,
    });
    gw = await startTestNode({ dialect, config: config(sink.port, null), roles: ['inbound', 'queue', 'web'], clock });
    // The node's own job runs on its timer; the test runs the job itself, when it chooses.
    await gw.node.trafficRollup!.stop();
    rollup = new TrafficRollupJob({
      db: gw.store.db,
      live: await LiveConfig.open(gw.store.db, silentLogger),
      clock,
      logger: silentLogger,
      holder: 'test/1/rollup',
    });
    const inbound = (await listDeskChannels(gw.store.db))[0]!.inboundAddresses[0]!.address;
    await gw.apply(config(sink.port, inbound));
    sentAt = clock.now();
    const server = ['--server', `127.0.0.1:${gw.smtpPort}`];
    const send = (to: string, subject: string, body = 'Hello.') =>
      swaks([...server, '--from', 'ann@customer.example', '--to', to, '--header', `Subject: ${subject}`, '--body', body]);
    const sent = [
      await send('relay@solarmora.com', 'Relay 1'),
      await send('relay@solarmora.com', 'Relay 2'),
      await send('relay@solarmora.com', 'Relay 3'),
      await send('gone@solarmora.com', 'Bounces'),
      await send('later@solarmora.com', 'Deferred'),
      await send('relay@solarmora.com', 'Spam', GTUBE),
      await send('help@solarmora.com', 'Please help'),
    ];
    for (const r of sent) expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    // Three relays and the bounce's DSN to ann@customer.example reach the sink.
    await sink.waitForCount(4, 30_000);
    await eventually(
      async () => {
        const c = await countByStatus(db());
        return c.delivered === 5 && c.bounced === 1 && c.deferred === 1 && c.held === 1 && !c.queued && !c.active;
      },
      30_000,
      'every delivery settled',
    );
    await eventually(async () => (await db().selectFrom('desk_cases').select('id').execute()).length === 1, 10_000, 'the case opened');
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('counts the finished minutes: accepted, delivered, deferred, bounced, held as spam, cases opened', async () => {
    clock.advance(2 * M);
    const run = await job().runNow();
    expect(run).not.toBeNull();
    const rows = await loadTrafficMinutes(db(), { from: 0, to: clock.now() });
    firstRun = { from: rows[0]!.minute, to: rows.at(-1)!.minute + M };
    expect(firstRun.from).toBeLessThanOrEqual(sentAt);
    // Seven messages over SMTP and the DSN generated for the bounce.
    expect(totalsOf(rows)).toEqual({ accepted: 8, delivered: 5, deferred: 1, bounced: 1, spamHeld: 1, casesOpened: 1 });
    // One row per minute, none missing.
    expect(rows.map((r) => r.minute)).toEqual(rows.map((_, i) => firstRun.from + i * M));
    // The queue as sampled at the end: the deferred delivery and its age (the clock moved 2 minutes).
    const last = rows.at(-1)!;
    expect(last.queueSize).toBe(1);
    expect(last.oldestDeferredMs).toBeGreaterThanOrEqual(2 * M);
  });

  it("keeps each next hop's last success, last error and deferred count", async () => {
    const hops = await loadHopHealth(db());
    const slow = hops.find((h) => h.name === 'slow' || h.name === 'slow.example');
    const world = hops.find((h) => h.name === 'world' || h.name === 'customer.example');
    expect(slow).toMatchObject({ deferred: 1, lastSuccessAt: null, lastError: expect.stringContaining('451 4.3.2 try again later') });
    expect(slow!.lastErrorAt).toBeGreaterThanOrEqual(sentAt);
    expect(world).toMatchObject({ deferred: 0, lastError: expect.stringContaining('550 5.1.1 nobody here') });
    expect(world!.lastSuccessAt).toBeGreaterThanOrEqual(sentAt);
    expect(hops.find((h) => h.kind === 'local' && h.name === 'desk')?.lastSuccessAt).toBeGreaterThanOrEqual(sentAt);
  });

  it('gives the same rows when the minutes are rolled again', async () => {
    const before = await loadTrafficMinutes(db(), firstRun);
    await rollMinutes(db(), { ...firstRun, now: clock.now() });
    await job().runNow();
    expect(await loadTrafficMinutes(db(), firstRun)).toEqual(before);
  });

  it('gives the figures to admins over the API, and refuses agents', async () => {
    const admin = (await createApiToken(db(), { name: 'admin', role: 'admin', now: Date.now() })).token;
    const agent = (await createApiToken(db(), { name: 'agent', role: 'agent', now: Date.now() })).token;
    const r = await get('/api/traffic?range=hour', admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      range: 'hour',
      bucketMinutes: 1,
      totals: { accepted: 8, delivered: 5, deferred: 1, bounced: 1, spamHeld: 1, casesOpened: 1 },
    });
    expect(r.body.buckets).toHaveLength(60);
    expect(r.body.hops.length).toBeGreaterThanOrEqual(3);
    const week = await get('/api/traffic?range=week', admin);
    expect(week.body).toMatchObject({ bucketMinutes: 60, totals: { accepted: 8 } });
    expect(week.body.buckets).toHaveLength(168);
    expect((await get('/api/traffic?range=year', admin)).status).toBe(400);
    const refused = await get('/api/traffic', agent);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/stats\.read needs the admin role/);
    if ('databaseUrl' in gw.location) {
      // Another node of the same database, without the queue role, shows the same figures.
      const other = await startTestNode({ dialect, sharedDatabase: gw.location.databaseUrl, roles: ['web'] });
      try {
        const res = await fetch(`http://127.0.0.1:${other.node.httpPort}/api/traffic?range=hour`, { headers: { authorization: `Bearer ${admin}` } });
        const body = (await res.json()) as { totals: unknown; hops: unknown };
        expect(body.totals).toEqual(r.body.totals);
        expect(body.hops).toEqual(r.body.hops);
      } finally {
        await other.stop();
      }
    }
  });

  it('leaves the job to the node holding its lease', async () => {
    expect(await claimMaintenance(db(), { job: 'traffic-rollup', holder: 'other-node/1/x', now: clock.now(), leaseMs: 60_000 })).toBe(true);
    expect(await job().runNow()).toBeNull();
    await releaseMaintenance(db(), { job: 'traffic-rollup', holder: 'other-node/1/x' });
  });

  it('catches up after hours without a run, in batches, and counts new mail', async () => {
    clock.advance(3 * H);
    const ranAt = clock.now();
    const run = await job().runNow();
    expect(run!.counts.batches).toBeGreaterThanOrEqual(3);
    expect(run!.counts.minutes).toBeGreaterThanOrEqual(180);
    const rows = await loadTrafficMinutes(db(), { from: firstRun.from, to: clock.now() });
    expect(rows.map((r) => r.minute)).toEqual(rows.map((_, i) => firstRun.from + i * M));
    // Up to the last minute that had settled when the run began (the clock runs on meanwhile).
    expect(rows.at(-1)!.minute).toBeGreaterThanOrEqual(floorMinute(ranAt - SETTLE_MS) - M);
    expect(totalsOf(rows.filter((r) => r.minute < firstRun.to))).toMatchObject({ accepted: 8, delivered: 5, bounced: 1, spamHeld: 1 });
    // Minutes that were never sampled stay without a sample (a gap in the chart, not a zero).
    expect(rows.filter((r) => r.minute >= firstRun.to && r.minute < firstRun.to + H).every((r) => r.queueSize === null)).toBe(true);

    const r = await swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      'ann@customer.example',
      '--to',
      'relay@solarmora.com',
      '--header',
      'Subject: Later on',
      '--body',
      'Hi.',
    ]);
    expect(r.lastReply).toMatch(/^250 /);
    const at = clock.now();
    await sink.waitForCount(5, 30_000);
    clock.advance(2 * M);
    await job().runNow();
    const after = await loadTrafficMinutes(db(), { from: at - M, to: clock.now() });
    expect(totalsOf(after).accepted).toBe(1);
  });

  it('drops the figures past retention.stats', async () => {
    const before = await loadTrafficMinutes(db(), { from: 0, to: clock.now() });
    clock.advance(31 * D);
    const run = await gw.node.retention!.runNow();
    expect(run!.counts.stats).toBe(before.length);
    expect(await loadTrafficMinutes(db(), { from: 0, to: clock.now() })).toEqual([]);
  });
});
