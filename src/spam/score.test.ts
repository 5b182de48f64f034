import { describe, expect, it } from 'vitest';
import type { AuthSummary, DkimSummary, SpamChecks, SpamPolicy } from './model.js';
import { DEFAULT_SPAM_THRESHOLD, REASON_SCORES, matchSenderList, scoreMessage } from './score.js';

const signed: DkimSummary = { result: 'pass', domain: 'example.com', selector: 's1', aligned: true };

const cleanAuth: AuthSummary = {
  spf: { result: 'pass', domain: 'example.com' },
  dkim: [signed],
  dmarc: { result: 'pass', domain: 'example.com', policy: 'reject' },
  arc: { result: 'none' },
};

function checks(patch: Partial<Omit<SpamChecks, 'auth'>> & { auth?: Partial<AuthSummary> } = {}): SpamChecks {
  return {
    gtube: false,
    headerHits: [],
    mailFrom: 'alice@example.com',
    headerFrom: ['alice@example.com'],
    ...patch,
    auth: { ...cleanAuth, ...patch.auth },
  };
}

const noLists: SpamPolicy = { allowSenders: [], denySenders: [] };

/** A forged message: SPF fails for the envelope, no signature, DMARC fails. */
const forged: Partial<AuthSummary> = {
  spf: { result: 'fail', domain: 'example.com' },
  dkim: [],
  dmarc: { result: 'fail', domain: 'example.com', policy: 'reject' },
};

interface Case {
  readonly name: string;
  readonly checks: SpamChecks;
  readonly policy?: SpamPolicy;
  readonly spam: boolean;
  readonly reasons: readonly string[];
  readonly score?: number;
}

