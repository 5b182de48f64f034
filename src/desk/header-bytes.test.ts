import libmime from 'libmime';
import { describe, expect, it } from 'vitest';
import { declaredCharset, normalizeHeaderBytes } from './header-bytes.js';

const bytes = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
// What mailparser makes of the result: raw UTF-8 with the remaining words decoded by libmime.
const read = (value: Buffer, declared: string | null = null): string => libmime.decodeWords(normalizeHeaderBytes(value, declared).bytes.toString('utf8'));

// Written out so the test needs no encoder.
const SJIS_TOIAWASE = Buffer.from('82a896e282a28d8782ed82b9', 'hex'); // お問い合わせ
const EUC_TOIAWASE = Buffer.from('a4aacce4a4a4b9e7a4efa4bb', 'hex');
const JIS_TOIAWASE = Buffer.from('1b2442242a4c6424243967246f243b1b2842', 'hex');

describe('normalizeHeaderBytes', () => {
  it.each<[string, Buffer, string | null, string]>([
    ['raw UTF-8 inside a Latin-1 Q word is decoded once', bytes('=?iso-8859-1?Q?Fr', Buffer.from('ö'), 'sche_und_Kr=F6ten?='), null, 'Frösche und Kröten'],
    ['raw UTF-8 inside a UTF-8 Q word', bytes('=?utf-8?Q?J', Buffer.from('ö'), 'rg?= <j@example.com>'), null, 'Jörg <j@example.com>'],
    [
      'raw Latin-1 inside a UTF-8 word: not UTF-8, not valid in the word charset, guessed',
      bytes('=?utf-8?Q?Gr', Buffer.from('ü', 'latin1'), 'e?='),
      null,
      'Grüe',
    ],
    ['raw UTF-8 inside a B word is its text', bytes('=?utf-8?B?', Buffer.from('東京'), '?='), null, '東京'],
    ['a raw word next to ordinary words keeps theirs', bytes('=?utf-8?B?5p2x?= =?utf-8?Q?Fr', Buffer.from('ö'), 'sche?='), null, '東Frösche'],
    ['raw Latin-1 text with the declared charset first', Buffer.from('Solicitação de informação', 'latin1'), 'iso-8859-1', 'Solicitação de informação'],
    ['raw Latin-1 with a declared charset it is not valid in (ISO-2022-JP): guessed', Buffer.from('café crème', 'latin1'), 'iso-2022-jp', 'café crème'],
    ['raw Shift_JIS', bytes('Re: ', SJIS_TOIAWASE), null, 'Re: お問い合わせ'],
    ['raw Shift_JIS under an ISO-2022-JP body', bytes(SJIS_TOIAWASE), 'iso-2022-jp', 'お問い合わせ'],
    ['raw EUC-JP with its declared charset', bytes(EUC_TOIAWASE), 'euc-jp', 'お問い合わせ'],
    ['raw ISO-2022-JP escapes', bytes('Re: ', JIS_TOIAWASE, ' (1)'), null, 'Re: お問い合わせ (1)'],
    ['raw ISO-2022-JP display name', bytes(JIS_TOIAWASE, ' <a@example.jp>'), 'iso-2022-jp', 'お問い合わせ <a@example.jp>'],
    ['raw Shift_JIS after an ISO-2022-JP word', bytes('=?ISO-2022-JP?B?GyRCJCobKEI=?= ', SJIS_TOIAWASE), null, 'お お問い合わせ'],
    ['UTF-7 B word', bytes(`=?utf-7?B?${Buffer.from('+ZeVnLIqe-').toString('base64')}?=`), null, '日本語'],
    ['UTF-7 Q word with an alias name', bytes('=?unicode-1-1-utf-7?Q?Jos+AOk-_Garc+AO0-a?='), null, 'José García'],
    ['a UTF-7 run split across two words', bytes('=?utf-7?Q?+ZeVn?=\r\n =?utf-7?Q?LIqe-_OK?='), null, '日本語 OK'],
    ['UTF-7 markup is decoded, to be sanitised later like any text', bytes('=?utf-7?Q?+ADw-b+AD4-?='), null, '<b>'],
  ])('%s', (_name, value, declared, want) => {
    expect(read(value, declared)).toBe(want);
  });

  it.each([
    ['plain ASCII', Buffer.from('Hello =?utf-8?Q?W=C3=B6rld?=')],
    ['raw UTF-8 (RFC 6532)', Buffer.from('Grüße 東京')],
  ])('%s is left as it is', (_name, value) => {
    expect(normalizeHeaderBytes(value, 'iso-8859-1')).toEqual({ bytes: value, note: null });
  });

  it('says what it decoded', () => {
    expect(normalizeHeaderBytes(bytes(JIS_TOIAWASE), null).note).toMatch(/raw ISO-2022-JP/);
    expect(normalizeHeaderBytes(bytes(SJIS_TOIAWASE), null).note).toMatch(/read as shift_jis/);
    expect(normalizeHeaderBytes(bytes('=?utf-7?Q?+ZeVn-?='), null).note).toMatch(/UTF-7/);
  });
});

describe('declaredCharset', () => {
  const multipart = (body: string): Buffer => Buffer.from(body.replace(/\n/g, '\r\n'), 'latin1');
  it.each<[string, string | null, Buffer, string | null]>([
    ['the message’s own', 'text/plain; charset="ISO-8859-1"', Buffer.alloc(0), 'ISO-8859-1'],
    ['the first text part’s', 'multipart/mixed; boundary=b', multipart('--b\nContent-Type: text/plain;\n charset=koi8-r\n\nx\n--b--\n'), 'koi8-r'],
    ['none for a multipart without one', 'multipart/mixed; boundary=b', multipart('--b\nContent-Type: image/png\n\nx\n--b--\n'), null],
    ['none for an unknown label', 'text/plain; charset=x-bogus', Buffer.alloc(0), null],
    ['none without Content-Type', null, Buffer.alloc(0), null],
  ])('%s', (_name, contentType, body, want) => {
    expect(declaredCharset(contentType, body)).toBe(want);
  });
});
