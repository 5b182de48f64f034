import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { MessageTransform } from '../routing/index.js';
import { decodeWords } from './encoded-words.js';
import { readAll, sourceOf, wholeMessage } from '../base/message-source.js';
import { applyTransform as transformSource, type TransformContext } from './transform.js';

/** The transform over a whole message in memory, read back whole. */
async function applyTransform(raw: Buffer, t: MessageTransform, ctx: TransformContext): Promise<Buffer> {
  return readAll(wholeMessage(await transformSource(sourceOf(raw), t, ctx)), 1 << 30);
}

const none: MessageTransform = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };
const t = (over: Partial<MessageTransform>): MessageTransform => ({ ...none, ...over });

/** A body with 8-bit UTF-8, Latin-1 bytes, a lone CR and a dot line: must survive byte for byte. */
const body = Buffer.concat([
  Buffer.from('Grüße aus Köln — ça va ?\r\n', 'utf8'),
  Buffer.from([0xe9, 0xe8, 0x0d, 0x41, 0x0d, 0x0a]),
  Buffer.from('.\r\n..leading dots\r\nend\r\n', 'latin1'),
]);
const head =
  'From: a@example.com\r\nTo: help@solarmora.com\r\nSubject: Printer on fire\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n';
const raw = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);

function headerBlock(b: Buffer): string {
  return b.subarray(0, b.indexOf('\r\n\r\n') + 2).toString('latin1');
}

describe('applyTransform', () => {
  it('returns the same Buffer for an empty transform (no copy)', async () => {
    expect((await applyTransform(raw, none, {})).equals(raw)).toBe(true);
  });

  it('prepends X-Original-To, custom headers and spam headers in order; body byte-exact', async () => {
    const out = await applyTransform(
      raw,
      t({
        xOriginalTo: 'help@solarmora.com',
        headers: [
          ['X-Relaydesk-Rule', 'help'],
          ['X-Two', 'b'],
        ],
        spamHeaders: true,
      }),
      { spamVerdict: { spam: false, score: 1.5 } },
    );
    expect(headerBlock(out)).toBe(
      'X-Original-To: help@solarmora.com\r\nX-Relaydesk-Rule: help\r\nX-Two: b\r\nX-Relaydesk-Spam: 0\r\nX-Relaydesk-Spam-Score: 1.50\r\n' + head,
    );
    expect(out.subarray(out.length - body.length).equals(body)).toBe(true);
    expect(out.length).toBe(raw.length + headerBlock(out).length - head.length);
  });

  it('drops spam headers the sender forged when adding ours', async () => {
    const forged = Buffer.from('X-Relaydesk-Spam: 0\r\nx-relaydesk-spam-score: -100\r\nSubject: hi\r\n\r\nbody\r\n');
    const out = (await applyTransform(forged, t({ spamHeaders: true }), { spamVerdict: { spam: true, score: 12 } })).toString();
    expect(out).toBe('X-Relaydesk-Spam: 1\r\nX-Relaydesk-Spam-Score: 12.00\r\nSubject: hi\r\n\r\nbody\r\n');
  });

  it.each([
    ['CRLF in a custom value', [['X-Rule', 'a\r\nBcc: victim@example.com']] as const],
    ['bare LF in a custom value', [['X-Rule', 'a\nBcc: victim@example.com']] as const],
    ['lone CR in a custom value', [['X-Rule', 'a\rBcc: victim@example.com']] as const],
  ])('blocks header injection: %s', async (_name, headers) => {
    const out = await applyTransform(raw, t({ headers: headers.map(([k, v]) => [k, v] as const) }), {});
    const parsed = await simpleParser(out);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(headerBlock(out).split('\r\n')[0]).toBe('X-Rule: a Bcc: victim@example.com');
  });

  it('blocks injection through X-Original-To and the subject prefix', async () => {
    const out = await applyTransform(raw, t({ xOriginalTo: 'x@y\r\nBcc: v@e', prependSubject: ['[a]\r\nBcc: v@e '] }), {});
    expect((await simpleParser(out)).headers.has('bcc')).toBe(false);
  });

  it('skips custom headers that would change the MIME structure', async () => {
    const out = await applyTransform(
      raw,
      t({
        headers: [
          ['Content-Type', 'text/html'],
          ['Bad Name', 'x'],
          ['X-Ok', 'y'],
        ],
      }),
      {},
    );
    expect(headerBlock(out).startsWith('X-Ok: y\r\nFrom:')).toBe(true);
  });

  it('encodes non-ASCII custom values as RFC 2047 words', async () => {
    const out = await applyTransform(raw, t({ headers: [['X-Team', 'Équipe support 支援']] }), {});
    expect(headerBlock(out)).toMatch(/^X-Team: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\r\n/);
    // mailparser leaves unknown headers encoded; decode as any reader would.
    expect(decodeWords(String((await simpleParser(out)).headers.get('x-team')))).toBe('Équipe support 支援');
  });

  const subjects: { name: string; subject: string | null; prefixes: string[]; want: string }[] = [
    { name: 'ASCII prefix', subject: 'Printer on fire', prefixes: ['[help] '], want: '[help] Printer on fire' },
    { name: 'several prefixes, in order', subject: 'Printer', prefixes: ['[help] ', '[sales] '], want: '[help] [sales] Printer' },
    { name: 'each once (duplicates in the list)', subject: 'Printer', prefixes: ['[help] ', '[help] '], want: '[help] Printer' },
    { name: 'not again when the subject has it', subject: 'Re: [help] Printer', prefixes: ['[help] '], want: 'Re: [help] Printer' },
    { name: 'missing Subject', subject: null, prefixes: ['[help] '], want: '[help]' },
    { name: 'empty Subject', subject: '', prefixes: ['[help] '], want: '[help]' },
    { name: 'encoded subject', subject: '=?UTF-8?B?w4lxdWlwZQ==?=', prefixes: ['[help] '], want: '[help] Équipe' },
    { name: 'encoded subject, prefix without space', subject: '=?UTF-8?Q?=C3=89quipe?=', prefixes: ['[help]'], want: '[help]Équipe' },
    { name: 'non-ASCII prefix', subject: 'Printer', prefixes: ['[支援] '], want: '[支援] Printer' },
    { name: 'non-ASCII prefix before an encoded subject', subject: '=?ISO-8859-1?Q?caf=E9?=', prefixes: ['[支援] '], want: '[支援] café' },
    { name: 'non-ASCII prefix already present (decoded)', subject: '=?UTF-8?B?W+aUr+aPtF0gUHJpbnRlcg==?=', prefixes: ['[支援] '], want: '[支援] Printer' },
    { name: 'folded subject', subject: 'a long\r\n subject', prefixes: ['[help] '], want: '[help] a long subject' },
  ];
  for (const c of subjects) {
    it(`subject: ${c.name}`, async () => {
      const lines = ['From: a@example.com', ...(c.subject === null ? [] : [`Subject: ${c.subject}`]), '', 'body', ''];
      const out = await applyTransform(Buffer.from(lines.join('\r\n'), 'latin1'), t({ prependSubject: c.prefixes }), {});
      expect((await simpleParser(out)).subject).toBe(c.want);
      expect(out.toString('latin1')).not.toMatch(/[\x80-\xff]/);
    });
  }

  it('keeps LF-only messages LF-only', async () => {
    const lf = Buffer.from('Subject: x\nFrom: a@b\n\nbody\n');
    expect((await applyTransform(lf, t({ xOriginalTo: 'h@s' }), {})).toString()).toBe('X-Original-To: h@s\nSubject: x\nFrom: a@b\n\nbody\n');
  });

  it('leaves an 8-bit (SMTPUTF8) subject raw and prefixes it', async () => {
    const m = Buffer.concat([Buffer.from('Subject: ', 'latin1'), Buffer.from('Grüße', 'utf8'), Buffer.from('\r\n\r\nb\r\n', 'latin1')]);
    const out = await applyTransform(m, t({ prependSubject: ['[help] '] }), {});
    expect(out.equals(Buffer.concat([Buffer.from('Subject: [help] ', 'latin1'), Buffer.from('Grüße', 'utf8'), Buffer.from('\r\n\r\nb\r\n', 'latin1')]))).toBe(
      true,
    );
  });
});

