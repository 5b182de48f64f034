/**
 * The seed, step by step, against real SMTP: swaks as the client, a recording SMTP server on
 * 127.0.0.1 as the CRM, on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMailbox, loadDeliveries, loadTrace, listHeld, resolveHeld } from '../../src/store/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

function seedConfig(sinkPort: number, extra = ''): string {
  return `
domains: [solarmora.com]
users:
  - address: alice@solarmora.com
    orgUnit: /Sales
    aliases: [a.smith@solarmora.com]
groups:
  - address: sales-team@solarmora.com
    members: [alice@solarmora.com, partner@elsewhere.example]
orgUnits: [/, /Sales]
hosts:
  - name: crm
    host: 127.0.0.1
    port: ${sinkPort}
    tls: none
    domains: [crm.test, elsewhere.example]
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    action: modify
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      changeRoute: crm
      addRecipients:
        - address: sales-team@solarmora.com
        - address: copy@elsewhere.example
      addXOriginalToHeader: true
  - description: Spam-tolerant forward
    match: { single: raw@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: raw@crm.test }
      bypassSpamFilter: true
  - description: Closed address
    match: { single: old@solarmora.com }
    action: reject
    rejectText: This address was closed; write to help@solarmora.com
queue:
  retry: { firstRetry: 1s, maxInterval: 1s }
${extra}`;
}

const send = (port: number, to: string, more: string[] = [], input?: string) =>
  swaks(['--server', `127.0.0.1:${port}`, '--from', 'customer@example.net', '--to', to, ...more], input === undefined ? {} : { input });

describe.each(DIALECTS)('the seed on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestNode({ dialect, config: seedConfig(sink.port) });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('relays help@ to the CRM address with X-Original-To, copies to the group and the added address', async () => {
    const r = await send(gw.smtpPort, 'help@solarmora.com', ['--h-Subject', 'Printer on fire', '--body', 'Line one\nLine two: ünïcödé']);
    expect(r.lastReply).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
    const crm = await sink.waitFor((m) => m.rcptTo.includes('support@crm.test'));
    expect(crm.rcptTo).toEqual(['support@crm.test']);
    const text = crm.raw.toString('utf8');
    expect(text).toMatch(/^X-Original-To: help@solarmora\.com\r$/m);
    expect(text).toContain('Subject: Printer on fire');
    expect(text).toContain('Line one\r\nLine two: ünïcödé');
    await sink.waitFor((m) => m.rcptTo.includes('copy@elsewhere.example'));
    await sink.waitFor((m) => m.rcptTo.includes('partner@elsewhere.example'));
    const box = await eventually(
      async () => (await listMailbox(gw.store.db, 'alice@solarmora.com')).find((e) => e.subject === 'Printer on fire'),
      10_000,
      'alice mailbox',
    );
    expect(box.spam).toBe(false);
    // The CRM got exactly one copy.
    expect(sink.messages.filter((m) => m.rcptTo.includes('support@crm.test') && m.raw.includes('Printer on fire'))).toHaveLength(1);
  });

  it('traces every hop: envelope, verdict, the rule with its description, each delivery', async () => {
    const r = await send(gw.smtpPort, 'help@solarmora.com', ['--h-Subject', 'trace me']);
    const qid = /queued as ([0-9A-Z]+)/.exec(r.lastReply ?? '')?.[1];
    expect(qid).toBeTruthy();
    await eventually(async () => (await loadDeliveries(gw.store.db, qid!)).every((d) => d.status === 'delivered') || undefined, 10_000, 'all delivered');
    const steps = await loadTrace(gw.store.db, qid!);
    const codes = steps.map((s) => s.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'inbound.envelope',
        'spam.auth_results',
        'spam.verdict',
        'routing.rule_applied',
        'routing.planned',
        'inbound.accepted',
        'queue.delivered',
        'mailbox.stored',
      ]),
    );
    expect(steps.find((s) => s.code === 'routing.rule_applied')?.summary).toContain('Forward help to the CRM');
    const delivered = steps.filter((s) => s.code === 'queue.delivered').map((s) => s.summary);
    expect(delivered.some((s) => s.includes('support@crm.test') && s.includes('250'))).toBe(true);
  });

  it('holds GTUBE to help@ instead of relaying it, and release delivers it', async () => {
    const before = sink.messages.length;
    const r = await send(gw.smtpPort, 'help@solarmora.com', ['--h-Subject', 'gtube test', '--body', GTUBE]);
    expect(r.lastReply).toMatch(/^250 /);
    const qid = /queued as ([0-9A-Z]+)/.exec(r.lastReply ?? '')![1]!;
    const held = await eventually(async () => (await listHeld(gw.store.db)).find((h) => h.queueId === qid), 5_000, 'held');
    expect(held.spamReasons).toContain('gtube');
    // Added recipients default to doNotDeliverSpam: the group's copies are held as well.
    expect(held.recipients.map((x) => x.recipient)).toEqual(
      expect.arrayContaining(['support@crm.test', 'alice@solarmora.com', 'partner@elsewhere.example', 'copy@elsewhere.example']),
    );
    await new Promise((res) => setTimeout(res, 500));
    expect(sink.messages.slice(before).some((m) => m.raw.includes('gtube test'))).toBe(false);
    const released = await resolveHeld(gw.store.db, {
      queueId: qid,
      to: 'queued',
      now: Date.now(),
      trace: { queueId: qid, at: Date.now(), code: 'queue.released', summary: 'released in test' },
    });
    expect(released).toBeGreaterThan(0);
    // Released mail goes on as if it were not spam (a desk behind the route must not set it aside).
    expect(
      (await loadDeliveries(gw.store.db, qid))
        .filter((d) => d.status === 'queued' || d.status === 'active' || d.status === 'delivered')
        .every((d) => !d.spamFlag || d.transport === 'mailbox'),
    ).toBe(true);
    gw.node.runner?.wake();
    const got = await sink.waitFor((m) => m.rcptTo.includes('support@crm.test') && m.raw.includes('gtube test'));
    expect(got.raw.toString()).toContain(GTUBE);
  });

  it('puts spam for a recognized user in the mailbox, flagged', async () => {
    const r = await send(gw.smtpPort, 'a.smith@solarmora.com', ['--h-Subject', 'gtube direct', '--body', GTUBE]);
    expect(r.lastReply).toMatch(/^250 /);
    const alice = await eventually(
      async () => (await listMailbox(gw.store.db, 'alice@solarmora.com')).find((e) => e.subject === 'gtube direct'),
      5_000,
      'flagged copy',
    );
    expect(alice.spam).toBe(true);
  });

  it('relays spam when the rule bypasses the spam filter', async () => {
    const r = await send(gw.smtpPort, 'raw@solarmora.com', ['--h-Subject', 'bypass gtube', '--body', GTUBE]);
    expect(r.lastReply).toMatch(/^250 /);
    await sink.waitFor((m) => m.rcptTo.includes('raw@crm.test') && m.raw.includes('bypass gtube'));
  });

  it('answers 550 5.1.1 for an unknown address, 550 5.7.1 for relaying and for a reject rule with its text', async () => {
    const unknown = await send(gw.smtpPort, 'nobody@solarmora.com');
    expect(unknown.lastReply).toMatch(/^550 5\.1\.1 /);
    const relay = await send(gw.smtpPort, 'other@example.org');
    expect(relay.lastReply).toMatch(/^550 5\.7\.1 /);
    const closed = await send(gw.smtpPort, 'old@solarmora.com');
    expect(closed.lastReply).toBe('550 5.7.1 This address was closed; write to help@solarmora.com');
  });

  it('refuses a Received loop with 554 5.4.6', async () => {
    const hops = Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Thu, 26 Nov 2026 10:00:00 +0000`).join('\r\n');
    const msg = `${hops}\r\nFrom: customer@example.net\r\nTo: help@solarmora.com\r\nSubject: loop\r\n\r\nround and round\r\n`;
    const r = await send(gw.smtpPort, 'help@solarmora.com', ['--data', '-'], msg);
    expect(r.lastReply).toMatch(/^554 5\.4\.6 /);
  });

  it('applies a new configuration on the next SMTP command', async () => {
    expect((await send(gw.smtpPort, 'new@solarmora.com')).lastReply).toMatch(/^550 5\.1\.1/);
    await gw.apply(
      seedConfig(sink.port).replace(
        'defaultRouting:',
        `defaultRouting:\n  - description: New address\n    match: { single: new@solarmora.com }\n    modify:\n      changeEnvelopeRecipient: { replaceRecipient: new@crm.test }`,
      ) + 'smtp:\n  maxMessageSize: 20KB\n',
    );
    expect((await send(gw.smtpPort, 'new@solarmora.com')).lastReply).toMatch(/^250 /);
    await sink.waitFor((m) => m.rcptTo.includes('new@crm.test'));
  });

  it('answers 552 5.3.4 over the size limit', async () => {
    // The previous test set maxMessageSize to 20 KB.
    const big = `From: customer@example.net\r\nTo: help@solarmora.com\r\nSubject: big\r\n\r\n${'x'.repeat(76).concat('\r\n').repeat(400)}`;
    const r = await send(gw.smtpPort, 'help@solarmora.com', ['--data', '-'], big);
    expect(r.lastReply).toMatch(/^552 5\.3\.4 /);
  });
});
