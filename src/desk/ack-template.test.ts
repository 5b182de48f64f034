import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCaseToken, renderAcknowledgement, replySubject, stripReplyPrefixes, subjectWithToken } from './ack-template.js';

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

describe('renderAcknowledgement', () => {
  const base = {
    caseNumber: 1001,
    subject: 'Re: Printer broken',
    requesterName: 'Taro Yamada',
    channelName: 'Solarmora Support',
    publicAddress: 'help@solarmora.com',
  };
  it('English', () => {
    const ack = renderAcknowledgement(base);
    expect(ack.subject).toBe('[#1001] Re: Printer broken');
    expect(ack.text).toContain('Hello Taro Yamada,');
    expect(ack.text).toContain('opened case #1001');
    expect(ack.text).toContain('"Printer broken"');
    expect(ack.text).toContain('keep [#1001] in the subject');
    expect(ack.text).toContain('Solarmora Support <help@solarmora.com>');
  });
  it('Japanese', () => {
    const ack = renderAcknowledgement({ ...base, requesterName: '山田 太郎', subject: 'プリンターが動きません', locale: 'ja' });
    expect(ack.subject).toBe('[#1001] Re: プリンターが動きません');
    expect(ack.text.split('\n')[0]).toBe('山田 太郎 様');
    expect(ack.text).toContain('ケース #1001');
    expect(ack.text).toContain('[#1001]');
  });
  it('no name, no subject, a hostile long subject', () => {
    const ack = renderAcknowledgement({ ...base, requesterName: '', subject: `${'x'.repeat(5000)}\r\nBcc: evil@x.test` });
    expect(ack.text.startsWith('Hello,\n')).toBe(true);
    expect(ack.text.length).toBeLessThan(1000);
    expect(ack.subject).not.toMatch(/[\r\n]/);
    expect(renderAcknowledgement({ ...base, subject: null, locale: 'ja', requesterName: '' }).text).toContain('お客様');
  });
});
