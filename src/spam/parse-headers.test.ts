import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, decodeEncodedWords, findBodyStart, fromAddresses, parseAddressList, parseHeaders } from './parse-headers.js';

describe('findBodyStart', () => {
  it.each([
    ['CRLF', 'A: 1\r\nB: 2\r\n\r\nbody', 14],
    ['bare LF', 'A: 1\nB: 2\n\nbody', 11],
    ['no header at all', '\r\nbody', 2],
    ['no body', 'A: 1\r\n', 6],
  ])('%s', (_name, text, expected) => {
    expect(findBodyStart(Buffer.from(text))).toBe(expected);
  });
});

describe('parseHeaders', () => {
  it('unfolds, lower-cases names and stops at the body', () => {
    const raw = Buffer.from('Subject: a long\r\n\tsubject\r\nX-Thing:  v \r\n\r\nNot: a header\r\n');
    expect(parseHeaders(raw)).toEqual([
      { name: 'subject', value: 'a long\tsubject' },
      { name: 'x-thing', value: 'v' },
    ]);
  });

  it('skips an mbox From line and lines that are not fields', () => {
    const raw = Buffer.from('From alice@example.com Tue Mar  3 10:15:00 2026\nno colon here\nFrom: alice@example.com\n\n');
    expect(parseHeaders(raw)).toEqual([{ name: 'from', value: 'alice@example.com' }]);
  });

  it('reads no further than MAX_HEADER_BYTES', () => {
    const raw = Buffer.from(`A: ${'x'.repeat(MAX_HEADER_BYTES)}\r\nB: late\r\n\r\n`);
    expect(parseHeaders(raw).map((h) => h.name)).toEqual(['a']);
  });
});

describe('parseAddressList', () => {
  it.each([
    ['alice@example.com', [{ name: '', address: 'alice@example.com' }]],
    ['Alice <alice@example.com>', [{ name: 'Alice', address: 'alice@example.com' }]],
    [
      '"Smith, Alice" <alice@example.com>, bob@example.com',
      [
        { name: 'Smith, Alice', address: 'alice@example.com' },
        { name: '', address: 'bob@example.com' },
      ],
    ],
    ['"a \\"quoted\\" name" <q@example.com>', [{ name: 'a "quoted" name', address: 'q@example.com' }]],
    ['bob@example.com (Bob, the builder)', [{ name: '', address: 'bob@example.com' }]],
    [
      'team: a@example.com, b@example.com;, c@example.com',
      [
        { name: '', address: 'a@example.com' },
        { name: '', address: 'b@example.com' },
        { name: '', address: 'c@example.com' },
      ],
    ],
    ['undisclosed-recipients:;', []],
    ['=?utf-8?B?SsO8cmdlbg==?= <j@example.com>', [{ name: 'Jürgen', address: 'j@example.com' }]],
  ])('%s', (value, expected) => {
    expect(parseAddressList(value)).toEqual(expected);
  });
});

describe('decodeEncodedWords', () => {
  it.each([
    ['=?UTF-8?Q?caf=C3=A9_au_lait?=', 'café au lait'],
    ['=?iso-8859-1?Q?caf=E9?=', 'café'],
    ['=?utf-8?B?w6k=?= =?utf-8?B?w6k=?=', 'éé'],
    ['plain =?utf-8?Q?and?= plain', 'plain and plain'],
    ['=?no-such-charset?Q?x?=', '=?no-such-charset?Q?x?='],
  ])('%s → %s', (value, expected) => {
    expect(decodeEncodedWords(value)).toBe(expected);
  });
});

describe('fromAddresses', () => {
  it('lists every address of every From field', () => {
    const headers = parseHeaders(Buffer.from('From: A <a@example.com>, b@example.com\r\nFrom: c@example.com\r\n\r\n'));
    expect(fromAddresses(headers)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  });
});
