import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInboundMessage } from './parse-message.js';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

function withAttachments(sizes: number[]): Buffer {
  const parts = sizes
    .map(
      (size, i) =>
        `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(Buffer.alloc(size, 7))}\r\n`,
    )
    .join('');
  return Buffer.from(
    `From: a@example.com\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n${parts}--b--\r\n`,
  );
}

describe('parseInboundMessage', () => {
  it('keeps attachments up to the total byte limit and lists the rest as omitted', async () => {
    const msg = await parseInboundMessage(withAttachments([400, 500, 200]), { maxAttachmentBytes: 800 });
    expect(msg.attachments.map((a) => a.filename)).toEqual(['f0.bin', 'f2.bin']);
    expect(msg.omitted).toEqual([{ filename: 'f1.bin', size: 500, reason: 'over the 800-byte attachment limit' }]);
    expect(msg.problems).toContain('1 attachments omitted (limits)');
  });

  it('keeps at most maxAttachments attachments', async () => {
    const msg = await parseInboundMessage(withAttachments([1, 1, 1]), { maxAttachments: 2 });
    expect(msg.attachments).toHaveLength(2);
    expect(msg.omitted[0]).toMatchObject({ filename: 'f2.bin', reason: 'more than 2 attachments' });
  });

  it('reads the date without a clock: an unreadable one is null, never "now"', async () => {
    const ok = await parseInboundMessage(Buffer.from('From: a@example.com\r\nDate: Tue, 14 Jan 2025 10:15:00 +0900 (JST)\r\n\r\nx'));
    expect(ok.date).toBe('2025-01-14T01:15:00.000Z');
    const bad = await parseInboundMessage(Buffer.from('From: a@example.com\r\nDate: soon\r\n\r\nx'));
    expect(bad.date).toBeNull();
  });

  it('keeps the root and the latest 99 of a very long References chain', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `<r${i}@example.com>`);
    const msg = await parseInboundMessage(Buffer.from(`From: a@example.com\r\nReferences: ${ids.join('\r\n ')}\r\n\r\nx`));
    expect(msg.references).toHaveLength(100);
    expect(msg.references[0]).toBe('<r0@example.com>');
    expect(msg.references.at(-1)).toBe('<r499@example.com>');
  });

  it('turns an HTML-only body into text and sanitises the HTML', async () => {
    const msg = await parseInboundMessage(
      Buffer.from('From: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick="x()">Hello <b>there</b></p><script>bad()</script>'),
    );
    expect(msg.text).toContain('Hello there');
    expect(msg.text).not.toContain('bad()');
    expect(msg.html).toBe('<p>Hello <b>there</b></p>');
  });

  it('never throws, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        const msg = await parseInboundMessage(Buffer.from(bytes));
        expect(Array.isArray(msg.problems)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on mangled MIME built from real pieces', async () => {
    const pieces = [
      'From: a@example.com\r\n',
      'Content-Type: multipart/mixed; boundary="x"\r\n',
      '\r\n',
      '--x\r\n',
      '--x--\r\n',
      'Content-Transfer-Encoding: base64\r\n',
      'Content-Type: text/plain; charset=iso-2022-jp\r\n',
      '=?UTF-8?B?44GK?=',
      '\x1b$B$3\r\n',
      'begin 644 a.txt\r\n',
      'end\r\n',
      '\u00e9\u3042',
      'Content-Type: message/delivery-status\r\n',
      'Final-Recipient: rfc822;\r\n',
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), async (list) => {
        const msg = await parseInboundMessage(Buffer.from(list.join('')));
        expect(typeof msg.text).toBe('string');
      }),
      { numRuns: 150 },
    );
  });
});
