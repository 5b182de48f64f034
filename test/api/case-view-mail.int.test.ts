/**
 * A case's mail as it was sent: inline `cid:` images from the message's own attachments in
 * its frame (and nothing else), To and Cc, the original headers on demand, and the name each
 * attachment was sent under.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, eventually } from '../support/relaydesk.js';
import { swaks } from '../support/swaks.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
/** A red pixel: not the frame's own placeholder for a blocked remote image. */
const GIF = 'R0lGODlhAQABAPAAAP8AAP///yH5BAAAAAAALAAAAAABAAEAAAICRAEAOw==';
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64');
const PAGE = Buffer.from('<html><body>not an image</body></html>').toString('base64');

/** A multipart/related message: the HTML first, then each part with its own headers, base64. */
function related(
  headers: Record<string, string>,
  html: string,
  parts: { type: string; cid?: string; name: string; base64: string; disposition?: string }[],
): string {
  const b = 'rel-boundary-1';
  return [
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    ...parts.flatMap((p) => [
      `--${b}`,
      `Content-Type: ${p.type}; name="${p.name}"`,
      'Content-Transfer-Encoding: base64',
      ...(p.cid ? [`Content-ID: <${p.cid}>`] : []),
      `Content-Disposition: ${p.disposition ?? 'inline'}; filename="${p.name}"`,
      '',
      p.base64,
    ]),
    `--${b}--`,
    '',
  ].join('\r\n');
}

