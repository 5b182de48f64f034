/** The store on both dialects: durability switch, claims and leases, group commit. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../test/support/relaydesk.js';
import {
  claimDue,
  completeMany,
  contentOf,
  loadDeliveries,
  loadTrace,
  reclaimExpiredLeases,
  reclaimOwnStaleLeases,
  renewLeases,
  ReceiveWriter,
  type ReceivedRecord,
} from './index.js';

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
    const w = new ReceiveWriter(ts.store);
    const now = 1_000;
    const results = await Promise.allSettled([w.save(record('G1', now)), w.save(record('G2', now)), w.save(record('G1', now)), w.save(record('G3', now))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    for (const id of ['G1', 'G2', 'G3']) expect(await loadDeliveries(ts.store.db, id)).toHaveLength(1);
  });

  it('claims each due delivery once, renews, expires and takes back leases', async () => {
    const w = new ReceiveWriter(ts.store);
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
    const w = new ReceiveWriter(ts.store);
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
    const w = new ReceiveWriter(ts.store);
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
