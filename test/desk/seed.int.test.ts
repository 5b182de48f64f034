/**
 * The seed's step 3 against our own CRM, over real SMTP through the gateway: help@ is
 * routed to the Support channel's inbound address, a customer's mail opens a case, the
 * acknowledgement reaches the customer, replies thread, agents answer by email.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCase, changeCase, actOnLead, rotateChannel, verifyChannel, type DeskContext } from '../../src/desk/io/desk-service.js';
import { deskKeys } from '../../src/desk/io/outgoing.js';
import { slaSettingsOf } from '../../src/desk/sla.js';
import {
  findLinkedCases,
  listCases,
  listDeskChannels,
  listLeads,
  listSuspended,
  loadCaseByNumber,
  loadConversion,
  loadDeskMessages,
  loadOrCreateSecret,
  type StoredChannel,
} from '../../src/store/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const base = (sinkPort: number) => `
domains: [solarmora.com]
hosts:
  - { name: world, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [example.net, customer.example] }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: true }
    - { name: Sales, kind: sales, publicAddress: sales@solarmora.com, autoAcknowledge: false }
`;

const rules = (support: string, sales: string) => `
defaultRouting:
  - description: Forward help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${support} }
      addXOriginalToHeader: true
  - description: Forward sales to the desk
    match: { single: sales@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${sales} }
`;

describe.each(DIALECTS)('the desk behind the gateway on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;
  let support: StoredChannel;
  let ctx: () => Promise<DeskContext>;

  const mail = (to: string, from: string, headers: Record<string, string>, body = 'Hello') =>
    swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      from,
      '--to',
      to,
      ...Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
      '--body',
      body,
    ]);
  const casesFrom = async (address: string) => (await listCases(gw.store.db, { limit: 500 })).filter((c) => c.requester.address === address);

  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestNode({ dialect, config: base(sink.port) });
    const channels = await listDeskChannels(gw.store.db);
    support = channels.find((c) => c.name === 'Support')!;
    const sales = channels.find((c) => c.name === 'Sales')!;
    expect(support.inboundAddresses[0]!.address).toMatch(/^support@[a-z0-9]{16}\.case\.relaydesk\.test$/);
    await gw.apply(base(sink.port) + rules(support.inboundAddresses[0]!.address, sales.inboundAddresses[0]!.address));
    const keys = deskKeys(await loadOrCreateSecret(gw.store.db, 'desk', () => 'unused'));
    ctx = async () => {
      const { LiveConfig } = await import('../../src/config/io/live-config.js');
      const { silentLogger } = await import('../../src/base/log.js');
      const live = await LiveConfig.open(gw.store.db, silentLogger);
      return {
        db: gw.store.db,
        snapshot: live.cached.snapshot,
        deskDomain: 'case.relaydesk.test',
        channels: live.cached.config.desk?.channels ?? [],
        hostname: 'gw.relaydesk.test',
        keys,
        now: Date.now(),
        sla: slaSettingsOf(live.cached.config.desk),
      };
    };
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('opens a case for a mail to help@, with the customer as requester and the attachment intact, and acknowledges it', async () => {
    const r = await swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      'carol@customer.example',
      '--to',
      'help@solarmora.com',
      '--header',
      'From: Carol Customer <carol@customer.example>',
      '--header',
      'Subject: Printer on fire',
      '--header',
      'Message-Id: <first@customer.example>',
      '--body',
      'It is smoking.\nPlease help.',
      '--attach-type',
      'text/plain',
      '--attach-name',
      'log.txt',
      '--attach',
      '@/etc/hostname',
    ]);
    expect(r.lastReply).toMatch(/^250 /);
    const [c] = await eventually(
      async () => {
        const cs = await casesFrom('carol@customer.example');
        return cs.length > 0 && cs;
      },
      10_000,
      'a case',
    );
    expect(c!.number).toBeGreaterThanOrEqual(1001);
    expect(c!.requester).toEqual({ name: 'Carol Customer', address: 'carol@customer.example' });
    expect(c!.originalRecipient).toBe('help@solarmora.com');
    const [msg] = await loadDeskMessages(gw.store.db, { caseId: c!.id });
    expect(msg!.text).toContain('It is smoking.\nPlease help.');
    expect(msg!.attachments.map((a) => a.filename)).toEqual(['log.txt']);
    const ack = await sink.waitFor((m) => m.rcptTo.includes('carol@customer.example'), 10_000);
    const text = ack.raw.toString();
    expect(text).toMatch(new RegExp(`^Subject: .*\\[#${c!.number}\\]`, 'm'));
    expect(text).toMatch(/^Auto-Submitted: auto-replied/m);
    expect(text).toMatch(/^From: .*help@solarmora\.com/m);
    expect(ack.mailFrom).toBe('help@solarmora.com');
  });

  it('threads a reply by In-Reply-To, by the [#N] token alone, and never by the subject alone', async () => {
    const [c] = await casesFrom('carol@customer.example');
    await mail(
      'help@solarmora.com',
      'carol@customer.example',
      { Subject: 'Re: Printer on fire', 'In-Reply-To': '<first@customer.example>', 'Message-Id': '<second@customer.example>' },
      'Still smoking',
    );
    await mail('help@solarmora.com', 'carol@customer.example', { Subject: `About [#${c!.number}]`, 'Message-Id': '<third@customer.example>' }, 'Token only');
    await eventually(
      async () => (await loadDeskMessages(gw.store.db, { caseId: c!.id })).filter((m) => m.direction === 'in').length === 3,
      10_000,
      'two replies threaded',
    );
    await mail(
      'help@solarmora.com',
      'carol@customer.example',
      { Subject: 'Printer on fire', 'Message-Id': '<fourth@customer.example>' },
      'Same subject, new thread',
    );
    await eventually(async () => (await casesFrom('carol@customer.example')).length === 2, 10_000, 'a second case');
  });

  it('delivers the same message twice into one case, and keeps an out-of-office reply out of cases and acks', async () => {
    const before = (await casesFrom('dup@customer.example')).length;
    // The same message twice: swaks would stamp each send with the time, so the Date is fixed.
    for (let i = 0; i < 2; i++)
      await mail('help@solarmora.com', 'dup@customer.example', {
        Subject: 'Twice',
        'Message-Id': '<twice@customer.example>',
        Date: 'Mon, 02 Jun 2025 09:00:00 +0000',
      });
    await eventually(async () => (await casesFrom('dup@customer.example')).length === before + 1, 10_000, 'one case');
    const acksBefore = sink.messages.filter((m) => m.rcptTo.includes('ooo@customer.example')).length;
    await mail('help@solarmora.com', 'ooo@customer.example', {
      Subject: 'Out of office',
      'Auto-Submitted': 'auto-replied',
      'Message-Id': '<ooo@customer.example>',
    });
    await eventually(async () => (await listSuspended(gw.store.db)).some((s) => s.from === 'ooo@customer.example'), 10_000, 'suspended');
    await new Promise((r) => setTimeout(r, 300));
    expect(await casesFrom('ooo@customer.example')).toHaveLength(0);
    expect(sink.messages.filter((m) => m.rcptTo.includes('ooo@customer.example')).length).toBe(acksBefore);
    await new Promise((r) => setTimeout(r, 200));
    expect(await casesFrom('dup@customer.example')).toHaveLength(before + 1);
  });

  it("reopens a solved case on the requester's reply, and opens a linked case for a reply to a closed one", async () => {
    const [c] = await casesFrom('carol@customer.example').then((cs) => cs.filter((x) => x.subject === 'Printer on fire').sort((a, b) => a.number - b.number));
    await changeCase(await ctx(), { caseNumber: c!.number, status: 'solved', by: 'amy@solarmora.com' });
    await mail(
      'help@solarmora.com',
      'carol@customer.example',
      { Subject: `Re: [#${c!.number}] Printer on fire`, 'Message-Id': '<reopen@customer.example>' },
      'It is back',
    );
    await eventually(async () => (await loadCaseByNumber(gw.store.db, c!.number))?.status === 'open', 10_000, 'reopened');
    await changeCase(await ctx(), { caseNumber: c!.number, status: 'solved', by: 'amy@solarmora.com' });
    await changeCase(await ctx(), { caseNumber: c!.number, status: 'closed', by: 'amy@solarmora.com' });
    const count = (await casesFrom('carol@customer.example')).length;
    await mail(
      'help@solarmora.com',
      'carol@customer.example',
      { Subject: `Re: [#${c!.number}] Printer on fire`, 'Message-Id': '<afterclose@customer.example>' },
      'Again',
    );
    await eventually(async () => (await casesFrom('carol@customer.example')).length === count + 1, 10_000, 'linked case');
    const links = await findLinkedCases(gw.store.db, c!.id);
    expect(links.some((l) => l.relation === 'follow-up')).toBe(true);
  });

  it("sends an agent's answer with threading headers and records it", async () => {
    // The second thread ("same subject, new thread") is still open.
    const [c] = (await casesFrom('carol@customer.example')).filter((x) => x.status === 'new').sort((a, b) => a.number - b.number);
    const r = await answerCase(await ctx(), { caseNumber: c!.number, body: 'We are on our way.', author: 'agent@solarmora.com', status: 'pending' });
    gw.node.runner?.wake();
    const sent = await sink.waitFor((m) => m.raw.includes('We are on our way.'), 10_000);
    const text = sent.raw.toString().replace(/\r\n[ \t]+/g, ' ');
    expect(text).toMatch(/^In-Reply-To: <[^>]+>/m);
    expect(text).toMatch(/^References: .*<fourth@customer\.example>/m);
    expect(text).toMatch(new RegExp(`^Subject: .*\\[#${c!.number}\\]`, 'm'));
    expect(text).toContain(r.messageId!);
    expect(text).not.toMatch(/^Auto-Submitted/m);
    expect((await loadCaseByNumber(gw.store.db, c!.number))!.status).toBe('pending');
    await answerCase(await ctx(), { caseNumber: c!.number, body: 'internal only', author: 'agent@solarmora.com', note: true });
    await new Promise((res) => setTimeout(res, 300));
    expect(sink.messages.some((m) => m.raw.includes('internal only'))).toBe(false);
  });

  it('opens 20 cases for 25 new mails from one sender within a minute and suspends the rest', async () => {
    for (let i = 0; i < 25; i++)
      await mail('help@solarmora.com', 'flood@customer.example', { Subject: `Flood ${i}`, 'Message-Id': `<flood-${i}@customer.example>` });
    await eventually(async () => (await listSuspended(gw.store.db)).filter((s) => s.from === 'flood@customer.example').length === 5, 20_000, '5 suspended');
    expect(await casesFrom('flood@customer.example')).toHaveLength(20);
  }, 60_000);

  it('stops a loop between the acknowledgement and an auto-replier', async () => {
    await mail('help@solarmora.com', 'bot@customer.example', { Subject: 'Start', 'Message-Id': '<bot-1@customer.example>' });
    const ack = await sink.waitFor((m) => m.rcptTo.includes('bot@customer.example'), 10_000);
    const ackId = /^Message-ID: (<[^>]+>)/im.exec(ack.raw.toString())![1]!;
    // The auto-replier answers the acknowledgement.
    await mail('help@solarmora.com', 'bot@customer.example', {
      Subject: 'Auto: Start',
      'In-Reply-To': ackId,
      'Auto-Submitted': 'auto-replied',
      'Message-Id': '<bot-2@customer.example>',
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(sink.messages.filter((m) => m.rcptTo.includes('bot@customer.example'))).toHaveLength(1);
    const [c] = await casesFrom('bot@customer.example');
    const msgs = await loadDeskMessages(gw.store.db, { caseId: c!.id });
    expect(msgs.some((m) => m.machineKind === 'auto-reply')).toBe(true);
  });

  it('verifies the Support channel through its rule, and fails with the reason without one', async () => {
    const ok = await verifyChannel(await ctx(), 'Support');
    expect(ok.state).toBe('pending');
    gw.node.runner?.wake();
    await eventually(
      async () => (await listDeskChannels(gw.store.db)).find((c) => c.name === 'Support')?.verification.state === 'verified',
      10_000,
      'verified',
    );
    await gw.apply(base(sink.port));
    const bad = await verifyChannel(await ctx(), 'Support');
    expect(bad.state).toBe('failed');
    expect(bad.detail).toMatch(/550 5\.1\.1/);
    const channels = await listDeskChannels(gw.store.db);
    await gw.apply(base(sink.port) + rules(channels[0]!.inboundAddresses[0]!.address, channels[1]!.inboundAddresses[0]!.address));
  });

  it('refuses a rotated-out inbound address with 550 5.1.1 and takes the new one', async () => {
    const before = (await listDeskChannels(gw.store.db)).find((c) => c.name === 'Sales')!;
    const old = before.inboundAddresses.find((a) => !a.retired)!.address;
    const r = await rotateChannel(await ctx(), 'Sales');
    expect(r.retired).toEqual([old]);
    const refused = await swaks(['--server', `127.0.0.1:${gw.smtpPort}`, '--from', 'x@customer.example', '--to', old, '--quit-after', 'RCPT']);
    expect(refused.lastReply).toMatch(/^550 5\.1\.1 /);
    const taken = await swaks(['--server', `127.0.0.1:${gw.smtpPort}`, '--from', 'x@customer.example', '--to', r.address, '--quit-after', 'RCPT']);
    expect(taken.lastReply).toMatch(/^250 /);
    // The sales rule follows the new address.
    const support = (await listDeskChannels(gw.store.db)).find((c) => c.name === 'Support')!;
    await gw.apply(base(sink.port) + rules(support.inboundAddresses.find((a) => !a.retired)!.address, r.address));
  });

  it('turns sales mail into a lead that is qualified and converted into contact, account and opportunity', async () => {
    await mail('sales@solarmora.com', 'dan@bigcorp.example', {
      From: 'Dan Buyer <dan@bigcorp.example>',
      Subject: 'Quote for 500 seats',
      'Message-Id': '<lead-1@bigcorp.example>',
    });
    const lead = await eventually(async () => (await listLeads(gw.store.db)).find((l) => l.email === 'dan@bigcorp.example'), 10_000, 'a lead');
    expect(lead.name).toBe('Dan Buyer');
    await mail('sales@solarmora.com', 'dan@bigcorp.example', { Subject: 'Also: training', 'Message-Id': '<lead-2@bigcorp.example>' });
    await eventually(async () => (await loadDeskMessages(gw.store.db, { leadId: lead.id })).length === 2, 10_000, 'threaded onto the lead');
    await actOnLead(await ctx(), { leadId: lead.id, action: 'qualify' });
    const conv = await actOnLead(await ctx(), { leadId: lead.id, action: 'convert', amount: 25_000 });
    expect(conv.status).toBe('converted');
    const stored = await loadConversion(gw.store.db, lead.id);
    expect(stored?.opportunity).toMatchObject({ amount: 25_000 });
    expect(stored?.contact).toMatchObject({ email: 'dan@bigcorp.example' });
    expect(stored?.account).toBeTruthy();
  });
});
