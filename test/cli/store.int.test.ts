/**
 * The CLI on a store where retention has run: `trace` and `queue list` say when a body was
 * purged and still show how each delivery ended; `store stats` shows each kind of data, the
 * size on disk and the last purge, as a table and as JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimMaintenance,
  contentOf,
  finishMaintenance,
  openStore,
  purgeFinished,
  StoreWriter,
  type ReceivedRecord,
  type StoreHandle,
} from '../../src/store/index.js';
import { DIALECTS } from '../support/relaydesk.js';
import { cliStore, describeRun, parseJson, relaydesk, type CliStore } from './cli-helpers.js';

const D = 86_400_000;

function record(queueId: string, subject: string, at: number): ReceivedRecord {
  return {
    message: {
      queueId,
      messageId: `<${queueId}@customer.example>`,
      mailFrom: 'ann@customer.example',
      helo: 'h',
      clientIp: '127.0.0.1',
      subject,
      headerFrom: 'ann@customer.example',
      receivedAt: at,
      configVersion: 1,
      spam: false,
      spamScore: 0,
      spamReasons: [],
      authResults: {},
    },
    content: contentOf(Buffer.from(`Subject: ${subject}\r\n\r\n${'x'.repeat(5000)}\r\n`)),
    deliveries: [
      {
        recipient: 'support@crm.test',
        originalRecipient: 'help@solarmora.com',
        transport: 'smtp',
        route: null,
        requireTls: false,
        suppressBounces: false,
        spamFlag: false,
        transform: {},
        rules: [],
        status: 'queued',
        holdReason: null,
        nextAttemptAt: at,
      },
    ],
    trace: [{ queueId, at, code: 'inbound.accepted', summary: 'accepted' }],
  };
}

describe.each(DIALECTS)('relaydesk on purged mail (%s)', (dialect) => {
  let cs: CliStore;
  let store: StoreHandle;
  const now = Date.now();

  beforeAll(async () => {
    cs = await cliStore(dialect);
    expect((await relaydesk(['apply', '-f', await cs.file('c.yaml', 'domains: [solarmora.com]\nretention: { messages: 7d }\n'), ...cs.args])).code).toBe(0);
    store = await openStore(cs.args[0] === '--data' ? { dataDir: cs.args[1]! } : { databaseUrl: cs.args[1]! });
    const writer = new StoreWriter(store);
    await writer.save(record('OLDPURGED0001', 'An old one', now - 40 * D));
    await writer.save(record('NEWKEPT000001', 'A new one', now - 1 * D));
    await store.db
      .updateTable('deliveries')
      .set({ status: 'delivered', attempts: 1, last_reply: '250 2.0.0 queued as X1', updated_at: now - 40 * D })
      .where('queue_id', '=', 'OLDPURGED0001')
      .execute();
    await purgeFinished(store.db, { before: now - 7 * D, now: now - 1 * D, limit: 10 });
    expect(await claimMaintenance(store.db, { job: 'retention', holder: 'gw1/42', now: now - 1 * D, leaseMs: 60_000 })).toBe(true);
    await finishMaintenance(store.db, {
      job: 'retention',
      holder: 'gw1/42',
      run: { startedAt: now - 1 * D, durationMs: 1234, holder: 'gw1/42', counts: { bodies: 1, traceEvents: 1 } },
    });
  });
  afterAll(async () => {
    await store?.close();
    await cs?.cleanup();
  });

  it('trace says when the body and trace were purged, and how each delivery ended', async () => {
    const r = await relaydesk(['trace', 'OLDPURGED0001', ...cs.args]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^OLDPURGED0001 {2}An old one {2}from <ann@customer\.example>\n {2}body and trace purged on \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(retention\.messages\); how each delivery ended is kept:\n {2}delivery \d+: <help@solarmora\.com> → <support@crm\.test> smtp delivered after 1 attempt\(s\): 250 2\.0\.0 queued as X1\n$/,
    );
    const json = parseJson<{ message: { bodyPurgedAt: number }; deliveries: { status: string; steps: unknown[] }[]; steps: unknown[] }>(
      await relaydesk(['trace', 'OLDPURGED0001', '--json', ...cs.args]),
    );
    expect(json.message.bodyPurgedAt).toBe(now - 1 * D);
    expect(json.message).not.toHaveProperty('deliverySummary');
    expect(json.deliveries).toEqual([expect.objectContaining({ status: 'delivered', recipient: 'support@crm.test', steps: [] })]);
    expect(json.steps).toEqual([]);
    // A kept message's trace is as before, steps and all.
    const kept = await relaydesk(['trace', 'NEWKEPT000001', ...cs.args]);
    expect(kept.stdout).toContain('inbound.accepted');
    expect(kept.stdout).not.toContain('purged');
  });

  it('queue list marks purged mail and lists its deliveries', async () => {
    const r = await relaydesk(['queue', 'list', ...cs.args]);
    expect(r.code, describeRun(r)).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('OLDPURGED0001'))!;
    expect(line).toMatch(/ \(body purged \d{4}-\d\d-\d\d\) support@crm\.test:delivered +An old one$/);
    expect(r.stdout.split('\n').find((l) => l.startsWith('NEWKEPT000001'))).toMatch(/support@crm\.test:queued +A new one$/);
    const json = parseJson<{ messages: { queueId: string; bodyPurgedAt: number | null; deliveries: { status: string }[] }[] }>(
      await relaydesk(['queue', 'list', '--json', ...cs.args]),
    );
    expect(json.messages.find((m) => m.queueId === 'OLDPURGED0001')).toMatchObject({ bodyPurgedAt: now - 1 * D, deliveries: [{ status: 'delivered' }] });
  });

  it('store stats shows each kind, the size on disk and the last purge', async () => {
    const r = await relaydesk(['store', 'stats', ...cs.args]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^KIND +ROWS +SIZE +OLDEST\n/);
    expect(r.stdout).toMatch(/^message bodies +1 +\d/m);
    expect(r.stdout).toMatch(/^email log entries +2 +\d/m);
    expect(r.stdout).toMatch(/^last purge: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ by gw1\/42, 1\.2 s: bodies 1, traceEvents 1$/m);
    expect(r.stdout).toContain('retention: messages 7d, log 90d, quarantine 30d, deskSetAside 30d');
    const json = parseJson<{
      kinds: Record<string, { rows: number; bytes: number; oldest: string | null }>;
      purgedLogEntries: number;
      onDisk: { bytes: number; file?: number };
      lastPurge: unknown;
      retention: unknown;
    }>(await relaydesk(['store', 'stats', '--json', ...cs.args]));
    expect(json.kinds.bodies).toEqual({ rows: 1, bytes: expect.any(Number), oldest: new Date(now - 1 * D).toISOString() });
    // The kept message's two chunks (header block and body), summed from their lengths.
    expect(json.kinds.bodies!.bytes).toBeGreaterThan(5000);
    expect(json.kinds.bodies!.bytes).toBeLessThan(5200);
    expect(json.kinds.log).toMatchObject({ rows: 2, oldest: new Date(now - 40 * D).toISOString() });
    expect(json.kinds.traces).toMatchObject({ rows: 1 });
    expect(json.kinds.deliveries).toMatchObject({ rows: 1 });
    expect(json.kinds.log!.bytes).toBeGreaterThan(0);
    expect(json.purgedLogEntries).toBe(1);
    expect(json.onDisk.bytes).toBeGreaterThan(0);
    if (dialect === 'sqlite') expect(json.onDisk.file).toBeGreaterThan(0);
    expect(json.lastPurge).toEqual({ at: new Date(now - 1 * D).toISOString(), durationMs: 1234, node: 'gw1/42', counts: { bodies: 1, traceEvents: 1 } });
    expect(json.retention).toEqual({ messages: '7d', log: '90d', quarantine: '30d', deskSetAside: '30d' });
  });
});
