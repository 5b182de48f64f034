import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCaseToken, replySubject, stripReplyPrefixes, subjectWithToken } from './ack-template.js';

describe('findCaseToken', () => {
  it.each<[string | null, number | null]>([
    ['[#1001] Printer broken', 1001],
    ['Re: Fwd: [#1001] Printer broken', 1001],
    ['RE: Printer broken [#1001]', 1001],
    ['返信: [#42] 請求書について', 42],
    ['[EXTERNAL] Re: [#7] x', 7],
    ['[#1001][#1002] two tokens: the first wins', 1001],
    ['[#abc] not ours', null],
    ['[#] empty', null],
    ['[#12a] mixed', null],
    ['[# 1001] spaced', null],
    ['#1001 without brackets', null],
    ['[#0] zero', null],
    ['[#1234567890123456] too long', null],
    ['', null],
    [null, null],
  ])('%j → %j', (subject, n) => expect(findCaseToken(subject)).toBe(n));
});

describe('subjects we send', () => {
  it.each<[string | null, string]>([
    ['Printer broken', '[#1001] Printer broken'],
    ['[#1001] Printer broken', '[#1001] Printer broken'],
    ['Re: [#1001] Printer broken', '[#1001] Re: Printer broken'],
    ['Re: [#900] Printer broken', '[#1001] Re: Printer broken'],
    ['', '[#1001]'],
    [null, '[#1001]'],
    ['line\r\nbreak', '[#1001] line break'],
  ])('subjectWithToken(%j)', (subject, out) => expect(subjectWithToken(subject, 1001)).toBe(out));

  it.each<[string | null, string]>([
    ['Printer broken', '[#1001] Re: Printer broken'],
    ['Re: Printer broken', '[#1001] Re: Printer broken'],
    ['RE: re: Re[2]: Printer broken', '[#1001] Re: Printer broken'],
    ['Re：[#1001] Re: プリンター', '[#1001] Re: プリンター'],
    ['返信: 請求書', '[#1001] Re: 請求書'],
    ['Fwd: Printer broken', '[#1001] Re: Fwd: Printer broken'],
    ['Re: Fwd: [#1001] Printer broken', '[#1001] Re: Fwd: Printer broken'],
    ['', '[#1001] Re: (no subject)'],
  ])('replySubject(%j)', (subject, out) => expect(replySubject(subject, 1001)).toBe(out));

  it('never doubles the token or the Re:, and always threads back (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 10 ** 9 }), (subject, n) => {
        const once = replySubject(subject, n);
        const twice = replySubject(once, n);
        return findCaseToken(once) === n && twice === once && (once.match(/\[#\d+\]/g) ?? []).length === 1 && !/^\[#\d+\] Re: Re:/i.test(once);
      }),
    );
  });
  it('stripReplyPrefixes keeps forwards', () => expect(stripReplyPrefixes('Aw: SV: Fwd: x')).toBe('Fwd: x'));
});
