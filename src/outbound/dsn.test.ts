import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { renderDsn, rfc5322Date, type DsnInput } from './dsn.js';

const originalHeaders = Buffer.from(
  'Received: from client\r\nFrom: Alice <alice@foreign.example>\r\nTo: help@solarmora.com\r\nSubject: Printer on fire\r\nMessage-ID: <orig-1@foreign.example>\r\n\r\n',
);

const input: DsnInput = {
  reportingMta: 'gw.solarmora.com',
  from: 'postmaster@gw.solarmora.com',
  to: 'alice@foreign.example',
  queueId: 'Q123ABC',
  arrivalDate: new Date('2026-03-01T10:00:00Z'),
  now: new Date('2026-03-01T10:05:00Z'),
  messageId: '<q123abc.dsn@gw.solarmora.com>',
  recipients: [
    {
      finalRecipient: 'support@crm.test',
      originalRecipient: 'help@solarmora.com',
      action: 'failed',
      status: '5.1.1',
      remoteMta: 'mx.crm.test',
      diagnostic: 'smtp; 550 5.1.1 <support@crm.test>: Recipient address rejected',
    },
    { finalRecipient: 'sales@crm.test', action: 'delayed', status: '4.4.1', diagnostic: '127.0.0.1: connection refused' },
  ],
  originalHeaders,
};

function parts(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1] ?? '';
  return text.split(`--${boundary}`);
}

describe('renderDsn', () => {
  it('is a multipart/report a mail parser reads back', async () => {
    const raw = renderDsn(input);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(parsed.messageId).toBe('<q123abc.dsn@gw.solarmora.com>');
    expect(parsed.date?.toISOString()).toBe('2026-03-01T10:05:00.000Z');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    const ct = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(ct.value).toBe('multipart/report');
    expect(ct.params['report-type']).toBe('delivery-status');
    expect(parsed.from?.value[0]?.address).toBe('postmaster@gw.solarmora.com');
    expect((parsed.to as { value: { address: string }[] }).value[0]?.address).toBe('alice@foreign.example');
    expect(parsed.text).toContain('could not be delivered');
    expect(parsed.text).toContain('<support@crm.test>: failed, status 5.1.1 (remote host mx.crm.test)');
    expect(parsed.text).toContain('check it for typing errors');
    expect(parsed.text).toContain('<sales@crm.test>: delayed');
    expect(parsed.text).toContain('will be retried');
  });

  it('has exactly three parts in RFC 3464 order, with the fields a reader needs', () => {
    const p = parts(renderDsn(input));
    expect(p).toHaveLength(5); // preamble, 3 parts, closing "--"
    expect(p[1]).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(p[2]).toMatch(/Content-Type: message\/delivery-status/);
    expect(p[3]).toMatch(/Content-Type: text\/rfc822-headers/);
    expect(p[4]).toBe('--\r\n');
    const status = p[2] ?? '';
    expect(status).toContain('Reporting-MTA: dns; gw.solarmora.com\r\n');
    expect(status).toContain(`Arrival-Date: ${rfc5322Date(input.arrivalDate)}\r\n`);
    expect(status).toContain(
      '\r\n\r\nOriginal-Recipient: rfc822; help@solarmora.com\r\nFinal-Recipient: rfc822; support@crm.test\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.crm.test\r\nDiagnostic-Code: smtp; 550 5.1.1 <support@crm.test>: Recipient address rejected\r\n',
    );
    expect(status).toContain(
      'Final-Recipient: rfc822; sales@crm.test\r\nAction: delayed\r\nStatus: 4.4.1\r\nDiagnostic-Code: smtp; 127.0.0.1: connection refused\r\n',
    );
    expect(p[3]).toContain('Subject: Printer on fire\r\nMessage-ID: <orig-1@foreign.example>\r\n');
    expect(p[3]).not.toMatch(/\r\n\r\n\r\n/);
  });

  it('says "delayed" in the subject when nothing failed', async () => {
    const raw = renderDsn({ ...input, recipients: [{ finalRecipient: 'a@b.example', action: 'delayed', status: '4.4.1' }] });
    expect((await simpleParser(raw)).subject).toBe('Delayed Mail (still being retried)');
  });

  it('keeps remote text from injecting fields or parts', () => {
    const raw = renderDsn({
      ...input,
      recipients: [{ finalRecipient: 'x@y.example\r\nAction: delivered', action: 'failed', status: '5.0.0', diagnostic: 'smtp; 550 no\r\n\r\n--fake' }],
    }).toString('latin1');
    expect(raw).not.toContain('\r\nAction: delivered');
    expect(raw).not.toMatch(/^--fake/m);
  });

  it('is deterministic for the same input (pure)', () => {
    expect(renderDsn(input).equals(renderDsn(input))).toBe(true);
  });

  it('sends UTF-8 addresses as 8bit in the report and base64 in the text', async () => {
    const raw = renderDsn({ ...input, recipients: [{ finalRecipient: 'josé@exämple.test', action: 'failed', status: '5.1.1' }] });
    const p = parts(raw);
    expect(p[1]).toContain('Content-Transfer-Encoding: base64');
    expect(p[2]).toContain('Content-Transfer-Encoding: 8bit');
    expect((await simpleParser(raw)).text).toContain('<josé@exämple.test>: failed');
  });
});
