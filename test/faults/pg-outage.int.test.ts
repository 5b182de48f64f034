/**
 * PostgreSQL stopped at once (`pg_ctl stop -m immediate`) under 20 sessions of load, with
 * relays in flight to a slow next hop and desk intakes under way, then started again. The
 * node must stay up, say why in /healthz while the database is away, take mail again within
 * seconds of its return without a restart, and deliver every message it answered 250 for.
 * How many arrived twice is printed (delivery is at least once).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeskChannels, openStore, type StoreHandle } from '../../src/store/index.js';
import { healthOf, runCli, smtpLoad, startChildNode, type ChildNode } from '../support/child-node.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/relaydesk.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { messageIdOf as idOf } from '../support/relay-config.js';

const config = (sinkPort: number, inbound?: string) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
smtp:
  connectionLimitExceptions: [127.0.0.0/8]
queue:
  retry: { firstRetry: 1s, maxInterval: 2s }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
defaultRouting:
  - description: relay to the CRM
    match: { single: relay@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
${
  inbound
    ? `  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`
    : ''
}`;

describe('PostgreSQL stopped under load and started again', () => {
  let cluster: Cluster;
  let sink: Sink;
  let node: ChildNode;
  const run = randomBytes(3).toString('hex');

  beforeAll(async () => {
    [cluster, sink] = await Promise.all([startCluster('relaydesk_outage'), startSink({ dataDelay: 150 })]);
    const store: StoreHandle = await openStore({ databaseUrl: cluster.url });
    try {
      const first = await runCli(['apply', '-f', '-', '--database', cluster.url], config(sink.port));
      expect(first.code, first.out).toBe(0);
      const inbound = (await listDeskChannels(store.db))[0]!.inboundAddresses[0]!.address;
      const second = await runCli(['apply', '-f', '-', '--database', cluster.url], config(sink.port, inbound));
      expect(second.code, second.out).toBe(0);
    } finally {
      await store.close();
    }
    node = await startChildNode({ storeArgs: ['--database', cluster.url], smtpPort: await freePort(), web: true });
  }, 120_000);
  afterAll(async () => {
    await node?.stop();
    await sink?.stop();
    await cluster?.stop();
  });

  it('stays up, says why, resumes by itself, and delivers every acknowledged message', async () => {
    const started = Date.now();
    type Phase = 'before' | 'down' | 'after';
    let phase = 'before' as Phase;
    let stop = false;
    const phaseOf = new Map<string, Phase>();
    const load = smtpLoad({
      port: node.smtpPort,
      concurrency: 20,
      maxMessages: 5_000,
      until: () => stop,
      message: (n) => {
        const id = `${run}-${n}@customer.example`;
        phaseOf.set(id, phase);
        const to = n % 2 === 0 ? 'relay@solarmora.com' : 'help@solarmora.com';
        // Each from its own sender: the desk's flood limit (20 new cases an hour) must not set any aside.
        return { id, to, raw: `From: customer-${n}@example.net\r\nTo: ${to}\r\nSubject: load ${n} (${phase})\r\nMessage-ID: <${id}>\r\n\r\nMessage ${n}.\r\n` };
      },
    });

    await new Promise((r) => setTimeout(r, 3_000));
    await cluster.kill();
    phase = 'down';
    const downAt = Date.now();
    // While the database is away: the node runs, and its health says why.
    const unhealthy = await eventually(
      async () => {
        if (!node.alive()) throw new Error(`the node died when the database stopped:\n${node.output().slice(-4000)}`);
        const h = await healthOf(node.httpPort!);
        return h && h.status === 503 ? h : undefined;
      },
      15_000,
      '/healthz to report the store',
    );
    expect(unhealthy.body.error).toMatch(/store unavailable since .*: .*(database|connect|refuse|terminat)/i);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(node.alive(), node.output()).toBe(true);

    await cluster.restart();
    phase = 'after';
    const upAt = Date.now();
    await eventually(async () => (await healthOf(node.httpPort!))?.status === 200, 15_000, '/healthz to report the store back');
    const healthyAfterMs = Date.now() - upAt;
    await new Promise((r) => setTimeout(r, 3_000));
    stop = true;
    const result = await load;
    expect(node.alive(), node.output()).toBe(true);

    const relayed = [...result.acked].filter((id) => Number(id.split('-')[1]!.split('@')[0]) % 2 === 0);
    const desked = [...result.acked].filter((id) => Number(id.split('-')[1]!.split('@')[0]) % 2 === 1);
    // Every relay answered 250 reaches the CRM; every desk message answered 250 is on a case.
    const missingRelays = () => relayed.filter((id) => !sink.messages.some((m) => idOf(m.raw) === id));
    await eventually(async () => missingRelays().length === 0, 90_000, `every acknowledged relay at the CRM (missing ${missingRelays().length})`).catch(
      () => undefined,
    );
    const store = await openStore({ databaseUrl: cluster.url });
    try {
      const onCases = async () =>
        new Set(
          (await store.db.selectFrom('desk_messages').select('message_id').where('direction', '=', 'in').execute()).map((r) =>
            r.message_id?.replace(/^<|>$/g, ''),
          ),
        );
      const missingDesk = async () => {
        const seen = await onCases();
        return desked.filter((id) => !seen.has(id));
      };
      await eventually(async () => (await missingDesk()).length === 0, 90_000, 'every acknowledged desk message on a case').catch(() => undefined);
      const counts = new Map<string, number>();
      for (const m of sink.messages) {
        const id = idOf(m.raw);
        if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const twice = [...counts.values()].filter((c) => c > 1).length;
      const deskCopies = await store.db.selectFrom('desk_messages').select('message_id').where('direction', '=', 'in').execute();
      const deskTwice = deskCopies.length - new Set(deskCopies.map((r) => r.message_id)).size;
      console.log(
        `[pg outage] ${result.sent} sent over ${Math.round((Date.now() - started) / 1000)} s, ${result.acked.size} answered 250 (${relayed.length} relays, ${desked.length} to the desk); refused: ${JSON.stringify(Object.fromEntries(result.refused))}; ` +
          `database down ${Math.round((upAt - downAt) / 1000)} s, healthy again ${healthyAfterMs} ms after it came back; relays arrived twice: ${twice}; desk messages twice: ${deskTwice}; missing: ${missingRelays().length} relays, ${(await missingDesk()).length} desk`,
      );
      if (process.env.DEBUG_FAULTS) {
        for (const id of await missingDesk()) {
          const m = await store.db.selectFrom('messages').select(['queue_id']).where('message_id', '=', `<${id}>`).execute();
          for (const r of m) {
            const d = await store.db
              .selectFrom('deliveries')
              .select(['status', 'attempts', 'last_reply', 'transport'])
              .where('queue_id', '=', r.queue_id)
              .execute();
            const f = await store.db.selectFrom('desk_failed').selectAll().where('queue_id', '=', r.queue_id).execute();
            const su = await store.db.selectFrom('desk_suspended').selectAll().where('queue_id', '=', r.queue_id).execute();
            console.log('MISSING', id, JSON.stringify(d), JSON.stringify(f), JSON.stringify(su));
          }
        }
        console.log(node.output().slice(-3000));
      }
      expect(missingRelays()).toEqual([]);
      expect(await missingDesk()).toEqual([]);
      expect(deskTwice).toBe(0);
    } finally {
      await store.close();
    }
    // It took mail again once the database was back, without a restart.
    expect([...result.acked].filter((id) => phaseOf.get(id) === 'after').length).toBeGreaterThan(0);
    // Mail was refused while the database was away (451), not accepted and lost.
    expect(
      [...result.refused.keys()].every((code) => /^4\d\d$|^E/.test(code)),
      JSON.stringify([...result.refused]),
    ).toBe(true);
  }, 240_000);
});
