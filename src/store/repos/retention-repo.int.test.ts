/** Retention's batches on both dialects: what each removes, what it keeps, and that batches lose nothing. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { PAGE_SIZE } from '../dialects/sqlite.js';
import {
  claimMaintenance,
  contentOf,
  deleteLogEntries,
  deleteSetAside,
  deleteSpoolOrphans,
  expireHeld,
  finishMaintenance,
  freeSpaceMode,
  openStore,
  insertFailed,
  insertSuspended,
  loadHeader,
  loadLastMaintenance,
  loadMessage,
  loadTrace,
  loggedDeliveries,
  purgeFinished,
  StoreWriter,
  searchMessages,
  storeInMailbox,
  type DeliveryStatus,
  type ReceivedRecord,
} from '../index.js';

const D = 86_400_000;

function record(queueId: string, at: number, recipients: string[], status: 'queued' | 'held' = 'queued'): ReceivedRecord {
  return {
    message: {
      queueId,
      messageId: `<${queueId}@t>`,
      mailFrom: 's@example.net',
      helo: 'h',
      clientIp: '127.0.0.1',
      subject: `subject ${queueId}`,
      headerFrom: 's@example.net',
      receivedAt: at,
      configVersion: 1,
      spam: false,
      spamScore: 0,
      spamReasons: [],
      authResults: {},
    },
    content: contentOf(Buffer.from(`Subject: subject ${queueId}\r\n\r\n${'body '.repeat(100)}\r\n`)),
    deliveries: recipients.map((r) => ({
      recipient: r,
      originalRecipient: `orig-${r}`,
      transport: 'smtp',
      route: null,
      requireTls: false,
      suppressBounces: false,
      spamFlag: false,
      transform: {},
      rules: [],
      status,
      holdReason: status === 'held' ? 'spam' : null,
      nextAttemptAt: at,
    })),
    trace: [{ queueId, at, code: 'inbound.accepted', summary: 'accepted' }],
  };
}

describe.each(DIALECTS)('retention batches on %s', (dialect) => {
  let ts: TestStore;
  const db = () => ts.store.db;
  const save = (rec: ReceivedRecord) => new StoreWriter(ts.store).save(rec);
  const settle = (queueId: string, status: DeliveryStatus, at: number, reply = `250 ok ${queueId}`) =>
    db().updateTable('deliveries').set({ status, updated_at: at, attempts: 1, last_reply: reply }).where('queue_id', '=', queueId).execute();
  const chunks = async (blobId: string) => (await db().selectFrom('blob_chunks').select('seq').where('blob_id', '=', blobId).execute()).length;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('purges finished mail in batches without losing or skipping any, and keeps the rest whole', async () => {
    // Seven finished messages (ten days old), one still deferred, one finished only yesterday,
    // one held in quarantine, one the desk set aside and still lists.
    for (let i = 0; i < 7; i++) {
      await save(record(`P${i}`, 1 * D + i, [`a${i}@crm.test`, `b${i}@crm.test`]));
      await settle(`P${i}`, i % 2 ? 'bounced' : 'delivered', 2 * D);
    }
    await save(record('OPEN', 1 * D, ['late@crm.test']));
    await settle('OPEN', 'deferred', 2 * D);
    await save(record('RECENT', 1 * D, ['slow@crm.test']));
    await settle('RECENT', 'delivered', 11 * D);
    await save(record('HELD', 1 * D, ['spam@crm.test'], 'held'));
    await save(record('ASIDE', 1 * D, ['desk@case.test']));
    await settle('ASIDE', 'delivered', 2 * D);
    await insertSuspended(db(), {
      channelId: null,
      queueId: 'ASIDE',
      recipient: 'desk@case.test',
      reason: 'loop',
      detail: 'looped',
      from: null,
      subject: null,
      createdAt: 2 * D,
    });

    const now = 12 * D;
    const before = now - 5 * D;
    const batches: number[] = [];
    for (;;) {
      const r = await purgeFinished(db(), { before, now, limit: 3 });
      batches.push(r.messages);
      if (r.messages < 3) break;
    }
    expect(batches).toEqual([3, 3, 1]);

    for (let i = 0; i < 7; i++) {
      const m = (await loadMessage(db(), `P${i}`))!;
      expect(m.bodyPurgedAt).toBe(now);
      expect(await loadHeader(db(), `P${i}`)).toBeNull();
      expect(await chunks(`P${i}`)).toBe(0);
      expect(await loadTrace(db(), `P${i}`)).toEqual([]);
      expect(await db().selectFrom('deliveries').select('id').where('queue_id', '=', `P${i}`).execute()).toEqual([]);
      // The log keeps how each delivery ended.
      expect(await loggedDeliveries(db(), m)).toEqual([
        {
          id: expect.any(Number),
          recipient: `a${i}@crm.test`,
          originalRecipient: `orig-a${i}@crm.test`,
          transport: 'smtp',
          status: i % 2 ? 'bounced' : 'delivered',
          attempts: 1,
          lastReply: `250 ok P${i}`,
          at: 2 * D,
        },
        {
          id: expect.any(Number),
          recipient: `b${i}@crm.test`,
          originalRecipient: `orig-b${i}@crm.test`,
          transport: 'smtp',
          status: i % 2 ? 'bounced' : 'delivered',
          attempts: 1,
          lastReply: `250 ok P${i}`,
          at: 2 * D,
        },
      ]);
    }
    for (const kept of ['OPEN', 'RECENT', 'HELD', 'ASIDE']) {
      const m = (await loadMessage(db(), kept))!;
      expect(m.bodyPurgedAt).toBeNull();
      expect(await loadHeader(db(), kept)).not.toBeNull();
      expect((await loadTrace(db(), kept)).length).toBeGreaterThan(0);
      expect((await loggedDeliveries(db(), m)).length).toBe(1);
    }
  });

  it('finds purged mail in the email log by outcome and by recipient', async () => {
    const bounced = (await searchMessages(db(), { outcome: 'bounced' })).map((m) => m.queueId);
    expect(bounced).toEqual(expect.arrayContaining(['P1', 'P3', 'P5']));
    expect(bounced).not.toContain('P0');
    expect((await searchMessages(db(), { recipient: 'b4@crm' })).map((m) => m.queueId)).toEqual(['P4']);
    expect((await searchMessages(db(), { recipient: 'orig-a6' })).map((m) => m.queueId)).toEqual(['P6']);
    expect((await searchMessages(db(), { outcome: 'deferred' })).map((m) => m.queueId)).toEqual(['OPEN']);
  });

  it('purges set-aside mail once its desk entry is gone', async () => {
    const now = 12 * D;
    expect(await deleteSetAside(db(), { before: 2 * D, limit: 10 })).toEqual({ suspended: 0, failed: 0 });
    await insertFailed(db(), { queueId: 'ASIDE', recipient: 'desk@case.test', error: 'broken', now: 3 * D });
    expect(await deleteSetAside(db(), { before: 2 * D + 1, limit: 10 })).toEqual({ suspended: 1, failed: 0 });
    // The failed entry (still failed) holds the body now.
    expect((await purgeFinished(db(), { before: now - 5 * D, now, limit: 10 })).messages).toBe(0);
    expect(await deleteSetAside(db(), { before: 4 * D, limit: 10 })).toEqual({ suspended: 0, failed: 1 });
    const r = await purgeFinished(db(), { before: now - 5 * D, now, limit: 10 });
    expect(r).toEqual({ messages: 1, bytes: expect.any(Number), deliveries: 1, traceEvents: 1 });
    expect(r.bytes).toBeGreaterThan(500);
  });

  it('drops quarantine past its window with a trace line, leaving younger holds', async () => {
    await save(record('HELD2', 10 * D, ['x@crm.test', 'y@crm.test'], 'held'));
    const r = await expireHeld(db(), {
      before: 5 * D,
      now: 12 * D,
      limit: 10,
      code: 'queue.deleted',
      summary: 'deleted from quarantine by retention',
      text: { code: 'queue.deleted/retention', params: { duration: '5d' } },
    });
    expect(r).toEqual({ messages: 1, deliveries: 1 });
    const held = await db()
      .selectFrom('deliveries')
      .select(['queue_id', 'status', 'updated_at'])
      .where('queue_id', 'in', ['HELD', 'HELD2'])
      .orderBy('id')
      .execute();
    expect(held.map((d) => [d.queue_id, d.status, Number(d.updated_at)])).toEqual([
      ['HELD', 'deleted', 12 * D],
      ['HELD2', 'held', 10 * D],
      ['HELD2', 'held', 10 * D],
    ]);
    expect((await loadTrace(db(), 'HELD')).map((t) => [t.code, t.summary])).toContainEqual(['queue.deleted', 'deleted from quarantine by retention']);
    // Finished now, it is purged a window after it was dropped, not before.
    await purgeFinished(db(), { before: 12 * D, now: 13 * D, limit: 10 });
    expect((await loadMessage(db(), 'HELD'))!.bodyPurgedAt).toBeNull();
    await purgeFinished(db(), { before: 12 * D + 1, now: 20 * D, limit: 10 });
    expect((await loadMessage(db(), 'HELD'))!.bodyPurgedAt).toBe(20 * D);
    expect((await loadMessage(db(), 'HELD2'))!.bodyPurgedAt).toBeNull();
  });

  it('removes purged log entries past the log window, with their mailbox entries, never a kept message', async () => {
    await storeInMailbox(db(), {
      address: 'alice@solarmora.com',
      queueId: 'P0',
      subject: 's',
      from: null,
      date: null,
      messageId: null,
      spam: false,
      storedAt: 2 * D,
    });
    // Received at the same time as P0, OPEN is kept (its delivery is still deferred): a
    // message is never removed from the log before it is purged.
    expect(await deleteLogEntries(db(), { before: 1 * D + 1, limit: 10 })).toEqual({ messages: 4 });
    for (const gone of ['P0', 'RECENT', 'HELD', 'ASIDE']) expect(await loadMessage(db(), gone)).toBeNull();
    expect(await loadMessage(db(), 'P1')).not.toBeNull();
    expect(await db().selectFrom('mailbox_messages').select('id').execute()).toEqual([]);
    expect(await deleteLogEntries(db(), { before: 100 * D, limit: 4 })).toEqual({ messages: 4 });
    expect(await deleteLogEntries(db(), { before: 100 * D, limit: 4 })).toEqual({ messages: 2 });
    expect((await db().selectFrom('messages').select('queue_id').orderBy('queue_id').execute()).map((r) => r.queue_id)).toEqual(['HELD2', 'OPEN']);
  });

  it('removes spool orphans an hour old with their chunks, and nothing still being written', async () => {
    for (const [id, at] of [
      ['ORPHAN1', 1_000],
      ['ORPHAN2', 2_000],
      ['WRITING', 9_000],
    ] as const) {
      await db().insertInto('spool').values({ blob_id: id, owner: 'gw/1', started_at: at }).execute();
      await db()
        .insertInto('blob_chunks')
        .values([
          { blob_id: id, seq: 1, data: Buffer.from('x') },
          { blob_id: id, seq: 2, data: Buffer.from('y') },
        ])
        .execute();
    }
    expect(await deleteSpoolOrphans(db(), { before: 5_000, limit: 1 })).toEqual({ blobs: 1, chunks: 2 });
    expect(await deleteSpoolOrphans(db(), { before: 5_000, limit: 1 })).toEqual({ blobs: 1, chunks: 2 });
    expect(await deleteSpoolOrphans(db(), { before: 5_000, limit: 1 })).toEqual({ blobs: 0, chunks: 0 });
    expect(await chunks('ORPHAN1')).toBe(0);
    expect(await chunks('WRITING')).toBe(2);
  });

  it('lets one holder at a time run a job, hands it on when its lease expires, and keeps the last run', async () => {
    expect(await claimMaintenance(db(), { job: 'retention', holder: 'a/1', now: 1_000, leaseMs: 100 })).toBe(true);
    expect(await claimMaintenance(db(), { job: 'retention', holder: 'b/1', now: 1_050, leaseMs: 100 })).toBe(false);
    expect(await claimMaintenance(db(), { job: 'retention', holder: 'a/1', now: 1_060, leaseMs: 100 })).toBe(true);
    expect(await claimMaintenance(db(), { job: 'retention', holder: 'b/1', now: 1_161, leaseMs: 100 })).toBe(true);
    // The former holder cannot record over the new one's run.
    await finishMaintenance(db(), { job: 'retention', holder: 'a/1', run: { startedAt: 1_000, durationMs: 5, holder: 'a/1', counts: { bodies: 1 } } });
    expect(await loadLastMaintenance(db(), 'retention')).toBeNull();
    await finishMaintenance(db(), { job: 'retention', holder: 'b/1', run: { startedAt: 1_161, durationMs: 7, holder: 'b/1', counts: { bodies: 2 } } });
    expect(await loadLastMaintenance(db(), 'retention')).toEqual({ startedAt: 1_161, durationMs: 7, holder: 'b/1', counts: { bodies: 2 } });
    expect(await claimMaintenance(db(), { job: 'retention', holder: 'a/1', now: 1_170, leaseMs: 100 })).toBe(true);
  });
});

describe('giving space back on SQLite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-vacuum-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a new store with incremental auto-vacuum, and PostgreSQL needs none', async () => {
    const fresh = await openStore({ dataDir: path.join(dir, 'new') });
    expect(await freeSpaceMode(fresh)).toBe('incremental');
    await fresh.close();
    const check = new Database(path.join(dir, 'new', 'relaydesk.sqlite'));
    expect(check.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    check.close();
    const pg = await openTestStore('postgres');
    expect(await freeSpaceMode(pg.store)).toBe('database');
    expect(await pg.store.returnFreePages(100)).toBe(0);
    await pg.cleanup();
  });

  it("switches a store made before at the server's open (one VACUUM), keeping its data, and then gives freed pages back", async () => {
    const dataDir = path.join(dir, 'old');
    await openStore({ dataDir }).then((s) => s.close());
    // As a store made before retention: no auto-vacuum, 4 KiB pages, some data.
    const raw = new Database(path.join(dataDir, 'relaydesk.sqlite'));
    raw.pragma('journal_mode = DELETE');
    raw.pragma('page_size = 4096');
    raw.pragma('auto_vacuum = NONE');
    raw.exec('vacuum');
    raw.pragma('journal_mode = WAL');
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    expect(raw.pragma('page_size', { simple: true })).toBe(4096);
    const insert = raw.prepare('insert into blob_chunks (blob_id, seq, data) values (?, ?, ?)');
    for (let i = 0; i < 200; i++) insert.run(`OLD${i}`, 0, Buffer.alloc(8192, i));
    raw.close();

    // The CLI's open leaves it as it is (a VACUUM needs the store to itself).
    const cli = await openStore({ dataDir });
    expect(await freeSpaceMode(cli)).toBe('none');
    await cli.close();

    const server = await openStore({ dataDir }, { relaxed: true });
    expect(await freeSpaceMode(server)).toBe('incremental');
    expect((await server.db.selectFrom('blob_chunks').select('blob_id').execute()).length).toBe(200);
    const reopened = new Database(path.join(dataDir, 'relaydesk.sqlite'));
    // It keeps its page size (only a new store gets PAGE_SIZE), and stays in WAL mode.
    expect(reopened.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.pragma('journal_mode', { simple: true })).toBe('wal');
    reopened.close();
    await server.db.deleteFrom('blob_chunks').execute();
    expect(await server.returnFreePages(50)).toBe(50);
    // At least the bytes deleted come back.
    expect((50 + (await server.returnFreePages(10_000))) * 4096).toBeGreaterThan(200 * 8192);
    expect(await server.returnFreePages(10_000)).toBe(0);
    await server.close();
  });
});
