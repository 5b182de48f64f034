/**
 * One message, one effect — and no message lost to a reused Message-ID. Through a real node
 * (SMTP in, the queue, the desk): the same message delivered twice, by the queue or sent again
 * by the customer's server, is one case with one message; a different message that comes with
 * a Message-ID already used (broken mailers, list software, ticket systems) is kept, on the
 * case or lead it belongs to or as a case of its own, and marked as reusing the ID.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCases, listDeskChannels, listLeads, loadDeliveries, loadDeskMessages, type CaseRow, type DeskMessageRow } from '../../src/store/index.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const base = `
domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
    - { name: Sales, kind: sales, publicAddress: sales@solarmora.com, autoAcknowledge: false }
`;
const withRules = (support: string, sales: string) => `${base}
defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${support} }
  - description: sales to the desk
    match: { single: sales@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${sales} }
`;

interface Mail {
  from: string;
  to?: string;
  subject: string;
  messageId: string;
  text: string;
  date?: string;
  extra?: string;
}

const rawOf = (m: Mail) =>
  Buffer.from(
    `${m.extra ?? ''}From: ${m.from}\r\nTo: ${m.to ?? 'help@solarmora.com'}\r\nSubject: ${m.subject}\r\nDate: ${m.date ?? 'Tue, 14 Jan 2025 10:15:00 +0900'}\r\n` +
      `Message-ID: ${m.messageId}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${m.text}\r\n`,
  );

describe.each(DIALECTS)('a Message-ID used twice, on %s', (dialect) => {
  let gw: TestNode;
  let smtp: nodemailer.Transporter;

  /** Sends raw bytes as they are; resolves to the queue id. */
  const send = async (raw: Buffer, envelope: { from: string; to: string }): Promise<string> => {
    const info = await smtp.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw });
    const qid = /queued as (\S+)/.exec(info.response)?.[1];
    if (!qid) throw new Error(`not queued: ${info.response}`);
    return qid;
  };
  const sendMail = (m: Mail) => send(rawOf(m), { from: /<([^>]+)>/.exec(m.from)?.[1] ?? m.from, to: m.to ?? 'help@solarmora.com' });
  /** The desk's delivery of a message once the queue has recorded it, with the intake's line as its reply. */
  const deskDelivery = (qid: string, attempts = 1) =>
    eventually(
      async () => (await loadDeliveries(gw.store.db, qid)).find((d) => d.transport === 'desk' && d.status === 'delivered' && d.attempts === attempts),
      15_000,
      `the desk's delivery of ${qid}`,
    );
  const casesOf = async (address: string): Promise<CaseRow[]> => (await listCases(gw.store.db, { limit: 500 })).filter((c) => c.requester.address === address);
  const incoming = async (caseId: number): Promise<DeskMessageRow[]> => (await loadDeskMessages(gw.store.db, { caseId })).filter((m) => m.direction === 'in');

  beforeAll(async () => {
    gw = await startTestNode({ dialect, config: base });
    const channels = await listDeskChannels(gw.store.db);
    const inbound = (name: string) => channels.find((c) => c.name === name)!.inboundAddresses[0]!.address;
    await gw.apply(withRules(inbound('Support'), inbound('Sales')));
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: gw.smtpPort, secure: false, ignoreTLS: true, name: 'mx1.customer.example' });
  });
  afterAll(async () => {
    smtp?.close();
    await gw?.stop();
  });

  const first: Mail = {
    from: 'Carol <carol@customer.example>',
    subject: 'Printer on fire',
    messageId: '<ticket-7@tickets.customer.example>',
    text: 'It is smoking.',
  };

  it('gives the same message delivered again by the queue (same queue id) no second case and no second message', async () => {
    const qid = await sendMail(first);
    expect((await deskDelivery(qid)).lastReply).toMatch(/^opened case #\d+/);
    // A node that dies holding the delivery's lease: the queue takes it back and delivers the same stored message again.
    const [d] = (await loadDeliveries(gw.store.db, qid)).filter((x) => x.transport === 'desk');
    await gw.store.db
      .updateTable('deliveries')
      .set({ status: 'deferred', next_attempt_at: Date.now(), lease_until: null, lease_owner: null })
      .where('id', '=', d!.id)
      .execute();
    gw.node.runner?.wake();
    expect((await deskDelivery(qid, 2)).lastReply).toMatch(/^duplicate of an earlier intake/);
    const cases = await casesOf('carol@customer.example');
    expect(cases).toHaveLength(1);
    const msgs = await incoming(cases[0]!.id);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.messageIdReused).toBe(false);
  });

  it("gives the same message sent again by the customer's server (new Received fields, new queue id) no second case and no second message", async () => {
    const again = rawOf({
      ...first,
      extra: 'Received: from mx2.customer.example (mx2.customer.example [192.0.2.9]) by mx1.customer.example; Tue, 14 Jan 2025 01:20:00 +0000\r\n',
    });
    const qid = await send(again, { from: 'carol@customer.example', to: 'help@solarmora.com' });
    expect((await deskDelivery(qid)).lastReply).toMatch(/^duplicate of an earlier intake/);
    const cases = await casesOf('carol@customer.example');
    expect(cases).toHaveLength(1);
    expect(await incoming(cases[0]!.id)).toHaveLength(1);
  });

  it('keeps a different message under a Message-ID already used as a case of its own, marked as reusing it', async () => {
    const firstQid = (await gw.store.db.selectFrom('desk_messages').select('queue_id').where('message_id', '=', first.messageId).executeTakeFirstOrThrow())
      .queue_id!;
    const other: Mail = {
      from: 'Dave <dave@customer.example>',
      subject: 'Invoice 2025-01',
      messageId: first.messageId,
      text: 'Please send the invoice again.',
    };
    const qid = await sendMail(other);
    const reply = (await deskDelivery(qid)).lastReply!;
    expect(reply).toMatch(/^opened case #\d+/);
    expect(reply).toContain(`its Message-ID ${first.messageId} was already used by a different message (${firstQid})`);
    const [c] = await casesOf('dave@customer.example');
    const [m] = await incoming(c!.id);
    expect(m).toMatchObject({ subject: 'Invoice 2025-01', messageId: first.messageId, messageIdReused: true });

    // A copy of this second message is known as well: still one case for Dave, one message.
    const copy = await sendMail(other);
    expect((await deskDelivery(copy)).lastReply).toMatch(/^duplicate of an earlier intake/);
    expect(await casesOf('dave@customer.example')).toHaveLength(1);
    expect(await incoming(c!.id)).toHaveLength(1);
  });

  it('adds a different message under a reused Message-ID to the case it names, marked', async () => {
    const [c] = await casesOf('carol@customer.example');
    const qid = await sendMail({ ...first, subject: `Re: [#${c!.number}] Printer on fire`, text: 'Now it is out.', date: 'Tue, 14 Jan 2025 11:00:00 +0900' });
    expect((await deskDelivery(qid)).lastReply).toMatch(
      new RegExp(`^appended to case #${c!.number} \\(subject-token\\).*was already used by a different message`),
    );
    expect(await casesOf('carol@customer.example')).toHaveLength(1);
    const msgs = await incoming(c!.id);
    expect(msgs.map((m) => [m.text.trim(), m.messageIdReused])).toEqual([
      ['It is smoking.', false],
      ['Now it is out.', true],
    ]);
  });

  it('adds a different message under a reused Message-ID to the open lead of its sender, marked', async () => {
    const lead: Mail = {
      from: 'Erin Buyer <erin@bigcorp.example>',
      to: 'sales@solarmora.com',
      subject: 'Quote for 50 seats',
      messageId: '<form@webform.bigcorp.example>',
      text: 'How much?',
    };
    await deskDelivery(await sendMail(lead));
    const qid = await sendMail({ ...lead, subject: 'Quote for 80 seats', text: 'Make that 80.' });
    expect((await deskDelivery(qid)).lastReply).toMatch(/^appended to lead \d+ \(sender\).*was already used by a different message/);
    const leads = (await listLeads(gw.store.db)).filter((l) => l.email === 'erin@bigcorp.example');
    expect(leads).toHaveLength(1);
    const msgs = await loadDeskMessages(gw.store.db, { leadId: leads[0]!.id });
    expect(msgs.map((m) => [m.subject, m.messageIdReused])).toEqual([
      ['Quote for 50 seats', false],
      ['Quote for 80 seats', true],
    ]);
  });
});
