import { describe, expect, it } from 'vitest';
import { readHeaderBlock } from './read-header-block.js';

describe('readHeaderBlock', () => {
  it('finds the body after CRLF or bare-LF header blocks', () => {
    for (const eol of ['\r\n', '\n']) {
      const raw = Buffer.from(`Subject: a${eol}From: b@example.com${eol}${eol}body`);
      const head = readHeaderBlock(raw, 1000, 50, []);
      expect(raw.subarray(head.bodyStart).toString()).toBe('body');
      expect(head.fields).toEqual([
        { name: 'subject', value: 'a' },
        { name: 'from', value: 'b@example.com' },
      ]);
    }
  });

  it('keeps the deciding fields first when the budget runs out', () => {
    const raw = Buffer.from(`X-Junk: ${'x'.repeat(500)}\r\nSubject: kept\r\n\r\nbody`);
    const problems: string[] = [];
    const head = readHeaderBlock(raw, 100, 50, problems);
    expect(head.fields).toEqual([{ name: 'subject', value: 'kept' }]);
    expect(problems).toEqual(['header block over 100 bytes: 1 header fields dropped']);
  });

  it('transcodes a raw Shift_JIS field to UTF-8', () => {
    const raw = Buffer.concat([Buffer.from('Subject: '), Buffer.from('82a896e282a28d8782ed82b9', 'hex'), Buffer.from('\r\n\r\nx')]);
    const head = readHeaderBlock(raw, 1000, 50, []);
    expect(head.fields[0]?.value).toBe('お問い合わせ');
  });

  it('cuts a long To list to maxAddresses, counting the cut ones, commas in quotes not splitting', () => {
    const to = Array.from({ length: 100 }, (_, i) => `"Last, First ${i}" <u${i}@example.com>`).join(', ');
    const head = readHeaderBlock(Buffer.from(`To: ${to}\r\n\r\nx`), 100_000, 10, []);
    expect(head.cutAddresses).toBe(90);
    expect(head.fields[0]?.value.match(/@/g)).toHaveLength(10);
  });

  it("ends the header block at a line that is not a field: a gateway's trace on top of a headerless message", () => {
    const raw = Buffer.from('Received: from a\r\n\tby b\r\nX-Original-To: help@solarmora.com\r\njust some text\r\nwith: a colon later\r\n');
    const problems: string[] = [];
    const head = readHeaderBlock(raw, 1000, 50, problems);
    expect(raw.subarray(head.bodyStart).toString()).toBe('just some text\r\nwith: a colon later\r\n');
    expect(head.fields.map((f) => f.name)).toEqual(['received', 'x-original-to']);
    expect(problems).toEqual(['header block ended by a line that is not a header field, without an empty line']);
  });

  it('says so when there is no header block at all', () => {
    const problems: string[] = [];
    expect(readHeaderBlock(Buffer.from('\u00ff\u00fe garbage'), 1000, 50, problems).bodyStart).toBe(0);
    expect(problems).toEqual(['no header block']);
  });
});