describe('applyTransform removeAttachments', () => {
  const pdf = Buffer.alloc(3000, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  const html = Buffer.from('<p>Grüße</p>\r\n', 'utf8');
  const message = Buffer.concat([
    Buffer.from(
      [
        'From: a@example.com',
        'Subject: Invoice',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        'preamble',
        '--outer',
        'Content-Type: multipart/alternative; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        '',
      ].join('\r\n'),
      'latin1',
    ),
    body,
    Buffer.from('--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'latin1'),
    html,
    Buffer.from(
      [
        '--inner--',
        '--outer',
        'Content-Type: application/pdf; name="invoice.pdf"',
        'Content-Disposition: attachment; filename="invoice.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        pdf,
        '--outer',
        'Content-Type: image/png',
        'Content-Disposition: inline; filename="logo.png"',
        'Content-ID: <logo>',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--outer',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment',
        '',
        'Subject: forwarded',
        'Content-Type: text/plain',
        'Content-Disposition: attachment; filename="inner.txt"',
        '',
        'inner text',
        '--outer--',
        'epilogue',
        '',
      ].join('\r\n'),
      'latin1',
    ),
  ]);

  it('replaces each attachment with a text note, keeps the rest byte-exact and the structure valid', async () => {
    const out = await applyTransform(message, t({ removeAttachments: true, xOriginalTo: 'help@solarmora.com' }), {});
    const parsed = await simpleParser(out);
    expect(parsed.attachments).toHaveLength(0);
    expect(parsed.text).toContain('Grüße aus Köln');
    expect(parsed.text).toContain('"invoice.pdf", application/pdf) was removed');
    expect(parsed.text).toContain('"logo.png", image/png) was removed');
    expect(parsed.text).toContain('without a name, message/rfc822) was removed');
    expect(parsed.headers.get('x-original-to')).toBe('help@solarmora.com');
    expect(parsed.html).toContain('<p>Grüße</p>');
    // The 8-bit text part and the HTML part are copied, not re-encoded.
    expect(out.includes(body)).toBe(true);
    expect(out.includes(html)).toBe(true);
    expect(out.includes(Buffer.from('invoice.pdf"\r\nContent'))).toBe(false);
    expect(out.toString('latin1')).toContain('--outer--\r\nepilogue');
    expect(out.toString('latin1').match(/^--outer\r?$/gm)).toHaveLength(4);
  });

  it('leaves a message without attachments identical', async () => {
    const plain = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
    expect((await applyTransform(plain, t({ removeAttachments: true }), {})).equals(plain)).toBe(true);
  });

  it('replaces a single-part message that is itself an attachment', async () => {
    const single = Buffer.from(
      'Subject: file\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename="a.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n',
    );
    const parsed = await simpleParser(await applyTransform(single, t({ removeAttachments: true }), {}));
    expect(parsed.subject).toBe('file');
    expect(parsed.attachments).toHaveLength(0);
    expect(parsed.text).toContain('"a.zip", application/zip) was removed');
  });
});