describe.each(DIALECTS)('the case view of HTML mail on %s', (dialect) => {
  let n: ApiNode;
  let first: {
    number: number;
    message: { id: number; to: string[]; cc: string[]; attachments: { id: number; filename: string; originalFilename: string | null; contentType: string }[] };
  };
  let second: { number: number; messageId: number };

  const frame = (caseNumber: number, messageId: number, token: string | null = n.agent) =>
    fetch(`${n.base}/api/cases/${caseNumber}/messages/${messageId}/frame`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  const caseWith = async (subject: string) => {
    const c = await eventually(async () => (await n.call('GET', `/api/cases?search=${encodeURIComponent(subject)}`)).body.items[0], 10_000, subject);
    return (await n.call('GET', `/api/cases/${c.number}`)).body;
  };

  beforeAll(async () => {
    n = await startApiNode(dialect);
    const send = async (from: string, raw: string) => {
      const r = await swaks(['--server', `127.0.0.1:${n.gw.smtpPort}`, '--from', from, '--to', 'help@solarmora.com', '--data', '-'], { input: raw });
      expect(r.lastReply).toMatch(/^250 /);
    };
    await send(
      'ann@customer.example',
      related(
        { From: 'ann@customer.example', To: 'help@solarmora.com', Subject: 'Other case image' },
        '<p>Theirs <img src="cid:theirs@customer.example"></p>',
        [{ type: 'image/gif', cid: 'theirs@customer.example', name: 'theirs.gif', base64: GIF }],
      ),
    );
    const other = await caseWith('Other case image');
    second = { number: other.number, messageId: other.messages[0].id };
    await send(
      'bob@customer.example',
      related(
        {
          From: 'bob@customer.example',
          To: 'help@solarmora.com, sales@solarmora.com',
          Cc: 'carol@customer.example, dave@customer.example',
          Subject: 'Inline image',
        },
        [
          '<p>Logo <img alt="logo" src="cid:logo%40customer.example"></p>',
          '<p>Page <img alt="page" src="cid:page@customer.example"></p>',
          '<p>Svg <img alt="svg" src="cid:svg@customer.example"></p>',
          '<p>Theirs <img alt="theirs" src="cid:theirs@customer.example"></p>',
          '<p>Unknown <img alt="unknown" src="cid:nowhere@customer.example"></p>',
          '<p>Remote <img src="https://tracker.example/p.gif"></p>',
        ].join('\n'),
        [
          { type: 'image/png', cid: 'logo@customer.example', name: 'logo.png', base64: PNG },
          { type: 'text/html', cid: 'page@customer.example', name: 'page.html', base64: PAGE, disposition: 'attachment' },
          { type: 'image/svg+xml', cid: 'svg@customer.example', name: 'drawing.svg', base64: SVG },
          { type: 'application/pdf', name: '../../reports/naïve report.pdf', base64: PNG, disposition: 'attachment' },
        ],
      ),
    );
    const c = await caseWith('Inline image');
    first = { number: c.number, message: c.messages.find((m: { attachments: unknown[] }) => m.attachments.length > 0) };
  });
  afterAll(async () => {
    await n?.stop();
  });

  it("shows each cid: image that is one of the message's own image attachments, and no other", async () => {
    const res = await frame(first.number, first.message.id);
    expect(res.status).toBe(200);
    // The frame's policy is as strict as before: images come in the document, never by a request.
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; img-src data:; /);
    const body = await res.text();
    expect(body).toMatch(new RegExp(`<img alt="logo" src="data:image/png;base64,${PNG.replace(/[+/]/g, '\\$&')}"`));
    // Not an image, or an image type that can carry script: downloads only, never shown.
    expect(body).toContain('<img alt="page" src="cid:page@customer.example"');
    expect(body).toContain('<img alt="svg" src="cid:svg@customer.example"');
    expect(body).not.toContain(PAGE);
    expect(body).not.toContain(SVG);
    // Another case's attachment under the same Content-ID is not this message's.
    expect(body).toContain('<img alt="theirs" src="cid:theirs@customer.example"');
    expect(body).not.toContain(GIF);
    expect(body).toContain('<img alt="unknown" src="cid:nowhere@customer.example"');
    // Remote images stay blocked until asked for; once they are, the inline image stays.
    expect(body).toContain('data-remote-src="https://tracker.example/p.gif"');
    const allowed = await (
      await fetch(`${n.base}/api/cases/${first.number}/messages/${first.message.id}/frame?images=1`, { headers: { authorization: `Bearer ${n.agent}` } })
    ).text();
    expect(allowed).toContain('src="https://tracker.example/p.gif"');
    expect(allowed).toContain(`<img alt="logo" src="data:image/png;base64,${PNG}"`);
  });

  it("serves another case's message through neither case's path but its own, and nobody unauthenticated", async () => {
    expect((await frame(second.number, first.message.id)).status).toBe(404);
    expect((await frame(first.number, second.messageId)).status).toBe(404);
    const own = await (await frame(second.number, second.messageId)).text();
    expect(own).toContain(`src="data:image/gif;base64,${GIF}"`);
    expect((await frame(first.number, first.message.id, null)).status).toBe(401);
  });

  it('gives To and Cc of each message, and the name each attachment was sent under where it differs', () => {
    expect(first.message.to).toEqual(['help@solarmora.com', 'sales@solarmora.com']);
    expect(first.message.cc).toEqual(['carol@customer.example', 'dave@customer.example']);
    const byName = Object.fromEntries(first.message.attachments.map((a) => [a.filename, a]));
    expect(byName['naïve report.pdf']?.originalFilename).toBe('../../reports/naïve report.pdf');
    expect(byName['logo.png']?.originalFilename).toBeNull();
    expect(byName['logo.png']?.contentType).toBe('image/png');
  });

  it("gives a message's original header block as text, to agents, for that case's messages only", async () => {
    const path = `/api/cases/${first.number}/messages/${first.message.id}/headers`;
    const r = await n.call('GET', path, { token: n.agent });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body.truncated).toBe(false);
    expect(r.body.headers).toMatch(/^Subject: Inline image\r?$/m);
    expect(r.body.headers).toMatch(/^Cc: carol@customer\.example, dave@customer\.example\r?$/m);
    expect(r.body.headers).toMatch(/^Received: /m);
    expect(r.body.headers).not.toContain('Logo <img');
    expect((await n.call('GET', path, { token: null })).status).toBe(401);
    expect((await n.call('GET', `/api/cases/${second.number}/messages/${first.message.id}/headers`)).status).toBe(404);
    expect((await n.call('GET', `/api/cases/${first.number}/messages/999999/headers`)).status).toBe(404);
    const noted = await n.call('POST', `/api/cases/${first.number}/notes`, { body: { body: 'Checked the logo.' } });
    expect(noted.status).toBe(201);
    const note = (await n.call('GET', `/api/cases/${first.number}`)).body.messages.find((m: { direction: string }) => m.direction === 'note');
    const noteHeaders = await n.call('GET', `/api/cases/${first.number}/messages/${note.id}/headers`);
    expect(noteHeaders.status).toBe(404);
    expect(noteHeaders.body.error).toMatch(/note/);
  });

  it('cuts a header block longer than 64 KiB at its last whole line, and says so', async () => {
    const filler = Array.from({ length: 80 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(1000)}`);
    const raw = ['From: fay@customer.example', 'To: help@solarmora.com', 'Subject: Many headers', ...filler, '', 'Hello.', ''].join('\r\n');
    const r = await swaks(['--server', `127.0.0.1:${n.gw.smtpPort}`, '--from', 'fay@customer.example', '--to', 'help@solarmora.com', '--data', '-'], {
      input: raw,
    });
    expect(r.lastReply).toMatch(/^250 /);
    const c = await caseWith('Many headers');
    const m = c.messages.find((x: { direction: string }) => x.direction === 'in');
    const h = (await n.call('GET', `/api/cases/${c.number}/messages/${m.id}/headers`)).body;
    expect(h.truncated).toBe(true);
    expect(Buffer.byteLength(h.headers)).toBeLessThanOrEqual(64 * 1024);
    expect(h.headers).toMatch(/\r\n$/);
    expect(h.headers).toMatch(/^Subject: Many headers\r$/m);
    expect(h.headers).not.toContain('X-Filler-79:');
  });
});
