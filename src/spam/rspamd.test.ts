import { describe, expect, it } from 'vitest';
import { MAX_SYMBOL_REASONS, rspamdOutcome, rspamdRequestHeaders, unscannedOutcome } from './rspamd.js';

const answer = (action: string, extra: Record<string, unknown> = {}) => ({
  action,
  score: 7.5,
  required_score: 15,
  symbols: { BAYES_SPAM: { name: 'BAYES_SPAM', score: 5.1 }, MIME_GOOD: { name: 'MIME_GOOD', score: -0.1 }, ARC_NA: { name: 'ARC_NA', score: 0 } },
  ...extra,
});

describe('rspamdOutcome', () => {
  it.each([
    ['no action', false],
    ['add header', true],
    ['rewrite subject', true],
  ])('maps "%s" to a verdict (spam: %s) with the symbols, weightiest first', (action, spam) => {
    const out = rspamdOutcome(answer(action));
    expect(out).toEqual({
      kind: 'verdict',
      verdict: { spam, score: 7.5, reasons: ['BAYES_SPAM', 'ARC_NA', 'MIME_GOOD'] },
      report: { action, score: 7.5, requiredScore: 15, symbols: { BAYES_SPAM: 5.1, MIME_GOOD: -0.1, ARC_NA: 0 } },
    });
  });

  it('refuses a reject with 550 5.7.1 and what rspamd said, on one printable line', () => {
    const out = rspamdOutcome(answer('reject', { messages: { smtp_message: 'Gtube\r\npattern' } }));
    expect(out.kind === 'refuse' && out.refusal).toEqual({ code: 550, enhanced: '5.7.1', text: 'Gtube pattern', reason: 'spam_rejected' });
  });

  it('says why itself when rspamd gave no text', () => {
    const out = rspamdOutcome(answer('reject'));
    expect(out.kind === 'refuse' && out.refusal.text).toBe('Message refused as spam');
  });

  it.each(['soft reject', 'greylist'])('defers "%s" with 451 4.7.1', (action) => {
    const out = rspamdOutcome(answer(action, { messages: { smtp_message: 'Try again later' } }));
    expect(out.kind === 'refuse' && out.refusal).toEqual({ code: 451, enhanced: '4.7.1', text: 'Try again later', reason: 'spam_deferred' });
  });

  it('keeps rspamd text in bounds', () => {
    const out = rspamdOutcome(answer('reject', { messages: { smtp_message: 'x'.repeat(5000) } }));
    expect(out.kind === 'refuse' && out.refusal.text.length).toBe(200);
  });

  it('lists at most MAX_SYMBOL_REASONS symbols as reasons, all of them in the report', () => {
    const symbols = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`S${String(i).padStart(2, '0')}`, { score: i }]));
    const out = rspamdOutcome({ action: 'add header', score: 1, symbols });
    expect(out.kind === 'verdict' && out.verdict.reasons).toHaveLength(MAX_SYMBOL_REASONS);
    expect(out.kind === 'verdict' && out.verdict.reasons[0]).toBe('S49');
    expect(Object.keys(out.report.symbols)).toHaveLength(50);
  });

  it.each([
    ['not an object', 'pong'],
    ['no action', { score: 1 }],
    ['a score that is not a number', { action: 'no action', score: '1' }],
  ])('throws for an answer with %s', (_, bad) => {
    expect(() => rspamdOutcome(bad)).toThrow(/not a \/checkv2 result/);
  });

  it('throws for an action it does not know', () => {
    expect(() => rspamdOutcome(answer('discard'))).toThrow(/action we do not know \("discard"\)/);
  });
});

describe('unscannedOutcome', () => {
  it('tempfails with 451 4.7.1, or accepts as "unscanned"', () => {
    expect(unscannedOutcome('tempfail')).toEqual({
      kind: 'refuse',
      refusal: { code: 451, enhanced: '4.7.1', text: 'The spam filter is unavailable; please try again later', reason: 'spam_unavailable' },
    });
    expect(unscannedOutcome('accept')).toEqual({ kind: 'verdict', verdict: { spam: false, score: 0, reasons: ['unscanned'] } });
  });
});

describe('rspamdRequestHeaders', () => {
  it('sends the envelope, one Rcpt per recipient, with line breaks flattened', () => {
    expect(
      rspamdRequestHeaders({
        mailFrom: 'a@x.example',
        recipients: ['b@y.example', 'c@y.example'],
        clientIp: '192.0.2.1',
        helo: 'mx\r\n.x',
        queueId: 'Q1',
        user: 'ann',
      }),
    ).toEqual([
      ['IP', '192.0.2.1'],
      ['From', 'a@x.example'],
      ['Rcpt', 'b@y.example'],
      ['Rcpt', 'c@y.example'],
      ['Queue-Id', 'Q1'],
      ['Helo', 'mx .x'],
      ['User', 'ann'],
    ]);
  });

  it('sends the null sender as <>, and leaves out Helo and User when there are none', () => {
    expect(rspamdRequestHeaders({ mailFrom: '', recipients: ['b@y.example'], clientIp: '::1', helo: '', queueId: 'Q2' })).toEqual([
      ['IP', '::1'],
      ['From', '<>'],
      ['Rcpt', 'b@y.example'],
      ['Queue-Id', 'Q2'],
    ]);
  });
});
