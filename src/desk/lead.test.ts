import { describe, expect, it } from 'vitest';
import { applyLeadEvent, companyDomainOf, leadFromMessage, planConversion, registrableDomain, splitDisplayName, type LeadEvent } from './lead.js';
import type { IntakeMessage, Lead, LeadStatus } from './model.js';

describe('splitDisplayName', () => {
  it.each<[string, string, string | null]>([
    ['Jane Doe', 'Jane Doe', null],
    ['Jane Doe (Acme Corp)', 'Jane Doe', 'Acme Corp'],
    ['Jane Doe | Acme', 'Jane Doe', 'Acme'],
    ['Acme Inc. | Jane Doe', 'Jane Doe', 'Acme Inc.'],
    ['Jane Doe / Acme', 'Jane Doe', 'Acme'],
    ['Jane Doe - Acme', 'Jane Doe', 'Acme'],
    ['Jean-Luc Picard', 'Jean-Luc Picard', null],
    ['Jane Doe at Acme', 'Jane Doe', 'Acme'],
    ['Doe, Jane', 'Doe, Jane', null],
    ['Jane Doe, Acme Ltd.', 'Jane Doe', 'Acme Ltd.'],
    ['"Jane Doe"', 'Jane Doe', null],
    // Japanese: parentheses full- or half-width, the company before or after the name.
    ['山田 太郎（株式会社ソラモラ）', '山田 太郎', '株式会社ソラモラ'],
    ['山田太郎 (ソラモラ)', '山田太郎', 'ソラモラ'],
    ['株式会社ソラモラ 山田 太郎', '山田 太郎', '株式会社ソラモラ'],
    ['株式会社ソラモラ\u3000山田太郎', '山田太郎', '株式会社ソラモラ'],
    ['山田太郎 ソラモラ株式会社', '山田太郎', 'ソラモラ株式会社'],
    ['ソラモラ(株) 山田', '山田', 'ソラモラ(株)'],
    ['山田太郎｜ソラモラ', '山田太郎', 'ソラモラ'],
    ['㈱ソラモラ／山田太郎', '山田太郎', '㈱ソラモラ'],
    ['山田 太郎', '山田 太郎', null],
  ])('%j → %j, %j', (display, name, company) => expect(splitDisplayName(display)).toEqual({ name, company }));
});

describe('company domains', () => {
  it.each<[string, string | null]>([
    ['taro@solarmora.co.jp', 'solarmora.co.jp'],
    ['taro@mail.solarmora.co.jp', 'solarmora.co.jp'],
    ['jane@eu.acme.com', 'acme.com'],
    ['jane@gmail.com', null],
    ['taro@yahoo.co.jp', null],
    ['jane@outlook.com', null],
    ['taro@i.softbank.jp', null],
    ['taro@ezweb.ne.jp', null],
    ['x@localhost', 'localhost'],
    ['no-domain', null],
  ])('%j → %j', (address, domain) => expect(companyDomainOf(address)).toBe(domain));
  it('registrableDomain', () => expect(registrableDomain('a.b.example.co.uk.')).toBe('example.co.uk'));
});

function msg(from: { name: string; address: string } | null, over: Partial<IntakeMessage> = {}): IntakeMessage {
  return { envelope: { mailFrom: from?.address ?? '', recipient: 'sales@tok.case.test' }, from, subject: 'Quote for 40 panels', ...over };
}

describe('leadFromMessage', () => {
  it.each<[string, IntakeMessage, { name: string; email: string; company: string | null; companyDomain: string | null }]>([
    [
      'display name with company',
      msg({ name: 'Jane Doe (Acme Corp)', address: 'Jane@Acme.com' }),
      { name: 'Jane Doe', email: 'jane@acme.com', company: 'Acme Corp', companyDomain: 'acme.com' },
    ],
    [
      'company from the domain',
      msg({ name: 'Jane Doe', address: 'jane@acme.com' }),
      { name: 'Jane Doe', email: 'jane@acme.com', company: 'Acme', companyDomain: 'acme.com' },
    ],
    [
      'webmail: no company',
      msg({ name: 'Jane Doe', address: 'jane.doe@gmail.com' }),
      { name: 'Jane Doe', email: 'jane.doe@gmail.com', company: null, companyDomain: null },
    ],
    [
      'Japanese display name, company first',
      msg({ name: '株式会社ソラモラ 山田 太郎', address: 'yamada@solarmora.co.jp' }),
      { name: '山田 太郎', email: 'yamada@solarmora.co.jp', company: '株式会社ソラモラ', companyDomain: 'solarmora.co.jp' },
    ],
    [
      'Japanese name on webmail',
      msg({ name: '佐藤 花子', address: 'hanako@yahoo.co.jp' }),
      { name: '佐藤 花子', email: 'hanako@yahoo.co.jp', company: null, companyDomain: null },
    ],
    [
      'no display name: the local part',
      msg({ name: '', address: 'k.tanaka@tanaka-denki.co.jp' }),
      { name: 'k.tanaka', email: 'k.tanaka@tanaka-denki.co.jp', company: 'Tanaka-denki', companyDomain: 'tanaka-denki.co.jp' },
    ],
    [
      'a web form sending as sales@: the Reply-To',
      msg({ name: 'Website', address: 'sales@solarmora.com' }, { replyTo: [{ name: 'Bob | Builders Ltd', address: 'bob@builders.co.uk' }] }),
      { name: 'Bob', email: 'bob@builders.co.uk', company: 'Builders Ltd', companyDomain: 'builders.co.uk' },
    ],
  ])('%s', (_n, m, expected) => {
    expect(leadFromMessage(m, 'sales@solarmora.com')).toEqual({ ...expected, source: 'email', subject: 'Quote for 40 panels' });
  });
  it('is null when nobody can be named', () => expect(leadFromMessage(msg(null), null)).toBeNull());
});

