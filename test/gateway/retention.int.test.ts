/**
 * Retention on a real node: mail is relayed, held in quarantine, taken in by the desk and set
 * aside, all over SMTP; then the node's clock moves past each window and the job runs. What is
 * due goes, the rest stays: the email log keeps each purged message with its outcome, cases
 * are untouched, held mail is dropped with a trace line and purged a window later, set-aside
 * entries and spool orphans go. On SQLite the file does not grow from one fill-and-purge cycle
 * to the next.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/base/clock.js';
import {
  claimMaintenance,
  countByStatus,
  insertSuspended,
  listDeskChannels,
  loadLastMaintenance,
  loadStoreStats,
  releaseMaintenance,
  type Db,
} from '../../src/store/index.js';
import { createApiToken } from '../../src/accounts/index.js';
import { DIALECTS, eventually, startTestNode, type Dialect, type TestNode } from '../support/relaydesk.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { smtpSource, swaks } from '../support/swaks.js';

const H = 3_600_000;
const D = 24 * H;
const BULK = 250;
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const config = (sinkPort: number, inbound: string | null, extra = '') => `
domains: [solarmora.com]
hosts:
  - { name: world, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [customer.example] }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com }
queue:
  retry: { firstRetry: 1s, maxInterval: 1s }
${extra}${
  inbound
    ? `defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${inbound} } }
  - description: relay to a customer
    match: { single: relay@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: far@customer.example } }
`
    : ''
}`;

/** A clock the test moves forward: the node sees days pass in a moment. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

async function startRetentionNode(dialect: Dialect, clock: Clock, extra = ''): Promise<{ gw: TestNode; sink: Sink }> {
  const sink = await startSink();
  const gw = await startTestNode({ dialect, config: config(sink.port, null, extra), roles: ['inbound', 'queue', 'web'], clock });
  const inbound = (await listDeskChannels(gw.store.db))[0]!.inboundAddresses[0]!.address;
  await gw.apply(config(sink.port, inbound, extra));
  return { gw, sink };
}

/** Every delivery final or held: nothing left in flight before the clock moves. */
async function settled(db: Db): Promise<Record<string, number>> {
  return eventually(
    async () => {
      const c = await countByStatus(db);
      return !c.queued && !c.active && !c.deferred && c;
    },
    30_000,
    'every delivery final or held',
  );
}

const queueIdOf = async (db: Db, subject: string) =>
  (await db.selectFrom('messages').select('queue_id').where('subject', '=', subject).executeTakeFirstOrThrow()).queue_id;
const withBody = async (db: Db) =>
  (await db.selectFrom('messages').select('queue_id').where('body_purged_at', 'is', null).orderBy('queue_id').execute()).map((r) => r.queue_id);

