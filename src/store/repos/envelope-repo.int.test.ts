/** The envelopes of a period, page by page, on both dialects: live messages and purged ones alike. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { contentOf, listEnvelopes, purgeFinished, StoreWriter, type ReceivedRecord, type StoredEnvelope } from '../index.js';

function record(queueId: string, at: number, original: string[], spam = false): ReceivedRecord {
  return {
    message: {
      queueId,
      messageId: `<${queueId}@t>`,
      mailFrom: `from-${queueId}@example.net`,
      helo: 'h',
      clientIp: '127.0.0.1',
      subject: null,
      headerFrom: null,
      receivedAt: at,
      configVersion: 1,
      spam,
      spamScore: spam ? 10 : 0,
      spamReasons: [],
      authResults: {},
    },
    content: contentOf(Buffer.from('Subject: x\r\n\r\nbody\r\n')),
    // Two deliveries for the first recipient (a rewritten one and an added copy): one envelope recipient.
    deliveries: [original[0] as string, ...original].map((o, i) => ({
      recipient: `d${i}@crm.test`,
      originalRecipient: o,
      transport: 'smtp',
      route: null,
      requireTls: false,
      suppressBounces: false,
      spamFlag: spam,
      transform: {},
      rules: [],
      status: 'queued' as const,
      holdReason: null,
      nextAttemptAt: at,
    })),
    trace: [{ queueId, at, code: 'inbound.accepted', summary: 'accepted' }],
  };
}

describe.each(DIALECTS)('listEnvelopes on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
    const w = new StoreWriter(ts.store);
    await w.save(record('BEFORE', 999, ['early@solarmora.com']));
    // Same time for A and B: the page boundary must fall between them without losing either.
    await w.save(record('A', 1000, ['help@solarmora.com', 'sales@solarmora.com']));
    await w.save(record('B', 1000, ['help@solarmora.com'], true));
    await w.save(record('C', 1500, ['info@solarmora.com']));
    await w.save(record('AFTER', 2000, ['late@solarmora.com']));
    await ts.store.db.updateTable('deliveries').set({ status: 'delivered', updated_at: 1600 }).where('queue_id', '=', 'C').execute();
    await purgeFinished(ts.store.db, { before: 1700, now: 1700, limit: 10 });
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('lists the period [since, until) oldest first, one page at a time, purged messages included', async () => {
    const all: StoredEnvelope[] = [];
    let after: { receivedAt: number; queueId: string } | null = null;
    let pages = 0;
    do {
      const page = await listEnvelopes(ts.store.db, { since: 1000, until: 2000, after, limit: 1 });
      all.push(...page.envelopes);
      after = page.next;
      pages++;
    } while (after !== null && pages < 10);
    expect(all.map((e) => e.queueId)).toEqual(['A', 'B', 'C']);
    expect(all[0]).toEqual({
      queueId: 'A',
      sender: 'from-A@example.net',
      recipients: ['help@solarmora.com', 'sales@solarmora.com'],
      receivedAt: 1000,
      spam: false,
    });
    expect(all[1]).toMatchObject({ recipients: ['help@solarmora.com'], spam: true });
    // C's body and deliveries were purged: its recipients come from the delivery summary.
    expect((await ts.store.db.selectFrom('deliveries').select('id').where('queue_id', '=', 'C').execute()).length).toBe(0);
    expect(all[2]).toMatchObject({ queueId: 'C', recipients: ['info@solarmora.com'] });
    const one = await listEnvelopes(ts.store.db, { since: 1000, until: 2000, limit: 10 });
    expect(one.envelopes).toHaveLength(3);
    expect(one.next).toBeNull();
  });
});
