/** The store on both dialects: durability switch, claims and leases, group commit. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../test/support/relaydesk.js';
import { freshPgDatabase } from '../../test/support/postgres.js';
import {
  claimDue,
  completeMany,
  contentOf,
  loadDeliveries,
  loadTrace,
  openStore,
  type DbTransaction,
  reclaimExpiredLeases,
  reclaimOwnStaleLeases,
  renewLeases,
  StoreWriter,
  type ReceivedRecord,
} from './index.js';
import { StatementsNotApplied, ThreadUnavailable } from './chunk-write.js';
import { recordStatements } from './compiled-once.js';
import { insertReceivedMany } from './repos/message-repo.js';

function record(queueId: string, now: number, recipients = ['a@crm.test']): ReceivedRecord {
  return {
    message: {
      queueId,
      messageId: `<${queueId}@t>`,
      mailFrom: 's@example.net',
      helo: 'h',
      clientIp: '127.0.0.1',
      subject: 's',
      headerFrom: 's@example.net',
      receivedAt: now,
      configVersion: 1,
      spam: false,
      spamScore: 0,
      spamReasons: [],
      authResults: {},
    },
    content: contentOf(Buffer.from('Subject: s\r\n\r\nbody\r\n')),
    deliveries: recipients.map((r) => ({
      recipient: r,
      originalRecipient: r,
      transport: 'smtp',
      route: null,
      requireTls: false,
      suppressBounces: false,
      spamFlag: false,
      transform: {},
      rules: [],
      status: 'queued' as const,
      holdReason: null,
      nextAttemptAt: now,
    })),
    trace: [{ queueId, at: now, code: 'inbound.accepted', summary: 'ok' }],
  };
}

describe.each(DIALECTS)('store on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('group-commits concurrent saves and keeps one bad record from failing the others', async () => {
    const w = new StoreWriter(ts.store);
    const now = 1_000;
    const results = await Promise.allSettled([w.save(record('G1', now)), w.save(record('G2', now)), w.save(record('G1', now)), w.save(record('G3', now))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    for (const id of ['G1', 'G2', 'G3']) expect(await loadDeliveries(ts.store.db, id)).toHaveLength(1);
  });

  it('puts outcomes and messages that arrive together in one commit, durable only when it holds a message', async () => {
    const commits: string[] = [];
    // For each durable commit: the status WM1's delivery has inside it, just before it commits.
    const durable: (string | undefined)[] = [];
    const store = {
      ...ts.store,
      // On the store's connection: the embedded store's thread takes messages and outcomes apart (see the next test).
      durableStatements: null,
      lazyStatements: null,
      durableTransaction: ((fn) =>
        ts.store.durableTransaction(async (trx) => {
          const r = await fn(trx);
          const row = await trx.selectFrom('deliveries').select('status').where('queue_id', '=', 'WM1').executeTakeFirst();
          durable.push(row?.status);
          return r;
        })) as typeof ts.store.durableTransaction,
    };
    const w = new StoreWriter(store, (kind) => commits.push(kind));
    await w.save(record('WM1', 11_000));
    commits.length = 0;
    durable.length = 0;
    const [d] = (await claimDue(ts.store.db, ts.store.caps, { now: 11_000, limit: 100, owner: 'm/1/a#1', leaseMs: 60_000 })).filter((x) => x.queueId === 'WM1');
    const outcome = (owner: string) => ({
      owner,
      now: 11_100,
      results: [{ id: d!.id, status: 'delivered' as const, attempts: 1, nextAttemptAt: 11_100, lastReply: '250 ok' }],
      trace: [{ queueId: 'WM1', deliveryId: d!.id, at: 11_100, code: 'queue.delivered', summary: 'delivered' }],
      newMessages: [],
    });
    // Submitted in one turn: one transaction, told once per kind, with the fsync.
    const [ids, recorded] = await Promise.all([w.save(record('WM2', 11_100)), w.complete(outcome('m/1/a#1'))]);
    expect(ids).toHaveLength(1);
    expect(recorded).toBe(true);
    expect(commits).toEqual(['receive', 'complete']);
    expect(durable).toEqual(['delivered']);
    expect((await loadDeliveries(ts.store.db, 'WM1'))[0]!.status).toBe('delivered');
    expect((await loadTrace(ts.store.db, 'WM1')).map((e) => e.code)).toContain('queue.delivered');
    // An outcome alone does not wait for an fsync; one whose claim is gone is told so.
    commits.length = 0;
    durable.length = 0;
    expect(await w.complete(outcome('m/9/z#1'))).toBe(false);
    expect(commits).toEqual(['complete']);
    expect(durable).toHaveLength(0);
  });

  it('records every statement of a batch of messages without running one on the connection', async () => {
    const count = async () =>
      Promise.all(
        (['messages', 'deliveries', 'blob_chunks', 'trace_events'] as const).map(async (t) =>
          Number(
            (
              await ts.store.db
                .selectFrom(t)
                .select((eb) => eb.fn.countAll().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        ),
      );
    const before = await count();
    const statements = await recordStatements(ts.store.db as never, (recorder) =>
      insertReceivedMany(recorder as never, [record('RC1', 14_000, ['x@crm.test', 'y@crm.test']), record('RC2', 14_000)]),
    );
    // A statement that went around the recorder would have written its rows here.
    expect(await count()).toEqual(before);
    expect(statements.map((st) => st.sql.match(/^insert into "(\w+)"/)?.[1])).toEqual(['messages', 'blob_chunks', 'deliveries', 'trace_events']);
  });

  it.runIf(dialect === 'sqlite')(
    "runs accepted messages and outcomes on the store's thread; once the thread cannot take them, everything goes on the loop's connection",
    async () => {
      const viaThread: string[][] = [];
      const lazyRuns: string[] = [];
      const durableOnLoop: string[] = [];
      let refuse = false;
      const store = {
        ...ts.store,
        durableStatements: (statements: Parameters<NonNullable<typeof ts.store.durableStatements>>[0]) => {
          if (refuse) return Promise.reject(new ThreadUnavailable('stopped'));
          viaThread.push(statements.map((st) => st.sql.slice(0, 30)));
          return ts.store.durableStatements!(statements);
        },
        lazyStatements: (statements: Parameters<NonNullable<typeof ts.store.lazyStatements>>[0]) => {
          if (refuse) return Promise.reject(new ThreadUnavailable('stopped'));
          return ts.store.lazyStatements!(statements).then(
            (rows) => {
              lazyRuns.push('committed');
              return rows;
            },
            (e: unknown) => {
              lazyRuns.push(e instanceof StatementsNotApplied ? 'rolled back' : 'failed');
              throw e;
            },
          );
        },
        durableTransaction: ((fn) => {
          durableOnLoop.push('commit');
          return ts.store.durableTransaction(fn);
        }) as typeof ts.store.durableTransaction,
      };
      const commits: string[] = [];
      const w = new StoreWriter(store, (kind) => commits.push(kind));
      // Two messages in one batch, one with two deliveries: each gets its own ids, in order.
      const [a, b] = await Promise.all([w.save(record('TH1', 13_000, ['x@crm.test', 'y@crm.test'])), w.save(record('TH2', 13_000))]);
      expect(viaThread).toHaveLength(1);
      expect(viaThread[0]!.some((q) => q.startsWith('insert into "deliveries"'))).toBe(true);
      expect(durableOnLoop).toEqual([]);
      const rows = await ts.store.db
        .selectFrom('deliveries')
        .select(['id', 'queue_id', 'recipient'])
        .where('queue_id', 'in', ['TH1', 'TH2'])
        .orderBy('id')
        .execute();
      expect(a).toEqual(rows.filter((r) => r.queue_id === 'TH1').map((r) => Number(r.id)));
      expect(rows.filter((r) => r.queue_id === 'TH1').map((r) => r.recipient)).toEqual(['x@crm.test', 'y@crm.test']);
      expect(b).toEqual(rows.filter((r) => r.queue_id === 'TH2').map((r) => Number(r.id)));
      expect((await loadTrace(ts.store.db, 'TH2')).map((e) => e.code)).toEqual(['inbound.accepted']);
      expect(commits).toEqual(['receive']);

      // A record the database refuses (its queue id taken) fails alone; the others in its batch are kept.
      viaThread.length = 0;
      const results = await Promise.allSettled([w.save(record('TH3', 13_100)), w.save(record('TH1', 13_100)), w.save(record('TH4', 13_100))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) });
      for (const id of ['TH3', 'TH4']) expect(await loadDeliveries(ts.store.db, id)).toHaveLength(1);
      expect(viaThread.length).toBeGreaterThan(1);

      const claimed = await claimDue(ts.store.db, ts.store.caps, { now: 13_200, limit: 100, owner: 'th/1/a#1', leaseMs: 60_000 });
      const delivery = (queueId: string) => claimed.find((x) => x.queueId === queueId)!;
      const outcome = (queueId: string, owner = 'th/1/a#1', merge = false) => ({
        owner,
        now: 13_300,
        results: [{ id: delivery(queueId).id, status: 'delivered' as const, attempts: 1, nextAttemptAt: 13_300, lastReply: '250 ok' }],
        trace: [{ queueId, deliveryId: delivery(queueId).id, at: 13_300, code: 'queue.delivered', summary: 'delivered', merge }],
        newMessages: [],
      });
      const codes = async (queueId: string) => (await loadTrace(ts.store.db, queueId)).map((e) => e.code);

      // An outcome goes to the thread beside a message, in a batch of its own that is not made durable.
      viaThread.length = 0;
      commits.length = 0;
      const [ids, recorded] = await Promise.all([w.save(record('TH5', 13_300)), w.complete(outcome('TH2'))]);
      expect(ids).toHaveLength(1);
      expect(recorded).toBe(true);
      expect(viaThread).toHaveLength(1);
      expect(lazyRuns).toEqual(['committed']);
      expect(durableOnLoop).toEqual([]);
      expect(commits.sort()).toEqual(['complete', 'receive']);
      expect((await loadDeliveries(ts.store.db, 'TH2'))[0]!.status).toBe('delivered');
      expect(await codes('TH2')).toEqual(['inbound.accepted', 'queue.delivered']);

      // One claim of a batch is no longer its outcome's: the thread writes nothing of it, and the
      // loop's connection records the other and says which was not recorded.
      lazyRuns.length = 0;
      const pair = await Promise.all([w.complete(outcome('TH3')), w.complete(outcome('TH4', 'th/9/z#1'))]);
      expect(pair).toEqual([true, false]);
      expect(lazyRuns).toEqual(['rolled back']);
      expect((await loadDeliveries(ts.store.db, 'TH3'))[0]!.status).toBe('delivered');
      expect(await codes('TH3')).toEqual(['inbound.accepted', 'queue.delivered']);
      expect((await loadDeliveries(ts.store.db, 'TH4'))[0]!.status).not.toBe('delivered');
      expect(await codes('TH4')).toEqual(['inbound.accepted']);

      // An outcome that merges its trace line reads before it writes: it commits on the loop's connection.
      lazyRuns.length = 0;
      expect(await w.complete(outcome('TH4', 'th/1/a#1', true))).toBe(true);
      expect(lazyRuns).toEqual([]);
      expect((await loadDeliveries(ts.store.db, 'TH4'))[0]!.status).toBe('delivered');

      // The thread stops taking writes: this message and every later write commit on the loop's connection, messages durably.
      refuse = true;
      expect(await w.save(record('TH6', 13_400))).toHaveLength(1);
      refuse = false;
      expect(await w.save(record('TH7', 13_500))).toHaveLength(1);
      expect(durableOnLoop).toEqual(['commit', 'commit']);
      expect(viaThread).toHaveLength(1);
      expect(await w.complete(outcome('TH1'))).toBe(true);
      expect(lazyRuns).toEqual([]);
      for (const id of ['TH5', 'TH6', 'TH7']) expect(await loadDeliveries(ts.store.db, id)).toHaveLength(1);
    },
  );

  it('keeps a failing outcome from failing the message committed with it', async () => {
    const w = new StoreWriter(ts.store);
    const bad = {
      owner: 'b/1/a#1',
      now: 12_000,
      results: [],
      trace: [],
      // A DSN whose queue id is already taken: the outcome's insert fails.
      newMessages: [record('WB1', 12_000)],
    };
    await w.save(record('WB1', 12_000));
    const [ok, failed] = await Promise.allSettled([w.save(record('WB2', 12_000)), w.complete(bad)]);
    expect(ok.status).toBe('fulfilled');
    expect(failed.status).toBe('rejected');
    expect(await loadDeliveries(ts.store.db, 'WB2')).toHaveLength(1);
  });

  it('claims each due delivery once, renews, expires and takes back leases', async () => {
    const w = new StoreWriter(ts.store);
    await w.save(record('L1', 2_000, ['x@crm.test', 'y@crm.test']));
    // A lease owner is the process and its claim: renewals cover every claim of the process.
    const first = await claimDue(ts.store.db, ts.store.caps, { now: 2_000, limit: 100, owner: 'nodeA/1/aa#1', leaseMs: 1_000 });
    const again = await claimDue(ts.store.db, ts.store.caps, { now: 2_000, limit: 100, owner: 'nodeB/1/bb#1', leaseMs: 1_000 });
    expect(first.filter((d) => d.queueId === 'L1')).toHaveLength(2);
    expect(again.filter((d) => d.queueId === 'L1')).toHaveLength(0);
    expect(await renewLeases(ts.store.db, { owner: 'nodeA/1/aa', now: 2_500, leaseMs: 1_000 })).toBeGreaterThanOrEqual(2);
    expect(await reclaimExpiredLeases(ts.store.db, 3_000)).toBe(0);
    expect(await reclaimExpiredLeases(ts.store.db, 3_600)).toBeGreaterThanOrEqual(2);
    const third = await claimDue(ts.store.db, ts.store.caps, { now: 3_600, limit: 100, owner: 'nodeA/2/cc#7', leaseMs: 60_000 });
    expect(third.filter((d) => d.queueId === 'L1')).toHaveLength(2);
    // nodeA restarts as another process: it takes back what nodeA/2 held, not what nodeB holds.
    expect(await reclaimOwnStaleLeases(ts.store.db, { nodeName: 'nodeA', owner: 'nodeA/3/dd', now: 3_700 })).toBeGreaterThanOrEqual(2);
    expect((await loadDeliveries(ts.store.db, 'L1')).map((d) => d.status)).toEqual(['deferred', 'deferred']);
  });

  it('records outcomes only for the lease holder', async () => {
    const w = new StoreWriter(ts.store);
    await w.save(record('C1', 5_000));
    const [d] = (await claimDue(ts.store.db, ts.store.caps, { now: 5_000, limit: 100, owner: 'n/1/a', leaseMs: 60_000 })).filter((x) => x.queueId === 'C1');
    await completeMany(ts.store.db, [
      {
        owner: 'n/9/z',
        now: 5_100,
        results: [{ id: d!.id, status: 'delivered', attempts: 1, nextAttemptAt: 5_100, lastReply: '250' }],
        trace: [],
        newMessages: [],
      },
    ]);
    expect((await loadDeliveries(ts.store.db, 'C1'))[0]!.status).toBe('active');
    await completeMany(ts.store.db, [
      {
        owner: 'n/1/a',
        now: 5_100,
        results: [{ id: d!.id, status: 'delivered', attempts: 1, nextAttemptAt: 5_100, lastReply: '250' }],
        trace: [],
        newMessages: [],
      },
    ]);
    expect((await loadDeliveries(ts.store.db, 'C1'))[0]!.status).toBe('delivered');
  });

  it('fences a late outcome: after the lease expired and another claim took it, the first claim records nothing', async () => {
    const w = new StoreWriter(ts.store);
    await w.save(record('F1', 7_000));
    const [d] = (await claimDue(ts.store.db, ts.store.caps, { now: 7_000, limit: 100, owner: 'nodeA/1/aa#3', leaseMs: 1_000 })).filter(
      (x) => x.queueId === 'F1',
    );
    // nodeA lost its store for longer than the lease; nodeB reclaims and claims it.
    expect(await reclaimExpiredLeases(ts.store.db, 9_000)).toBeGreaterThanOrEqual(1);
    expect((await claimDue(ts.store.db, ts.store.caps, { now: 9_000, limit: 100, owner: 'nodeB/1/bb#4', leaseMs: 60_000 })).some((x) => x.id === d!.id)).toBe(
      true,
    );
    const dsnLike = { queueId: 'F1', at: 9_100, code: 'queue.delivered', summary: 'late outcome' };
    // The same process with a later claim of its own is fenced too: only the claim's owner counts.
    const late = await completeMany(ts.store.db, [
      {
        owner: 'nodeA/1/aa#3',
        now: 9_100,
        results: [{ id: d!.id, status: 'delivered', attempts: 1, nextAttemptAt: 9_100, lastReply: '250' }],
        trace: [dsnLike],
        newMessages: [],
      },
      {
        owner: 'nodeB/1/bb#5',
        now: 9_100,
        results: [{ id: d!.id, status: 'delivered', attempts: 1, nextAttemptAt: 9_100, lastReply: '250' }],
        trace: [dsnLike],
        newMessages: [],
      },
    ]);
    expect(late).toEqual([false, false]);
    expect((await loadDeliveries(ts.store.db, 'F1'))[0]!.status).toBe('active');
    expect((await loadTrace(ts.store.db, 'F1')).some((e) => e.summary === 'late outcome')).toBe(false);
    expect(
      await completeMany(ts.store.db, [
        {
          owner: 'nodeB/1/bb#4',
          now: 9_200,
          results: [{ id: d!.id, status: 'delivered', attempts: 1, nextAttemptAt: 9_200, lastReply: '250' }],
          trace: [],
          newMessages: [],
        },
      ]),
    ).toEqual([true]);
  });

  it('writes a batch with a few statements and gives each record its own deliveries ids, in order', async () => {
    const w = new StoreWriter(ts.store);
    // More deliveries than one statement's exact row counts: the batch is cut in several.
    const recipients = (n: number) => Array.from({ length: n }, (_, i) => `r${n}-${i}@crm.test`);
    const saved = await Promise.all([w.save(record('B1', 11_000, recipients(3))), w.save(record('B2', 11_000, recipients(20))), w.save(record('B3', 11_000))]);
    for (const [i, queueId] of ['B1', 'B2', 'B3'].entries()) {
      const rows = await loadDeliveries(ts.store.db, queueId);
      expect(saved[i]).toEqual(rows.map((d) => d.id));
      expect(rows.map((d) => d.recipient)).toEqual(queueId === 'B3' ? ['a@crm.test'] : recipients(queueId === 'B1' ? 3 : 20));
      expect((await loadTrace(ts.store.db, queueId)).map((e) => e.summary)).toEqual(['ok']);
    }
  });

  it('records a batch of outcomes in one go, each under its own claim, and knows which were taken over', async () => {
    const w = new StoreWriter(ts.store);
    await Promise.all([w.save(record('M1', 13_000)), w.save(record('M2', 13_000))]);
    const claimed = await claimDue(ts.store.db, ts.store.caps, { now: 13_000, limit: 100, owner: 'nodeA/1/aa#8', leaseMs: 1_000 });
    const d1 = claimed.find((x) => x.queueId === 'M1')!;
    const d2 = claimed.find((x) => x.queueId === 'M2')!;
    // M1's lease expires and a later claim of the same process takes it again.
    await reclaimExpiredLeases(ts.store.db, 15_000);
    expect((await claimDue(ts.store.db, ts.store.caps, { now: 15_000, limit: 100, owner: 'nodeA/1/aa#9', leaseMs: 60_000 })).map((x) => x.id)).toContain(d1.id);
    const outcome = (owner: string, id: number, status: 'delivered' | 'deferred', summary: string) => ({
      owner,
      now: 15_100,
      results: [{ id, status, attempts: 1, nextAttemptAt: 15_100, lastReply: summary }],
      trace: [{ queueId: id === d1.id ? 'M1' : 'M2', at: 15_100, code: 'queue.x', summary }],
      newMessages: [],
    });
    const recorded = await completeMany(ts.store.db, [
      outcome('nodeA/1/aa#8', d1.id, 'deferred', 'stale'),
      outcome('nodeA/1/aa#9', d1.id, 'delivered', 'current'),
      outcome('nodeA/1/aa#8', d2.id, 'delivered', 'other'),
    ]);
    expect(recorded).toEqual([false, true, false]);
    const m1 = (await loadDeliveries(ts.store.db, 'M1'))[0]!;
    expect([m1.status, m1.lastReply]).toEqual(['delivered', 'current']);
    // M2 was reclaimed too (its lease expired): the old claim's outcome is not its own any more.
    expect((await loadDeliveries(ts.store.db, 'M2'))[0]!.status).not.toBe('delivered');
    expect((await loadTrace(ts.store.db, 'M1')).map((e) => e.summary)).toEqual(['ok', 'current']);
    expect((await loadTrace(ts.store.db, 'M2')).map((e) => e.summary)).toEqual(['ok']);
  });
});

describe('store on sqlite, as the server opens it', () => {
  it('runs the connection relaxed (synchronous=NORMAL): durability comes from WalSync', async () => {
    const ts = await openTestStore('sqlite');
    try {
      const mode = (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(ts.store.db)).rows[0]!.synchronous;
      expect(mode).toBe(1);
      expect(ts.store.caps.relaxedCommits).toBe(true);
    } finally {
      await ts.cleanup();
    }
  });
});

describe('store on postgres, as the server opens it', () => {
  it('commits an accepted message only once it is on disk (synchronous_commit on); chunks still arriving need not wait', async () => {
    const pg = await freshPgDatabase();
    const store = await openStore({ databaseUrl: pg.url }, { relaxed: true });
    try {
      const mode = async (trx: DbTransaction) => (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(trx)).rows[0]!.synchronous_commit;
      expect(await store.durableTransaction(mode)).toBe('on');
      expect(await store.lazyTransaction(mode)).toBe('off');
    } finally {
      await store.close();
      await pg.drop();
    }
  });
});