describe.each(DIALECTS)('retention on a real node (%s)', (dialect) => {
  const clock = movableClock();
  let gw: TestNode;
  let sink: Sink;
  let admin: string;
  let dir: string;
  const ids: Record<'kept' | 'held' | 'aside', string> = { kept: '', held: '', aside: '' };
  const attachment = `${'retention keeps the cases whole. '.repeat(2000)}\n`;
  const db = () => gw.store.db;
  const job = () => gw.node.retention!;
  const api = async (method: string, p: string) => {
    const res = await fetch(`http://127.0.0.1:${gw.node.httpPort}${p}`, { method, headers: { authorization: `Bearer ${admin}` } });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked field by field
  };

  beforeAll(async () => {
    ({ gw, sink } = await startRetentionNode(dialect, clock));
    admin = (await createApiToken(db(), { name: 'admin', role: 'admin', now: Date.now() })).token;
    dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-retention-'));
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, attachment);
    const server = ['--server', `127.0.0.1:${gw.smtpPort}`];
    const sent = [
      await swaks([
        ...server,
        '--from',
        'ann@customer.example',
        '--to',
        'help@solarmora.com',
        '--header',
        'Subject: Keep this case',
        '--body',
        'Please keep this.',
        '--attach-type',
        'text/plain',
        '--attach-name',
        'notes.txt',
        '--attach',
        `@${file}`,
      ]),
      // Spam: held in quarantine, since the relay rule does not bypass the spam filter.
      await swaks([...server, '--from', 'rev@customer.example', '--to', 'relay@solarmora.com', '--header', 'Subject: Held for review', '--body', GTUBE]),
      await swaks([
        ...server,
        '--from',
        'ooo@customer.example',
        '--to',
        'help@solarmora.com',
        '--header',
        'Subject: Out of office',
        '--header',
        'Auto-Submitted: auto-replied',
        '--body',
        'Away.',
      ]),
    ];
    for (const r of sent) expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    // More than one batch of mail relayed to the outside (a batch starts at 200 messages).
    const bulk = await smtpSource({
      port: gw.smtpPort,
      sessions: 4,
      messages: BULK,
      size: 2048,
      from: 'bulk@customer.example',
      to: 'relay@solarmora.com',
      timeoutMs: 120_000,
    });
    expect(bulk.code, bulk.stderr).toBe(0);
    // The Support channel acknowledges the case: that mail is relayed to the sink too.
    await sink.waitForCount(BULK + 1, 60_000);
    const counts = await settled(db());
    expect(counts.held).toBe(1);
    ids.kept = await queueIdOf(db(), 'Keep this case');
    ids.held = await queueIdOf(db(), 'Held for review');
    ids.aside = await queueIdOf(db(), 'Out of office');
    await eventually(async () => (await db().selectFrom('desk_suspended').select('id').execute()).length === 1, 10_000, 'the auto-reply set aside');
    // A DATA phase whose process died: a spool mark and its chunks, left behind.
    await db().insertInto('spool').values({ blob_id: 'ORPHAN0000000001', owner: 'gw.relaydesk.test/1', started_at: clock.now() }).execute();
    await db()
      .insertInto('blob_chunks')
      .values([1, 2].map((seq) => ({ blob_id: 'ORPHAN0000000001', seq, data: Buffer.alloc(1000, 7) })))
      .execute();
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('removes nothing that is not yet due', async () => {
    const before = await withBody(db());
    const run = await job().runNow();
    expect(run?.counts).toMatchObject({ quarantine: 0, bodies: 0, logEntries: 0, setAside: 0, spool: 0 });
    expect(await withBody(db())).toEqual(before);
    expect(before.length).toBeGreaterThanOrEqual(BULK + 4);
  });

  it('leaves the job to the node that holds it', async () => {
    expect(await claimMaintenance(db(), { job: 'retention', holder: 'gw2.relaydesk.test/1/other', now: clock.now(), leaseMs: 10 * 60_000 })).toBe(true);
    expect(await job().runNow()).toBeNull();
    await releaseMaintenance(db(), { job: 'retention', holder: 'gw2.relaydesk.test/1/other' });
    expect(await job().runNow()).not.toBeNull();
  });

  it('removes a spool orphan an hour old, with its chunks', async () => {
    clock.advance(2 * H);
    const run = await job().runNow();
    expect(run?.counts).toMatchObject({ spool: 1, bodies: 0 });
    expect(await db().selectFrom('blob_chunks').select('seq').where('blob_id', '=', 'ORPHAN0000000001').execute()).toEqual([]);
    expect(await db().selectFrom('spool').select('blob_id').execute()).toEqual([]);
  });

  it('after retention.messages, purges finished mail across batches and keeps its log entry with the outcome', async () => {
    clock.advance(31 * D);
    const run = (await job().runNow())!;
    // The held mail is dropped now and purged a window later; the set-aside mail keeps its
    // body until its desk entry goes, which this same run does after the purge.
    expect(await withBody(db())).toEqual([ids.held, ids.aside].sort());
    expect(run.counts.bodies).toBeGreaterThanOrEqual(BULK + 2);
    expect(run.counts).toMatchObject({ quarantine: 1, setAside: 1 });
    // Nothing of a purged message is left but its row: no chunk, no delivery, no trace.
    const chunkOwners = await db().selectFrom('blob_chunks').select('blob_id').distinct().where('blob_id', 'not like', 'att-%').execute();
    expect(chunkOwners.map((r) => r.blob_id).sort()).toEqual([ids.held, ids.aside].sort());
    const traced = await db().selectFrom('trace_events').select('queue_id').distinct().execute();
    expect(traced.map((r) => r.queue_id).sort()).toEqual([ids.held, ids.aside].sort());
    const deliveryOwners = await db().selectFrom('deliveries').select('queue_id').distinct().execute();
    expect(deliveryOwners.map((r) => r.queue_id).sort()).toEqual([ids.held, ids.aside].sort());

    // Every one of the bulk messages is still in the log, purged, with its delivery.
    const bulk = await db().selectFrom('messages').select(['body_purged_at', 'delivery_summary']).where('mail_from', '=', 'bulk@customer.example').execute();
    expect(bulk).toHaveLength(BULK);
    for (const m of bulk) {
      expect(Number(m.body_purged_at)).toBeGreaterThan(Date.now() + 30 * D);
      expect(JSON.parse(m.delivery_summary!)).toEqual([
        expect.objectContaining({
          recipient: 'far@customer.example',
          originalRecipient: 'relay@solarmora.com',
          transport: 'smtp',
          status: 'delivered',
          lastReply: expect.stringMatching(/^250 /),
        }),
      ]);
    }
    const found = await api('GET', '/api/messages?recipient=far%40customer.example&outcome=delivered&limit=500');
    expect(found.body.items).toHaveLength(BULK);

    // The email log and the trace say so.
    const kept = (await api('GET', '/api/messages?sender=ann%40customer.example&subject=Keep%20this%20case')).body.items[0];
    expect(kept.bodyPurgedAt).toEqual(expect.any(String));
    expect(kept.deliveries).toEqual([expect.objectContaining({ transport: 'desk', status: 'delivered' })]);
    const trace = await api('GET', `/api/messages/${ids.kept}/trace`);
    expect(trace.status).toBe(200);
    expect(trace.body.steps).toEqual([]);
    expect(trace.body.message.bodyPurgedAt).toBe(kept.bodyPurgedAt);
    expect(trace.body.desk).toEqual([expect.objectContaining({ channel: 'Support', effect: 'new-case', caseNumber: expect.any(Number) })]);
  });

  it('leaves cases, their mail and their attachments untouched', async () => {
    const cases = await api('GET', '/api/cases?search=Keep');
    expect(cases.body.items).toHaveLength(1);
    const detail = (await api('GET', `/api/cases/${cases.body.items[0].number}`)).body;
    const m = detail.messages.find((x: { attachments: unknown[] }) => x.attachments.length > 0);
    expect(m.text).toContain('Please keep this.');
    const res = await fetch(
      `http://127.0.0.1:${gw.node.httpPort}/api/cases/${cases.body.items[0].number}/messages/${m.id}/attachments/${m.attachments[0].id}`,
      { headers: { authorization: `Bearer ${admin}` } },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(attachment);
  });

  it('drops held mail past retention.quarantine with a trace line saying so', async () => {
    const steps = (await api('GET', `/api/messages/${ids.held}/trace`)).body.steps as { code: string; summary: string }[];
    expect(steps.at(-1)).toEqual(
      expect.objectContaining({ code: 'queue.deleted', summary: 'deleted from quarantine by retention: held longer than 30d (retention.quarantine)' }),
    );
    expect((await api('GET', '/api/quarantine')).body.items).toEqual([]);
    const log = (await api('GET', '/api/messages?subject=Held%20for%20review')).body.items[0];
    expect(log.deliveries).toEqual([expect.objectContaining({ status: 'deleted' })]);
    expect(log.bodyPurgedAt).toBeNull();
  });

  it('says a body was purged, and when, where a body is read', async () => {
    // A desk entry pointing at purged mail (the desk never keeps one, but it must say why it cannot act).
    const id = await insertSuspended(db(), {
      channelId: null,
      queueId: ids.kept,
      recipient: 'support@case.relaydesk.test',
      reason: 'loop',
      detail: 'test',
      from: null,
      subject: null,
      createdAt: clock.now(),
    });
    const recover = await api('POST', `/api/suspended/${id}/recover`);
    expect(recover.status).toBe(404);
    expect(recover.body.error).toMatch(
      new RegExp(`^the body of message ${ids.kept} was purged on \\d{4}-\\d\\d-\\d\\dT.*\\(retention\\.messages\\), so it cannot be taken in again`),
    );
    await db().deleteFrom('desk_suspended').where('id', '=', id).execute();
  });

  it('purges dropped quarantine and released set-aside mail a window later, then the log entries after retention.log', async () => {
    clock.advance(31 * D);
    await job().runNow();
    expect(await withBody(db())).toEqual([]);
    const held = await api('GET', `/api/quarantine/${ids.held}`);
    expect(held.status).toBe(404);
    expect(held.body.error).toMatch(/^message \w+ is no longer held, and its body was purged on \d{4}-.*\(retention\.messages\)/);
    const before = await loadStoreStats(gw.store);
    expect(before.kinds.log.rows).toBe(before.purgedLogEntries);
    expect(before.kinds.bodies.rows).toBe(0);

    clock.advance(30 * D);
    const run = (await job().runNow())!;
    expect(run.counts.logEntries).toBe(before.kinds.log.rows);
    expect(await db().selectFrom('messages').select('queue_id').execute()).toEqual([]);
    const after = await loadStoreStats(gw.store);
    expect(after.kinds).toMatchObject({
      log: { rows: 0 },
      traces: { rows: 0 },
      deliveries: { rows: 0 },
      setAside: { rows: 0 },
      spool: { rows: 0 },
      quarantine: { rows: 0 },
    });
    expect(after.kinds.deskAttachments.rows).toBe(1);
    expect(after.kinds.deskAttachments.bytes).toBe(attachment.length);
    expect((await api('GET', '/api/cases?search=Keep')).body.items).toHaveLength(1);
    // Any node and the CLI read the last run from the store.
    expect(await loadLastMaintenance(db(), 'retention')).toEqual({
      startedAt: expect.any(Number),
      durationMs: expect.any(Number),
      holder: expect.stringMatching(/^gw\.relaydesk\.test\/\d+\/\w+$/),
      counts: expect.objectContaining({ logEntries: before.kinds.log.rows }),
    });
  });
});

/** The WAL a store at rest keeps at most: the checkpoint thread empties a larger one. */
const WAL_AT_REST = 4 * 1024 * 1024; // TRUNCATE_AT_BYTES in src/store/dialects/checkpointer.ts

describe('retention on SQLite gives the space back', () => {
  const clock = movableClock();
  let gw: TestNode;
  let sink: Sink;
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('keeps the file the same size across fill-and-purge cycles', async () => {
    ({ gw, sink } = await startRetentionNode('sqlite', clock, 'retention: { messages: 1d, log: 2d }\n'));
    const file = gw.store.where;
    const onDisk = () => statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    const sizes: { full: number; purged: number; file: number }[] = [];
    let delivered = 0;
    for (let cycle = 0; cycle < 3; cycle++) {
      const r = await smtpSource({
        port: gw.smtpPort,
        sessions: 4,
        messages: 300,
        size: 20_000,
        from: 'bulk@customer.example',
        to: 'relay@solarmora.com',
        timeoutMs: 120_000,
      });
      expect(r.code, r.stderr).toBe(0);
      delivered += 300;
      await sink.waitForCount(delivered, 60_000);
      await settled(gw.store.db);
      const full = onDisk();
      // Past both windows: bodies and log entries of the cycle go.
      clock.advance(3 * D);
      await gw.node.retention!.runNow();
      // The file shrinks at the checkpoint after the vacuum, the retention job's own or the
      // checkpoint thread's next round, and the thread empties the WAL once it has copied it.
      const wal = () => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      for (let t = 0; t < 50 && (statSync(file).size >= 2_500_000 || wal() > WAL_AT_REST); t++) await new Promise((r) => setTimeout(r, 100));
      sizes.push({ full, purged: onDisk(), file: statSync(file).size });
    }
    const stats = await loadStoreStats(gw.store);
    expect(stats.kinds.log.rows).toBe(0);
    expect(stats.kinds.bodies.rows).toBe(0);
    // Each cycle writes about 6 MB and gives it back: the file itself goes back to about
    // its empty size (a page or more for each table and index), the WAL to at most what the checkpoint thread leaves at rest, so file + WAL do
    // not grow from one cycle to the next beyond that.
    for (const s of sizes) {
      expect(s.file).toBeLessThan(2_500_000);
      expect(s.purged).toBeLessThan(s.file + WAL_AT_REST + 1);
    }
    expect(sizes[1]!.purged).toBeLessThan(sizes[0]!.file + WAL_AT_REST + 1_000_000);
    expect(sizes[2]!.purged).toBeLessThan(sizes[0]!.file + WAL_AT_REST + 1_000_000);
  }, 240_000);
});
