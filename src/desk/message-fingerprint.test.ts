import { describe, expect, it } from 'vitest';
import { fingerprintMessage } from './message-fingerprint.js';
import { parseInboundMessage } from './parse-message.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Parts {
  travel: string;
  from: string;
  to: string;
  cc: string;
  subject: string;
  date: string;
  text: string;
  html: string;
  attachment: { name: string; type: string; bytes: string };
}

const BASE: Parts = {
  travel: '',
  from: 'Ticket System <noreply@tickets.example>',
  to: 'help@solarmora.com',
  cc: 'ops@customer.example',
  subject: 'Ticket updated',
  date: 'Tue, 14 Jan 2025 10:15:00 +0900',
  text: 'Status: open',
  html: '<p>Status: <b>open</b></p>',
  attachment: { name: 'report.csv', type: 'text/csv', bytes: 'a,b\n1,2\n' },
};

/** One message as it arrives, with its Message-ID reused on purpose: only the content differs. */
function mail(over: Partial<Parts> = {}): Buffer {
  const p = { ...BASE, ...over };
  return Buffer.from(
    `${p.travel}From: ${p.from}\r\nTo: ${p.to}\r\nCc: ${p.cc}\r\nSubject: ${p.subject}\r\nDate: ${p.date}\r\nMessage-ID: <ticket@tickets.example>\r\n` +
      'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n' +
      '--m\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n' +
      `--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${p.text}\r\n` +
      `--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${p.html}\r\n--a--\r\n` +
      `--m\r\nContent-Type: ${p.attachment.type}\r\nContent-Disposition: attachment; filename="${p.attachment.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(p.attachment.bytes)}\r\n--m--\r\n`,
  );
}

const fingerprintOf = async (raw: Buffer) => fingerprintMessage(await parseInboundMessage(raw));

describe('fingerprintMessage', () => {
  it('is the same for the same message however it travelled', async () => {
    const first = await fingerprintOf(mail());
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Sent again by the customer's server: new Received fields, another route, another envelope.
    const travel =
      'Received: from mx2.customer.example (mx2.customer.example [192.0.2.9]) by gw.solarmora.com; Wed, 15 Jan 2025 00:00:01 +0000\r\n' +
      'Delivered-To: support@v1su0245ewejzhe7.case.relaydesk.test\r\nX-Original-To: help@solarmora.com\r\nReturn-Path: <bounces@tickets.example>\r\n';
    expect(await fingerprintOf(mail({ travel }))).toBe(first);
  });

  it.each<[string, Partial<Parts>]>([
    ['their sender', { from: 'Ticket System <noreply@other.example>' }],
    ["their sender's name", { from: 'Other System <noreply@tickets.example>' }],
    ['their recipients', { to: 'sales@solarmora.com' }],
    ['their copy recipients', { cc: 'ops@customer.example, boss@customer.example' }],
    ['their subject', { subject: 'Ticket closed' }],
    ['their date', { date: 'Tue, 14 Jan 2025 10:16:00 +0900' }],
    ['their text', { text: 'Status: closed' }],
    ['their HTML', { html: '<p>Status: <b>closed</b></p>' }],
    ["an attachment's name", { attachment: { ...BASE.attachment, name: 'report-2.csv' } }],
    ["an attachment's type", { attachment: { ...BASE.attachment, type: 'text/plain' } }],
    ["an attachment's size", { attachment: { ...BASE.attachment, bytes: 'a,b\n1,2\n3,4\n' } }],
  ])('tells two messages apart by %s', async (_what, over) => {
    expect(await fingerprintOf(mail(over))).not.toBe(await fingerprintOf(mail()));
  });

  it("reads an attachment's name, type and size, never its bytes", async () => {
    expect(await fingerprintOf(mail({ attachment: { ...BASE.attachment, bytes: 'x,y\n9,9\n' } }))).toBe(await fingerprintOf(mail()));
  });

  it('tells two messages apart by an attachment the limits left out', async () => {
    const parsed = await parseInboundMessage(mail());
    const without = fingerprintMessage({ ...parsed, omitted: [] });
    expect(fingerprintMessage({ ...parsed, omitted: [{ filename: 'huge.iso', size: 900_000_000 }] })).not.toBe(without);
  });
});