const cases: Case[] = [
  { name: 'clean, authenticated mail is ham', checks: checks(), spam: false, reasons: [], score: 0 },
  { name: 'GTUBE is spam outright', checks: checks({ gtube: true }), spam: true, reasons: ['gtube'], score: 1000 },
  {
    name: 'DMARC fail under p=reject is spam outright',
    checks: checks({ auth: forged }),
    spam: true,
    reasons: ['dmarc-reject', 'spf-fail', 'dkim-none'],
    score: 102.5,
  },
  {
    name: 'DMARC fail under p=quarantine is spam at the default threshold',
    checks: checks({ auth: { dmarc: { result: 'fail', domain: 'example.com', policy: 'quarantine' } } }),
    spam: true,
    reasons: ['dmarc-quarantine'],
    score: 5,
  },
  {
    name: 'DMARC fail under p=none only adds a little',
    checks: checks({ auth: { dmarc: { result: 'fail', domain: 'example.com', policy: 'none' } } }),
    spam: false,
    reasons: ['dmarc-fail'],
    score: 1,
  },
  {
    name: 'DMARC fail with SPF temperror is not trusted',
    checks: checks({ auth: { ...forged, spf: { result: 'temperror', domain: 'example.com' } } }),
    spam: false,
    reasons: ['dmarc-temperror', 'spf-temperror', 'dkim-none'],
    score: 0.5,
  },
  {
    name: 'DMARC fail with a DKIM temperror is not trusted',
    checks: checks({ auth: { ...forged, dkim: [{ ...signed, result: 'temperror' }] } }),
    spam: false,
    reasons: ['dmarc-temperror', 'spf-fail', 'dkim-temperror'],
    score: 2,
  },
  {
    name: 'DMARC temperror weighs nothing',
    checks: checks({ auth: { dmarc: { result: 'temperror', domain: 'example.com', policy: null } } }),
    spam: false,
    reasons: ['dmarc-temperror'],
    score: 0,
  },
  { name: 'SPF fail', checks: checks({ auth: { spf: { result: 'fail', domain: 'example.com' } } }), spam: false, reasons: ['spf-fail'], score: 2 },
  {
    name: 'SPF softfail',
    checks: checks({ auth: { spf: { result: 'softfail', domain: 'example.com' } } }),
    spam: false,
    reasons: ['spf-softfail'],
    score: 1,
  },
  {
    name: 'SPF permerror',
    checks: checks({ auth: { spf: { result: 'permerror', domain: 'example.com' } } }),
    spam: false,
    reasons: ['spf-permerror'],
    score: 1,
  },
  { name: 'SPF none', checks: checks({ auth: { spf: { result: 'none', domain: 'example.com' } } }), spam: false, reasons: ['spf-none'], score: 0.5 },
  { name: 'SPF neutral scores nothing', checks: checks({ auth: { spf: { result: 'neutral', domain: 'example.com' } } }), spam: false, reasons: [] },
  { name: 'unsigned', checks: checks({ auth: { dkim: [] } }), spam: false, reasons: ['dkim-none'], score: 0.5 },
  {
    name: 'an unverifiable signature counts as unsigned',
    checks: checks({ auth: { dkim: [{ ...signed, result: 'neutral' }] } }),
    spam: false,
    reasons: ['dkim-none'],
  },
  { name: 'a failed signature', checks: checks({ auth: { dkim: [{ ...signed, result: 'fail' }] } }), spam: false, reasons: ['dkim-fail'], score: 1 },
  {
    name: 'one passing signature outweighs a failed one',
    checks: checks({ auth: { dkim: [{ ...signed, result: 'fail', domain: 'list.example' }, signed] } }),
    spam: false,
    reasons: [],
  },
  { name: 'ARC fail', checks: checks({ auth: { arc: { result: 'fail' } } }), spam: false, reasons: ['arc-fail'], score: 0.5 },
  {
    name: 'header hits are reasons with their own scores',
    checks: checks({
      headerHits: [
        { rule: 'missing-date', score: 1 },
        { rule: 'missing-message-id', score: 0.5 },
      ],
    }),
    spam: false,
    reasons: ['header:missing-date', 'header:missing-message-id'],
    score: 1.5,
  },
  {
    name: 'small scores add up to the threshold',
    checks: checks({
      auth: { spf: { result: 'fail', domain: 'example.com' }, dkim: [] },
      headerHits: [
        { rule: 'missing-date', score: 1 },
        { rule: 'from-name-mismatch', score: 2 },
      ],
    }),
    spam: true,
    reasons: ['spf-fail', 'dkim-none', 'header:missing-date', 'header:from-name-mismatch'],
    score: 5.5,
  },
  {
    name: 'a higher threshold lets the same message through',
    checks: checks({ auth: { dmarc: { result: 'fail', domain: 'example.com', policy: 'quarantine' } } }),
    policy: { ...noLists, threshold: 8 },
    spam: false,
    reasons: ['dmarc-quarantine'],
  },
  {
    name: 'a higher threshold does not save GTUBE',
    checks: checks({ gtube: true }),
    policy: { ...noLists, threshold: 5000 },
    spam: true,
    reasons: ['gtube'],
  },
  {
    name: 'deny list matches the envelope sender',
    checks: checks({ mailFrom: 'Spammer@Bad.example' }),
    policy: { allowSenders: [], denySenders: ['spammer@bad.example'] },
    spam: true,
    reasons: ['deny-list'],
    score: 100,
  },
  {
    name: 'deny list matches the header From by domain',
    checks: checks({ headerFrom: ['x@bad.example'] }),
    policy: { allowSenders: [], denySenders: ['@BAD.example'] },
    spam: true,
    reasons: ['deny-list'],
  },
  {
    name: 'allow list: an authenticated sender is never spam, even with GTUBE',
    checks: checks({ gtube: true }),
    policy: { allowSenders: ['@example.com'], denySenders: [] },
    spam: false,
    reasons: ['allow-list'],
    score: 0,
  },
  {
    name: 'allow beats deny: the exception to a denied domain',
    checks: checks(),
    policy: { allowSenders: ['alice@example.com'], denySenders: ['@example.com'] },
    spam: false,
    reasons: ['allow-list'],
  },
  {
    name: 'allow list via SPF only (a mailing list that breaks DMARC)',
    checks: checks({
      mailFrom: 'bounces@lists.example.org',
      auth: {
        spf: { result: 'pass', domain: 'lists.example.org' },
        dkim: [],
        dmarc: { result: 'fail', domain: 'example.com', policy: 'reject' },
      },
    }),
    policy: { allowSenders: ['@lists.example.org'], denySenders: [] },
    spam: false,
    reasons: ['allow-list'],
  },
  {
    name: 'allow list via aligned DKIM when DMARC has no record',
    checks: checks({
      mailFrom: 'bounce@mailer.example.net',
      auth: { spf: { result: 'pass', domain: 'mailer.example.net' }, dmarc: { result: 'none', domain: 'example.com', policy: null } },
    }),
    policy: { allowSenders: ['alice@example.com'], denySenders: [] },
    spam: false,
    reasons: ['allow-list'],
  },
  {
    name: 'a forged allowed sender is not allowed, and deny still applies',
    checks: checks({ auth: forged }),
    policy: { allowSenders: ['@example.com'], denySenders: ['@example.com'] },
    spam: true,
    reasons: ['allow-list-unauthenticated', 'deny-list', 'dmarc-reject', 'spf-fail', 'dkim-none'],
  },
  {
    name: 'SPF pass for another domain does not authenticate the allowed envelope sender',
    checks: checks({
      mailFrom: 'ceo@example.com',
      headerFrom: ['ceo@example.com'],
      auth: { spf: { result: 'pass', domain: 'elsewhere.example' }, dkim: [], dmarc: { result: 'none', domain: 'example.com', policy: null } },
    }),
    policy: { allowSenders: ['ceo@example.com'], denySenders: [] },
    spam: false,
    reasons: ['allow-list-unauthenticated', 'dkim-none'],
  },
  {
    name: 'two From addresses cannot be allow-listed through DMARC',
    checks: checks({ mailFrom: '', headerFrom: ['alice@example.com', 'mallory@evil.example'], auth: { spf: { result: 'none', domain: 'helo.example' } } }),
    policy: { allowSenders: ['alice@example.com'], denySenders: [] },
    spam: false,
    reasons: ['allow-list-unauthenticated', 'spf-none'],
  },
];

