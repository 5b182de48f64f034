/**
 * Nothing taken in is lost from view: the email log (GET /api/messages with its outcome
 * filter, and the trace) finds mail the desk set aside, mail it could not process, mail
 * bounced after it was accepted and mail that expired, each with a reason a person can read,
 * however much mail came after it. A message that reuses a Message-ID shows so on its case.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeskChannels } from '../../src/store/index.js';
import { createApiToken } from '../../src/accounts/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const config = (sinkPort: number, support?: string) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test, example.net] }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
queue:
  retry: { firstRetry: 200ms, maxInterval: 300ms, giveUpAfter: 2s }
${
  support
    ? `defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${support} }
  - description: to a CRM queue that does not exist
    match: { single: gone@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: nobody@crm.test }
  - description: to a CRM that keeps saying later
    match: { single: busy@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: later@crm.test }
`
    : ''
}`;

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
type Logged = { id: string; deliveries: any[]; suspended: any[]; failed: any[] };

describe.each(DIALECTS)('the email log finds every outcome with its reason, on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;
  let smtp: nodemailer.Transporter;
  let token: string;
  const queued: Record<string, string> = {};

  const api = async (method: string, p: string) => {
    const res = await fetch(`http://127.0.0.1:${gw.node.httpPort}${p}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const send = async (to: string, from: string, raw: string | Buffer): Promise<string> => {
    const info = await smtp.sendMail({ envelope: { from, to: [to] }, raw });
    return /queued as (\S+)/.exec(info.response)![1]!;
  };
  const mail = (to: string, from: string, headers: string, text = 'Hello.') => send(to, from, `From: ${from}\r\nTo: ${to}\r\n${headers}\r\n\r\n${text}\r\n`);
  /** The newest message the log finds with this outcome: one result only, whatever came after it. */
  const newest = async (outcome: string): Promise<Logged> => {
    const r = await api('GET', `/api/messages?outcome=${outcome}&limit=1`);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
    return r.body.items[0];
  };
  const settled = (qid: string, status: string) =>
    eventually(
      async () => {
        const r = await api('GET', `/api/messages/${qid}/trace`);
        return r.status === 200 && r.body.message.deliveries.every((d: { status: string }) => d.status === status) && r.body;
      },
      20_000,
      `${qid} ${status}`,
    );

  beforeAll(async () => {
    sink = await startSink({
      reply: (rcpt) =>
        rcpt === 'nobody@crm.test'
          ? { code: 550, message: '5.1.1 no such queue here' }
          : rcpt === 'later@crm.test'
            ? { code: 451, message: '4.3.0 try again later' }
            : null,
    });
    gw = await startTestNode({ dialect, config: config(sink.port), roles: ['inbound', 'queue', 'web'] });
    const [support] = await listDeskChannels(gw.store.db);
    await gw.apply(config(sink.port, support!.inboundAddresses[0]!.address));
    token = (await createApiToken(gw.store.db, { name: 'log-reader', role: 'admin', now: Date.now() })).token;
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: gw.smtpPort, secure: false, ignoreTLS: true, name: 'client.example.net' });

    // Each outcome once, in this order; then ordinary mail, so none of them is among the newest.
    queued.suspended = await mail('help@solarmora.com', 'away@example.net', 'Subject: Out of office\r\nAuto-Submitted: auto-replied');
    await settled(queued.suspended, 'delivered');
    // The desk cannot store a Gmail forwarding confirmation while its table is away: a fault, not an outage.
    await gw.store.db.schema.alterTable('desk_confirmations').renameTo('desk_confirmations_away').execute();
    try {
      const confirmation = readFileSync(path.resolve(import.meta.dirname, '../fixtures/eml/gmail-forwarding-confirmation.eml'));
      queued.failed = await send('help@solarmora.com', 'forwarding-noreply@google.com', confirmation);
      await settled(queued.failed, 'delivered');
    } finally {
      await gw.store.db.schema.alterTable('desk_confirmations_away').renameTo('desk_confirmations').execute();
    }
    queued.bounced = await mail('gone@solarmora.com', 'bounced@example.net', 'Subject: To a queue that is gone');
    queued.expired = await mail('busy@solarmora.com', 'expired@example.net', 'Subject: To a busy CRM');
    await settled(queued.bounced, 'bounced');
    await settled(queued.expired, 'expired');
    for (let i = 0; i < 6; i++) await mail('help@solarmora.com', 'newer@example.net', `Subject: Newer ${i}\r\nMessage-ID: <newer-${i}@example.net>`);
    await eventually(
      async () => (await api('GET', '/api/messages?sender=newer%40&outcome=delivered')).body.items.length === 6,
      20_000,
      'the newer mail delivered',
    );
  }, 90_000);
  afterAll(async () => {
    smtp?.close();
    await gw?.stop();
    await sink?.stop();
  });

  it('finds mail the desk set aside, with the reason and its detail, in the list and in the trace', async () => {
    const m = await newest('suspended');
    expect(m.id).toBe(queued.suspended);
    expect(m.suspended).toEqual([expect.objectContaining({ reason: 'auto-reply', state: 'suspended', detail: expect.stringMatching(/auto-replied/i) })]);
    expect(m.deliveries[0].lastReply).toMatch(/^suspended \(auto-reply\): .*auto-replied/i);
    const trace = (await api('GET', `/api/messages/${m.id}/trace`)).body;
    expect(trace.message.suspended[0].reason).toBe('auto-reply');
    expect(trace.steps.find((s: { code: string }) => s.code === 'queue.delivered').summary).toMatch(/suspended \(auto-reply\): /);

    // Recovered, it is still found, and says so.
    expect((await api('POST', `/api/suspended/${m.suspended[0].id}/recover`)).status).toBe(200);
    expect((await newest('suspended')).suspended[0].state).toBe('recovered');
  });

  it('finds mail the desk could not process, with the error', async () => {
    const m = await newest('failed');
    expect(m.id).toBe(queued.failed);
    expect(m.failed).toEqual([expect.objectContaining({ state: 'failed', error: expect.stringMatching(/desk_confirmations/) })]);
    expect(m.deliveries[0].lastReply).toMatch(/^desk could not process it: .*desk_confirmations.*kept as failed #\d+/);
  });

  it("finds mail bounced after it was accepted, with the next hop's reply", async () => {
    const m = await newest('bounced');
    expect(m.id).toBe(queued.bounced);
    expect(m.deliveries).toEqual([
      expect.objectContaining({ recipient: 'nobody@crm.test', status: 'bounced', lastReply: expect.stringContaining('550 5.1.1 no such queue here') }),
    ]);
    const trace = (await api('GET', `/api/messages/${m.id}/trace`)).body;
    expect(trace.steps.find((s: { code: string }) => s.code === 'queue.bounced').summary).toContain('550 5.1.1 no such queue here');
  });

  it('finds mail that expired, with the last reply and that it expired', async () => {
    const m = await newest('expired');
    expect(m.id).toBe(queued.expired);
    expect(m.deliveries).toEqual([
      expect.objectContaining({ recipient: 'later@crm.test', status: 'expired', lastReply: expect.stringContaining('451 4.3.0 try again later') }),
    ]);
    expect(m.deliveries[0].attempts).toBeGreaterThan(1);
    const trace = (await api('GET', `/api/messages/${m.id}/trace`)).body;
    expect(trace.steps.find((s: { code: string }) => s.code === 'queue.expired').summary).toMatch(/expired after \d+ attempts: .*451 4\.3\.0 try again later/);
  });

  it('shows a message that reuses a Message-ID as such on its case, and the log finds both by that Message-ID', async () => {
    const id = '<reused@tickets.example.net>';
    const first = await mail(
      'help@solarmora.com',
      'tickets@example.net',
      `Subject: Ticket 1 opened\r\nMessage-ID: ${id}\r\nDate: Tue, 14 Jan 2025 10:00:00 +0000`,
    );
    const second = await mail(
      'help@solarmora.com',
      'tickets@example.net',
      `Subject: Ticket 2 opened\r\nMessage-ID: ${id}\r\nDate: Tue, 14 Jan 2025 10:05:00 +0000`,
    );
    await settled(first, 'delivered');
    const trace = await settled(second, 'delivered');
    const [caseOfSecond] = trace.desk;
    expect(caseOfSecond.effect).toBe('new-case');
    const c = (await api('GET', `/api/cases/${caseOfSecond.caseNumber}`)).body;
    expect(c.messages).toEqual([expect.objectContaining({ subject: 'Ticket 2 opened', messageId: id, messageIdReused: true })]);
    const found = (await api('GET', `/api/messages?messageId=${encodeURIComponent('reused@tickets')}`)).body.items.map((m: Logged) => m.id);
    expect(found.sort()).toEqual([first, second].sort());
  });
});
