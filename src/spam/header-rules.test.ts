import { describe, expect, it } from 'vitest';
import { HEADER_RULES, MAX_VISIBLE_RECIPIENTS, matchHeaderRules } from './header-rules.js';
import { parseHeaders } from './parse-headers.js';

const good: Record<string, string> = {
  From: 'Alice Example <alice@example.com>',
  To: 'help@solarmora.com',
  Subject: 'Printer on floor 3 is jammed',
  Date: 'Tue, 3 Mar 2026 10:15:00 +0100',
  'Message-ID': '<1234@example.com>',
};

/** A message from header lines; `undefined` drops a field, arrays repeat it. */
function message(patch: Record<string, string | string[] | undefined> = {}): Buffer {
  const fields = { ...good, ...patch };
  const lines: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\nbody\r\n`);
}

function hits(raw: Buffer): string[] {
  return matchHeaderRules(parseHeaders(raw)).map((h) => h.rule);
}

const manyRecipients = Array.from({ length: MAX_VISIBLE_RECIPIENTS + 1 }, (_, i) => `user${i}@example.org`);

const cases: [string, Record<string, string | string[] | undefined>, string[]][] = [
  ['a well-formed message matches nothing', {}, []],
  ['missing From', { From: undefined }, ['missing-from']],
  ['two From fields', { From: ['alice@example.com', 'mallory@evil.example'] }, ['multiple-from']],
  ['two addresses in one From field are not two fields', { From: 'alice@example.com, bob@example.com' }, []],
  ['display name showing another address', { From: '"support@paypal.com" <collect@evil.example>' }, ['from-name-mismatch']],
  ['display name showing another address, unquoted', { From: 'service@bank.example <x@evil.example>' }, ['from-name-mismatch']],
  ['display name showing another address, encoded', { From: '=?utf-8?Q?support=40paypal.com?= <collect@evil.example>' }, ['from-name-mismatch']],
  ['display name showing the same address', { From: '"Alice@Example.com" <alice@example.com>' }, []],
  ['a comment is not a display name', { From: 'alice@example.com (Alice)' }, []],
  ['missing Date', { Date: undefined }, ['missing-date']],
  ['Date not in RFC 5322 form', { Date: '2026-03-03T10:15:00Z' }, ['invalid-date']],
  ['Date with an impossible hour', { Date: 'Tue, 3 Mar 2026 25:15:00 +0100' }, ['invalid-date']],
  ['Date without weekday, seconds, with obsolete zone and comment', { Date: '3 Mar 2026 10:15 GMT (UTC)' }, []],
  ['missing Message-ID', { 'Message-ID': undefined }, ['missing-message-id']],
  ['missing Subject', { Subject: undefined }, ['missing-subject']],
  ['all-caps Subject', { Subject: 'URGENT: CLAIM YOUR PRIZE NOW' }, ['subject-all-caps']],
  ['all-caps Subject, encoded', { Subject: '=?UTF-8?B?w5xCRVJSQVNDSFVORyBGw5xSIFNJRQ==?=' }, ['subject-all-caps']],
  ['a short all-caps Subject is an acronym, not shouting', { Subject: 'RE: VPN DOWN' }, []],
  ['Subject with "!!!"', { Subject: 'You won!!!' }, ['subject-exclamations']],
  ['Subject with spread-out "!"', { Subject: 'Hi! Thanks! Bye!' }, []],
  ['too many visible recipients', { To: manyRecipients.slice(0, 30).join(', '), Cc: manyRecipients.slice(30).join(', ') }, ['too-many-recipients']],
  ['exactly the limit of visible recipients', { To: manyRecipients.slice(1).join(',\r\n ') }, []],
  ['an empty group is no recipient', { To: 'undisclosed-recipients:;' }, []],
  [
    'everything wrong at once, in table order',
    { From: undefined, Date: undefined, 'Message-ID': undefined, Subject: 'FREE MONEY FOR YOU!!!' },
    ['missing-from', 'missing-date', 'missing-message-id', 'subject-all-caps', 'subject-exclamations'],
  ],
];

describe('matchHeaderRules', () => {
  it.each(cases)('%s', (_name, patch, expected) => {
    expect(hits(message(patch))).toEqual(expected);
  });

  it('gives every rule a case above', () => {
    const seen = new Set(cases.flatMap(([, , rules]) => rules));
    for (const rule of HEADER_RULES) expect(seen, rule.code).toContain(rule.code);
  });

  it('scores every hit with its rule', () => {
    const byCode = new Map(HEADER_RULES.map((r) => [r.code, r.score]));
    for (const hit of matchHeaderRules(parseHeaders(message({ Date: undefined, Subject: undefined })))) {
      expect(hit.score).toBe(byCode.get(hit.rule));
    }
  });

  it('keeps every score small and explained', () => {
    for (const rule of HEADER_RULES) {
      expect(rule.score).toBeGreaterThan(0);
      expect(rule.score).toBeLessThanOrEqual(2);
      expect(rule.why.length).toBeGreaterThan(20);
    }
  });
});
