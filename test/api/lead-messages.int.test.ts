/**
 * A lead's HTML frame and attachments over the API: the same guarantees as a case's (own CSP,
 * remote images parked until asked, attachments always downloads), and a lead's path serves
 * only that lead's messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swaks } from '../support/swaks.js';
import { eventually } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

const FILENAME = '見積.svg';
const ATTACHMENT = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';

const encodedWord = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

/** An HTML sales mail with a tracking image, a script and an attachment whose name is not ASCII. */
const salesMail = (from: string, subject: string) =>
  [
    `From: ${from}`,
    'To: sales@solarmora.com',
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="part"',
    '',
    '--part',
    'Content-Type: text/html; charset=UTF-8',
    '',
    '<p>Please quote. <img src="https://tracker.example/open.gif"></p><script>alert(1)</script>',
    '--part',
    `Content-Type: image/svg+xml; name="${encodedWord(FILENAME)}"`,
    `Content-Disposition: attachment; filename="${encodedWord(FILENAME)}"`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(ATTACHMENT).toString('base64'),
    '--part--',
    '',
  ].join('\r\n');

interface Seen {
  leadId: number;
  messageId: number;
  attachmentId: number;
}

describe("a lead's mail frame and attachments", () => {
  let n: ApiNode;
  let first: Seen;
  let second: Seen;

  const get = (path: string, token: string | null = n.agent) =>
    fetch(`${n.base}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  const send = async (from: string, subject: string): Promise<Seen> => {
    const r = await swaks(['--server', `127.0.0.1:${n.gw.smtpPort}`, '--from', from, '--to', 'sales@solarmora.com', '--data', '-'], {
      input: salesMail(from, subject),
    });
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const lead = await eventually(
      async () => (await n.call('GET', '/api/leads')).body.items.find((l: { email: string }) => l.email === from),
      10_000,
      `the lead of ${from}`,
    );
    const m = (await n.call('GET', `/api/leads/${lead.id}`)).body.messages[0];
    return { leadId: lead.id, messageId: m.id, attachmentId: m.attachments[0].id };
  };

  beforeAll(async () => {
    n = await startApiNode('sqlite');
    first = await send('ann@customer.example', 'Quote, please');
    second = await send('bob@customer.example', 'Another quote');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('serves the frame with its own CSP, the remote image parked until ?images=1, and no script', async () => {
    const base = `/api/leads/${first.leadId}/messages/${first.messageId}/frame`;
    const blocked = await get(base);
    expect(blocked.status).toBe(200);
    expect(blocked.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(blocked.headers.get('content-security-policy')).toBe(
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    );
    expect(blocked.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(blocked.headers.get('cache-control')).toBe('no-store');
    const blockedBody = await blocked.text();
    expect(blockedBody).toContain('Please quote.');
    expect(blockedBody).toContain('data-remote-src="https://tracker.example/open.gif"');
    expect(blockedBody).not.toMatch(/\ssrc="https:/);
    expect(blockedBody).not.toContain('<script');

    const allowed = await get(`${base}?images=1`);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('content-security-policy')).toContain('img-src https: http: data:');
    expect(allowed.headers.get('content-security-policy')).not.toContain('script-src');
    const allowedBody = await allowed.text();
    expect(allowedBody).toMatch(/\ssrc="https:\/\/tracker\.example\/open\.gif"/);
    expect(allowedBody).not.toContain('<script');
  });

  it('serves an attachment as a download with a safe name, byte for byte', async () => {
    const res = await get(`/api/leads/${first.leadId}/messages/${first.messageId}/attachments/${first.attachmentId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="__.svg"; filename*=UTF-8''${encodeURIComponent(FILENAME)}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(await res.text()).toBe(ATTACHMENT);
  });

  it("answers 404 for a message or attachment that is not that lead's", async () => {
    const paths = [
      // The second lead's message and attachment, asked for through the first lead.
      `/api/leads/${first.leadId}/messages/${second.messageId}/frame`,
      `/api/leads/${first.leadId}/messages/${second.messageId}/attachments/${second.attachmentId}`,
      `/api/leads/${first.leadId}/messages/${first.messageId}/attachments/${second.attachmentId}`,
      // No such lead, message or attachment, and ids that are not ids.
      `/api/leads/999999/messages/${first.messageId}/frame`,
      `/api/leads/${first.leadId}/messages/999999/frame`,
      `/api/leads/${first.leadId}/messages/${first.messageId}/attachments/999999`,
      `/api/leads/x/messages/${first.messageId}/frame`,
      `/api/leads/${first.leadId}/messages/1e3/attachments/${first.attachmentId}`,
    ];
    for (const path of paths) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      const problem = (await res.json()) as { code: string; error: string };
      expect(problem.code, path).toBe('NOT_FOUND');
      // Refused by the route itself, not by the API's answer for an unknown endpoint.
      expect(problem.error, path).toMatch(/^no (lead|message|attachment) /);
    }
    expect((await get(`/api/leads/${second.leadId}/messages/${second.messageId}/attachments/${second.attachmentId}`)).status).toBe(200);
  });

  it("keeps cases and leads apart: neither path serves the other's messages", async () => {
    await n.mail('help@solarmora.com', 'carol@customer.example', { Subject: 'Support, not sales' }, 'Help!');
    const c = await eventually(async () => (await n.call('GET', '/api/cases?search=Support%2C%20not%20sales')).body.items[0], 10_000, 'the case');
    const caseMessage = (await n.call('GET', `/api/cases/${c.number}`)).body.messages[0];
    expect((await get(`/api/cases/${c.number}/messages/${caseMessage.id}/frame`)).status).toBe(200);
    expect((await get(`/api/leads/${first.leadId}/messages/${caseMessage.id}/frame`)).status).toBe(404);
    expect((await get(`/api/cases/${c.number}/messages/${first.messageId}/frame`)).status).toBe(404);
    expect((await get(`/api/cases/${c.number}/messages/${first.messageId}/attachments/${first.attachmentId}`)).status).toBe(404);
  });

  it('answers 401 without a valid token, before saying whether anything exists', async () => {
    const frame = `/api/leads/${first.leadId}/messages/${first.messageId}/frame`;
    const attachment = `/api/leads/${first.leadId}/messages/${first.messageId}/attachments/${first.attachmentId}`;
    for (const path of [frame, attachment, '/api/leads/999999/messages/1/frame', '/api/leads/999999/messages/1/attachments/1']) {
      for (const token of [null, 'rd_not-a-token']) {
        const res = await get(path, token);
        expect(res.status, `${path} with ${token ?? 'no token'}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="relaydesk"');
        expect(await res.text()).not.toContain('svg');
      }
    }
  });

  it('serves both roles, as desk.read allows every role today (no principal gets 403 here)', async () => {
    const attachment = `/api/leads/${first.leadId}/messages/${first.messageId}/attachments/${first.attachmentId}`;
    expect((await get(attachment, n.admin)).status).toBe(200);
    expect((await get(attachment, n.agent)).status).toBe(200);
  });

  it('notes on the lead which address a bounce of its thread names', async () => {
    const from = 'buyer-bounce@customer.example';
    await n.mail('sales@solarmora.com', from, { Subject: 'Quote please', 'Message-Id': '<lead-bounce-1@customer.example>' }, 'A quote for 10, please.');
    const lead = await eventually(
      async () => (await n.call('GET', '/api/leads')).body.items.find((l: { email: string }) => l.email === from),
      10_000,
      'the lead',
    );
    const dsn = [
      'From: Mail Delivery System <mailer-daemon@customer.example>',
      'To: sales@solarmora.com',
      'Subject: Undelivered Mail Returned to Sender',
      'In-Reply-To: <lead-bounce-1@customer.example>',
      'References: <lead-bounce-1@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
      '',
      '--dsn',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--dsn',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.example',
      '',
      'Final-Recipient: rfc822; gone@customer.example',
      'Action: failed',
      'Status: 5.1.1',
      '--dsn--',
      '',
    ].join('\r\n');
    const r = await swaks(
      ['--server', `127.0.0.1:${n.gw.smtpPort}`, '--from', 'mailer-daemon@customer.example', '--to', 'sales@solarmora.com', '--data', '-'],
      { input: dsn },
    );
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const queueId = /queued as ([0-9A-Z]+)/.exec(r.lastReply ?? '')?.[1];
    const note = await eventually(
      async () => (await n.call('GET', `/api/leads/${lead.id}`)).body.messages.find((m: { direction: string }) => m.direction === 'note'),
      10_000,
      'the note on the lead',
    );
    expect(note.text).toContain('gone@customer.example');
    expect((await n.call('GET', `/api/leads/${lead.id}`)).body.status).toBe('new');
    // The bounce's trace leads to the lead, not to a case that happens to share its id.
    const trace = await n.call('GET', `/api/messages/${queueId}/trace`);
    expect(trace.body.desk).toEqual([{ channel: 'Sales', effect: 'attach-machine-mail', caseNumber: null, leadId: String(lead.id) }]);
  });
});
