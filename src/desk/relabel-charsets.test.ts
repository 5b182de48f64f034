import { describe, expect, it } from 'vitest';
import { sniffCharset } from './charsets.js';
import { literalBackslashes, relabelCharsets } from './relabel-charsets.js';

// Bytes written out so the test needs no encoder: 「お問い合わせ」 in each charset.
const SJIS = Buffer.from('82a896e282a28d8782ed82b9', 'hex');
const EUC = Buffer.from('a4aad6e4a4a4b9e7a4efa4bb', 'hex');
const JIS = Buffer.concat([Buffer.from('1b2442', 'hex'), Buffer.from('242a4c6424243967246f243b', 'hex'), Buffer.from('1b2842', 'hex')]);

describe('sniffCharset', () => {
  it.each([
    ['UTF-8', Buffer.from('お問い合わせ'), 'utf-8'],
    ['ISO-2022-JP', JIS, 'iso-2022-jp'],
    ['Shift_JIS', SJIS, 'shift_jis'],
    ['EUC-JP', EUC, 'euc-jp'],
    ['windows-1252', Buffer.from('caf\xe9 cr\xe8me \x80', 'latin1'), 'windows-1252'],
    ['plain ASCII', Buffer.from('hello'), 'utf-8'],
  ])('%s', (_name, bytes, charset) => {
    expect(sniffCharset(bytes)).toBe(charset);
  });
});

describe('relabelCharsets', () => {
  const message = (contentType: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(`Subject: x\r\n${contentType}\r\n\r\n`), body]);

  it('labels an unlabelled Shift_JIS part and notes it', async () => {
    const problems: string[] = [];
    const out = await relabelCharsets(message('Content-Type: text/plain', SJIS), problems);
    expect(out.toString('latin1')).toMatch(/Content-Type: text\/plain; charset=shift_jis/i);
    expect(out.subarray(out.length - SJIS.length)).toEqual(SJIS);
    expect(problems).toEqual(['text part without charset label (read as shift_jis)']);
  });

  it('leaves a correctly labelled message byte for byte as it was', async () => {
    const raw = message('Content-Type: text/plain; charset=Shift_JIS', SJIS);
    const problems: string[] = [];
    expect(await relabelCharsets(raw, problems)).toEqual(raw);
    expect(problems).toEqual([]);
  });

  it('trusts an HTML meta charset over guessing', async () => {
    const html = Buffer.concat([Buffer.from('<meta charset="EUC-JP"><p>'), EUC]);
    const out = await relabelCharsets(message('Content-Type: text/html', html), []);
    expect(out.toString('latin1')).toMatch(/charset=euc-jp/i);
  });
});

describe('literalBackslashes', () => {
  it.each([
    ['unescaped Windows path', 'attachment; filename="C:\\TEMP\\scan.png"', 'attachment; filename="C:\\\\TEMP\\\\scan.png"'],
    ['UNC path, its leading pair kept as two', 'attachment; filename="\\\\server\\share\\x.pdf"', 'attachment; filename="\\\\\\\\server\\\\share\\\\x.pdf"'],
    ['name= on Content-Type too', 'image/png; name="..\\a.png"', 'image/png; name="..\\\\a.png"'],
    ['an escaped quote stays an escape', 'attachment; filename="x\\y \\"q\\".txt"', 'attachment; filename="x\\\\y \\"q\\".txt"'],
  ])('%s', (_name, value, want) => {
    expect(literalBackslashes(value)).toBe(want);
  });

  it.each([
    ['properly escaped', 'attachment; filename="C:\\\\Users\\\\report.pdf"'],
    ['no backslash', 'attachment; filename="report.pdf"'],
    ['another parameter', 'text/plain; x-note="a\\b"'],
  ])('%s: unchanged', (_name, value) => {
    expect(literalBackslashes(value)).toBe(value);
  });
});
