/**
 * The families alerts are built on, scraped from a real node: each is present from the
 * start, carries the node's name, and moves after a relayed message, a deferred one, a
 * spam message held back, a refused RCPT, a client over its connection limit, and a new
 * desk case (with its webhook).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeskChannels } from '../../src/store/index.js';
import { HELD_BODIES_BYTES } from '../../src/inbound/index.js';
import { createApiToken } from '../../src/accounts/index.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';
import { rawSmtp } from '../support/smtp-raw.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { smtpSource, swaks } from '../support/swaks.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const NODE = 'gw.relaydesk.test';

const config = (sinkPort: number, inbound?: string) => `
domains: [solarmora.com]
smtp:
  maxConnectionsPerClient: 2
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
desk:
  domain: case.relaydesk.test
  webhooks: { allowPrivateDestinations: true }
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
queue:
  retry: { firstRetry: 1s, maxInterval: 1s, giveUpAfter: 1h }
defaultRouting:
  - description: relay to the CRM
    match: { single: relay@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
  - description: the CRM is busy with this one
    match: { single: later@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: busy@crm.test }
${
  inbound
    ? `  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`
    : ''
}`;

/** Every family named in the README's Metrics section. */
const FAMILIES = [
  'relaydesk_smtp_connections_open',
  'relaydesk_smtp_connections_accepted_total',
  'relaydesk_smtp_connections_refused_total',
  'relaydesk_smtp_replies_total',
  'relaydesk_messages_accepted_total',
  'relaydesk_spam_verdicts_total',
  'relaydesk_delivery_outcomes_total',
  'relaydesk_delivery_latency_seconds',
  'relaydesk_deliveries',
  'relaydesk_queue_oldest_deferred_age_seconds',
  'relaydesk_store_up',
  'relaydesk_desk_intakes_total',
  'relaydesk_webhook_posts_total',
  'relaydesk_store_commit_seconds',
  'relaydesk_config_version',
  'relaydesk_config_usable',
  'relaydesk_held_body_bytes',
  'relaydesk_held_body_limit_bytes',
];

interface Scrape {
  readonly families: Set<string>;
  /** Samples by name and labels, e.g. `relaydesk_spam_verdicts_total{node="…",verdict="spam"}`. */
  readonly samples: Map<string, number>;
  /** The value of one sample: its name and the labels besides `node`, or 0 when absent. */
  get(name: string, labels?: Record<string, string>): number;
}