describe('lead status machine', () => {
  const statuses: LeadStatus[] = ['new', 'working', 'qualified', 'converted', 'disqualified'];
  const events: LeadEvent['kind'][] = ['start-working', 'qualify', 'disqualify', 'convert', 'reopen'];
  const expected: Record<string, LeadStatus | 'same' | 'rejected'> = {
    'new/start-working': 'working',
    'new/qualify': 'qualified',
    'new/disqualify': 'disqualified',
    'new/convert': 'converted',
    'new/reopen': 'rejected',
    'working/start-working': 'same',
    'working/qualify': 'qualified',
    'working/disqualify': 'disqualified',
    'working/convert': 'converted',
    'working/reopen': 'same',
    'qualified/start-working': 'rejected',
    'qualified/qualify': 'same',
    'qualified/disqualify': 'disqualified',
    'qualified/convert': 'converted',
    'qualified/reopen': 'rejected',
    'converted/start-working': 'rejected',
    'converted/qualify': 'rejected',
    'converted/disqualify': 'rejected',
    'converted/convert': 'same',
    'converted/reopen': 'rejected',
    'disqualified/start-working': 'rejected',
    'disqualified/qualify': 'rejected',
    'disqualified/disqualify': 'same',
    'disqualified/convert': 'rejected',
    'disqualified/reopen': 'working',
  };
  it.each(statuses.flatMap((s) => events.map((e) => [s, e] as const)))('%s + %s', (status, event) => {
    const want = expected[`${status}/${event}`];
    const got = applyLeadEvent(status, { kind: event });
    if (want === 'same') expect(got).toEqual({ kind: 'unchanged', status });
    else if (want === 'rejected') expect(got.kind).toBe('rejected');
    else expect(got).toEqual({ kind: 'changed', from: status, to: want });
  });
});

describe('planConversion', () => {
  const lead: Lead = {
    id: 'lead-1',
    name: '山田 太郎',
    email: 'yamada@solarmora.co.jp',
    company: '株式会社ソラモラ',
    companyDomain: 'solarmora.co.jp',
    source: 'email',
    subject: 'Re: 太陽光パネル40枚の見積もり',
    status: 'qualified',
    channelId: 'ch-sales',
    createdAt: new Date('2025-01-01T00:00:00Z'),
  };
  it('creates contact, account and opportunity', () => {
    expect(planConversion(lead, { amount: 1_200_000, stage: 'proposal' })).toEqual({
      kind: 'convert',
      contact: { kind: 'create', name: '山田 太郎', email: 'yamada@solarmora.co.jp' },
      account: { kind: 'create', name: '株式会社ソラモラ', domain: 'solarmora.co.jp', personal: false },
      opportunity: { name: '株式会社ソラモラ — 太陽光パネル40枚の見積もり', amount: 1_200_000, stage: 'proposal' },
      leadStatus: 'converted',
    });
  });
  it('reuses an existing account and contact', () => {
    const plan = planConversion(lead, { existingAccountByCompany: { id: 'acc-9' }, existingContactByEmail: { id: 'con-3' } });
    expect(plan).toMatchObject({
      kind: 'convert',
      contact: { kind: 'reuse', contactId: 'con-3' },
      account: { kind: 'reuse', accountId: 'acc-9' },
      opportunity: { amount: null, stage: 'prospecting' },
    });
  });
  it('a webmail lead gets a personal account named for the person', () => {
    const plan = planConversion({ ...lead, company: null, companyDomain: null, subject: '' });
    expect(plan).toMatchObject({ account: { kind: 'create', name: '山田 太郎', domain: null, personal: true }, opportunity: { name: '山田 太郎' } });
  });
  it.each<[Partial<Lead>, { amount?: number }, RegExp]>([
    [{ status: 'converted' }, {}, /already converted/],
    [{ status: 'disqualified' }, {}, /disqualified lead cannot be converted/],
    [{}, { amount: -1 }, /amount -1/],
    [{}, { amount: Number.NaN }, /amount NaN/],
  ])('refuses %j %j', (over, options, reason) => {
    const plan = planConversion({ ...lead, ...over }, options);
    expect(plan.kind).toBe('rejected');
    if (plan.kind === 'rejected') expect(plan.reason).toMatch(reason);
  });
});