describe('scoreMessage', () => {
  it.each(cases)('$name', (c) => {
    const verdict = scoreMessage(c.checks, c.policy ?? noLists);
    expect(verdict.reasons).toEqual(c.reasons);
    expect(verdict.spam).toBe(c.spam);
    if (c.score !== undefined) expect(verdict.score).toBe(c.score);
  });

  it('gives every scored reason a case above', () => {
    const seen = new Set(cases.flatMap((c) => c.reasons));
    for (const reason of Object.keys(REASON_SCORES)) expect(seen, reason).toContain(reason);
  });

  it('uses 5 as the default threshold', () => {
    expect(DEFAULT_SPAM_THRESHOLD).toBe(5);
    const justBelow = checks({ headerHits: [{ rule: 'x', score: 4.5 }] });
    const atIt = checks({ headerHits: [{ rule: 'x', score: 5 }] });
    expect(scoreMessage(justBelow, noLists).spam).toBe(false);
    expect(scoreMessage(atIt, noLists).spam).toBe(true);
  });
});

describe('matchSenderList', () => {
  it.each([
    ['alice@example.com', ['alice@example.com'], true],
    ['ALICE@Example.COM', ['alice@example.com'], true],
    ['alice@example.com', ['@EXAMPLE.com'], true],
    ['alice@example.com', ['example.com'], true],
    ['alice@mail.example.com', ['@example.com'], false],
    ['bob@example.com', ['alice@example.com'], false],
    ['', ['@example.com'], false],
    ['alice@example.com', ['', '  '], false],
    ['alice@example.com', [' alice@example.com '], true],
  ] as const)('%s in %j → %s', (address, list, expected) => {
    expect(matchSenderList(address, list)).toBe(expected);
  });
});