async function scrape(port: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const families = new Set<string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) families.add(type[1]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(\{.*\})? (\S+)$/.exec(line);
    if (m) samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  const key = (name: string, labels: Record<string, string>) => {
    const all = Object.entries({ ...labels, node: NODE }).sort(([a], [b]) => a.localeCompare(b));
    return `${name}{${all.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  };
  return {
    families,
    samples,
    get(name, labels = {}) {
      // prom-client writes labels in its own order: look the sample up whatever the order.
      const want = key(name, labels);
      for (const [k, v] of samples) if (normalise(k) === want) return v;
      return 0;
    },
  };
}

function normalise(sample: string): string {
  const m = /^([^{]+)\{(.*)\}$/.exec(sample);
  if (!m) return sample;
  const pairs = [...m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((p) => [p[1]!, p[2]!] as const).sort(([a], [b]) => a.localeCompare(b));
  return `${m[1]}{${pairs.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

async function startReceiver() {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(DIALECTS)('metrics on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let version: number;
  beforeAll(async () => {
    [sink, receiver] = await Promise.all([
      startSink({ reply: (rcpt) => (rcpt === 'busy@crm.test' ? { code: 451, message: '4.3.0 busy, try later' } : null) }),
      startReceiver(),
    ]);
    gw = await startTestNode({ dialect, roles: ['inbound', 'queue', 'web'] });
    await gw.apply(config(sink.port));
    const inbound = (await listDeskChannels(gw.store.db))[0]!.inboundAddresses[0]!.address;
    version = await gw.apply(config(sink.port, inbound));
    const token = (await createApiToken(gw.store.db, { name: 'metrics-test', role: 'admin', now: Date.now() })).token;
    const made = await fetch(`http://127.0.0.1:${gw.node.httpPort}/api/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['case.created'] }),
    });
    expect(made.status).toBe(201);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
    await receiver?.close();
  });

  it('has every family from the start, each sample labelled with the node', async () => {
    const s = await scrape(gw.node.httpPort!);
    expect([...FAMILIES].filter((f) => !s.families.has(f))).toEqual([]);
    const relaydesk = [...s.samples.keys()].filter((k) => k.startsWith('relaydesk_'));
    expect(relaydesk.length).toBeGreaterThan(50);
    expect(relaydesk.filter((k) => !k.includes(`node="${NODE}"`))).toEqual([]);
    expect(s.get('relaydesk_config_version')).toBe(version);
    expect(s.get('relaydesk_config_usable')).toBe(1);
    expect(s.get('relaydesk_store_up')).toBe(1);
    // Series that alerts take a rate of exist before their first event.
    expect(s.samples.has(`relaydesk_smtp_connections_refused_total{reason="per_client_limit",node="${NODE}"}`)).toBe(true);
  });

  it('moves with relayed, deferred, held and refused mail, a client over its limit, and a desk case', async () => {
    const port = gw.node.httpPort!;
    const before = await scrape(port);
    const server = ['--server', `127.0.0.1:${gw.smtpPort}`];

    expect((await swaks([...server, '--from', 'ann@customer.example', '--to', 'relay@solarmora.com', '--header', 'Subject: relayed'])).lastReply).toMatch(
      /^250 /,
    );
    expect((await swaks([...server, '--from', 'ann@customer.example', '--to', 'later@solarmora.com', '--header', 'Subject: deferred'])).lastReply).toMatch(
      /^250 /,
    );
    expect(
      (await swaks([...server, '--from', 'ann@customer.example', '--to', 'relay@solarmora.com', '--header', 'Subject: spam', '--body', GTUBE])).lastReply,
    ).toMatch(/^250 /);
    const refused = await swaks([...server, '--from', 'ann@customer.example', '--to', 'nobody@solarmora.com']);
    expect(refused.lastReply).toMatch(/^550 5\.1\.1 /);
    expect(
      (await swaks([...server, '--from', 'ann@customer.example', '--to', 'help@solarmora.com', '--header', 'Subject: Printer on fire', '--body', 'It smokes.']))
        .lastReply,
    ).toMatch(/^250 /);

    // Two sessions are this client's limit; the third is turned away, and two stay open.
    await eventually(async () => (await scrape(port)).get('relaydesk_smtp_connections_open') === 0, 5_000, 'the sessions before to close');
    const opened = [];
    let during: Scrape | undefined;
    try {
      for (const want of [/^220 /, /^220 /, /^421 /]) {
        const c = await rawSmtp(gw.smtpPort);
        opened.push(c);
        expect(await c.reply()).toMatch(want);
      }
      during = await scrape(port);
    } finally {
      for (const c of opened) c.close();
    }

    await sink.waitFor((m) => m.raw.includes('Subject: relayed'), 10_000);
    await eventually(async () => receiver.bodies.some((b) => b.includes('case.created')), 15_000, 'the case.created webhook');
    const after = await eventually(
      async () => {
        const s = await scrape(port);
        const done =
          s.get('relaydesk_delivery_outcomes_total', { transport: 'webhook', outcome: 'delivered' }) >
          before.get('relaydesk_delivery_outcomes_total', { transport: 'webhook', outcome: 'delivered' });
        const deferred = s.get('relaydesk_queue_oldest_deferred_age_seconds') > 0;
        // The server sees the client's close a moment after the client makes it.
        const closed = s.get('relaydesk_smtp_connections_open') === 0;
        // The outcome counters move when an attempt ends; the store's gauges once its outcome is committed.
        const stored = s.get('relaydesk_deliveries', { status: 'delivered' }) - before.get('relaydesk_deliveries', { status: 'delivered' }) >= 3;
        return done && deferred && closed && stored && s;
      },
      10_000,
      'the webhook outcome recorded, three deliveries stored as delivered, a deferred delivery aging and every session closed',
    );
    const moved = (name: string, labels: Record<string, string> = {}) => after.get(name, labels) - before.get(name, labels);

    expect(during!.get('relaydesk_smtp_connections_open')).toBeGreaterThanOrEqual(2);
    expect(moved('relaydesk_smtp_connections_accepted_total')).toBeGreaterThanOrEqual(7);
    expect(moved('relaydesk_smtp_connections_refused_total', { reason: 'per_client_limit' })).toBe(1);
    expect(moved('relaydesk_smtp_replies_total', { command: 'rcpt', class: '2xx', reason: 'accepted' })).toBe(4);
    expect(moved('relaydesk_smtp_replies_total', { command: 'rcpt', class: '5xx', reason: 'no_such_address' })).toBe(1);
    expect(moved('relaydesk_smtp_replies_total', { command: 'data', class: '2xx', reason: 'accepted' })).toBe(4);
    expect(moved('relaydesk_messages_accepted_total')).toBe(4);
    expect(moved('relaydesk_spam_verdicts_total', { verdict: 'ham' })).toBe(3);
    expect(moved('relaydesk_spam_verdicts_total', { verdict: 'spam' })).toBe(1);
    expect(moved('relaydesk_delivery_outcomes_total', { transport: 'smtp', outcome: 'delivered' })).toBe(1);
    expect(moved('relaydesk_delivery_outcomes_total', { transport: 'smtp', outcome: 'deferred' })).toBeGreaterThanOrEqual(1);
    expect(moved('relaydesk_delivery_outcomes_total', { transport: 'desk', outcome: 'delivered' })).toBe(1);
    expect(moved('relaydesk_delivery_latency_seconds_count', { transport: 'smtp', outcome: 'delivered' })).toBe(1);
    expect(moved('relaydesk_delivery_latency_seconds_count', { transport: 'desk', outcome: 'delivered' })).toBe(1);
    // Deferred is not a final outcome: no latency is observed for it.
    expect(after.get('relaydesk_delivery_latency_seconds_count', { transport: 'smtp', outcome: 'deferred' })).toBe(0);
    expect(after.get('relaydesk_delivery_latency_seconds_bucket', { transport: 'smtp', outcome: 'delivered', le: '+Inf' })).toBe(1);
    expect(moved('relaydesk_deliveries', { status: 'delivered' })).toBeGreaterThanOrEqual(3);
    expect(after.get('relaydesk_deliveries', { status: 'deferred' })).toBe(1);
    expect(after.get('relaydesk_deliveries', { status: 'held' })).toBe(1);
    expect(after.get('relaydesk_queue_oldest_deferred_age_seconds')).toBeLessThan(120);
    expect(moved('relaydesk_desk_intakes_total', { outcome: 'new_case', reason: '' })).toBe(1);
    expect(moved('relaydesk_webhook_posts_total', { outcome: 'delivered', reason: 'http_2xx' })).toBe(1);
    expect(moved('relaydesk_store_commit_seconds_count', { kind: 'receive' })).toBe(4);
    expect(moved('relaydesk_store_commit_seconds_count', { kind: 'complete' })).toBeGreaterThanOrEqual(1);
    expect(after.get('relaydesk_config_version')).toBe(version);
    expect(after.get('relaydesk_held_body_limit_bytes')).toBe(HELD_BODIES_BYTES);
  });

  it('shows the bodies kept for their first attempt, given back once it ended', async () => {
    // Over one chunk: kept in memory from the store's chunks and sent from there.
    const r = await smtpSource({ port: gw.smtpPort, messages: 3, size: 700_000, from: 'bulk@customer.example', to: 'relay@solarmora.com' });
    expect(r.code, r.stderr).toBe(0);
    await sink.waitForCount(3, 30_000, (m) => m.raw.length > 600_000);
    await eventually(async () => (await scrape(gw.node.httpPort!)).get('relaydesk_held_body_bytes') === 0, 10_000, 'no body held after the attempts');
  });
});

describe('metrics of the global client limit', () => {
  let gw: TestNode;
  beforeAll(async () => {
    gw = await startTestNode({ dialect: 'sqlite', roles: ['inbound', 'web'], config: 'domains: [solarmora.com]\n', smtpLimits: { maxClients: 1 } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('counts a client turned away because every place is taken', async () => {
    const first = await rawSmtp(gw.smtpPort);
    try {
      expect(await first.reply()).toMatch(/^220 /);
      const second = await rawSmtp(gw.smtpPort);
      try {
        expect(await second.reply()).toMatch(/^421 /);
      } finally {
        second.close();
      }
      const s = await scrape(gw.node.httpPort!);
      expect(s.get('relaydesk_smtp_connections_refused_total', { reason: 'global_limit' })).toBe(1);
      expect(s.get('relaydesk_smtp_connections_refused_total', { reason: 'per_client_limit' })).toBe(0);
      expect(s.get('relaydesk_smtp_connections_open')).toBe(1);
    } finally {
      first.close();
    }
  });
});
