import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCaseToken, replySubject } from './ack-template.js';
import { classifyMachineMail, mayAutoAnswer } from './classify-machine-mail.js';
import { DEFAULT_INTAKE_LIMITS, decideIntake, type IntakeInput } from './decide-intake.js';
import type { CaseRef, CaseStatus, IntakeChannel, IntakeDecision, IntakeMessage, LeadRef, MachineMailVerdict } from './model.js';

const NOW = new Date('2025-06-01T09:00:00Z');
const LOOP_ID = 'desk-7f3a';
const SUPPORT_IN = 'support@v1su0245ewejzhe7.case.relaydesk.test';
const SUPPORT: IntakeChannel = { id: 'ch-support', kind: 'support', publicAddress: 'help@solarmora.com', autoAcknowledge: true };
const SALES: IntakeChannel = { id: 'ch-sales', kind: 'sales', publicAddress: 'sales@solarmora.com', autoAcknowledge: false };
const TARO = { name: '山田 太郎', address: 'taro@customer.co.jp' };

function message(over: Partial<IntakeMessage> = {}): IntakeMessage {
  return {
    envelope: { mailFrom: TARO.address, recipient: SUPPORT_IN },
    messageId: '<m1@customer.co.jp>',
    subject: 'プリンターが動きません',
    from: TARO,
    to: [{ name: 'Support', address: 'help@solarmora.com' }],
    cc: [],
    text: '印刷できません。',
    ...over,
  };
}

function caseRef(status: CaseStatus, over: Partial<CaseRef> = {}): CaseRef {
  return { id: `case-${status}`, number: 1001, status, requester: TARO.address, participants: ['hanako@customer.co.jp'], ...over };
}

/** An input as the io layer builds it: the verdict really classified, every lookup empty unless given. */
function input(over: Partial<Omit<IntakeInput, 'verdict'>> & { verdict?: MachineMailVerdict } = {}): IntakeInput {
  const msg = over.message ?? message();
  return {
    message: msg,
    channel: SUPPORT,
    now: NOW,
    verdict: classifyMachineMail(msg, { ourLoopId: LOOP_ID }),
    duplicateOf: null,
    pendingVerificationNonces: [],
    subjectToken: null,
    replyAddressCase: null,
    referencedCase: null,
    referencedLead: null,
    openLeadForSender: null,
    recentCasesFromSender: 0,
    limits: DEFAULT_INTAKE_LIMITS,
    ...over,
  };
}

const newCase = (over: Partial<IntakeDecision & { kind: 'new-case' }> = {}): IntakeDecision => ({
  kind: 'new-case',
  linkedTo: null,
  subject: 'プリンターが動きません',
  requester: TARO,
  participants: [],
  acknowledge: true,
  receivedAt: NOW,
  ...over,
});

const outOfOffice = message({ subject: 'Automatic reply: [#1001] Re: プリンター', autoSubmitted: 'auto-replied', inReplyTo: '<ack@desk.test>' });
const dsn = message({
  from: { name: 'Mail Delivery Subsystem', address: 'mailer-daemon@googlemail.com' },
  envelope: { mailFrom: '', recipient: SUPPORT_IN },
  subject: 'Delivery Status Notification (Failure)',
  isReport: true,
  reportedRecipients: [{ address: 'gone@customer.co.jp', action: 'failed' }],
});

const arf = message({
  from: { name: 'Mail Abuse Feedback', address: 'feedback@arf.mail.example.com' },
  envelope: { mailFrom: 'feedback-bounces@arf.mail.example.com', recipient: SUPPORT_IN },
  subject: 'FW: Your invoice',
  isReport: true,
  reportType: 'feedback-report',
});

describe('decideIntake: one message, one effect', () => {
  it.each<[string, IntakeInput, IntakeDecision]>([
    [
      'an ARF abuse report with a real envelope sender → suspended, no case, no acknowledgement',
      input({ message: arf }),
      { kind: 'suspend', reason: 'bulk', detail: 'multipart/report; report-type=feedback-report' },
    ],
    [
      'an ARF report naming a case by its references → kept on it, the case not woken',
      input({ message: { ...arf, references: ['<ack@desk.test>'] }, referencedCase: caseRef('solved') }),
      { kind: 'attach-machine-mail', target: { kind: 'case', caseId: 'case-solved' }, machine: 'bulk', flagAddresses: [] },
    ],
    [
      'a read receipt from the person themselves → suspended as a report',
      input({ message: message({ isReport: true, reportType: 'disposition-notification', subject: '開封確認: プリンター' }) }),
      { kind: 'suspend', reason: 'bounce', detail: 'multipart/report delivery report' },
    ],
    ['a new mail opens a case and is acknowledged', input(), newCase()],
    [
      'In-Reply-To/References → the same case',
      input({ message: message({ inReplyTo: '<ack@desk.test>' }), referencedCase: caseRef('open') }),
      { kind: 'append', caseId: 'case-open', via: 'references', reopen: false, sender: 'requester' },
    ],
    [
      'only the [#N] token → the same case',
      input({ message: message({ subject: 'Re: [#1001] プリンター' }), subjectToken: { caseNumber: 1001, case: caseRef('open') } }),
      { kind: 'append', caseId: 'case-open', via: 'subject-token', reopen: false, sender: 'requester' },
    ],
    [
      'a signed reply address → its case, before a token naming another',
      input({ replyAddressCase: caseRef('open', { id: 'case-A' }), subjectToken: { caseNumber: 7, case: caseRef('open', { id: 'case-B' }) } }),
      { kind: 'append', caseId: 'case-A', via: 'reply-address', reopen: false, sender: 'requester' },
    ],
    [
      'a token naming no case of this channel falls back to References',
      input({ subjectToken: { caseNumber: 5, case: null }, referencedCase: caseRef('pending') }),
      { kind: 'append', caseId: 'case-pending', via: 'references', reopen: true, sender: 'requester' },
    ],
    ['the same subject with no headers and no token → a new case', input({ message: message({ subject: 'Re: プリンターが動きません' }) }), newCase()],
    [
      'the requester’s reply reopens a solved case',
      input({ referencedCase: caseRef('solved') }),
      { kind: 'append', caseId: 'case-solved', via: 'references', reopen: true, sender: 'requester' },
    ],
    [
      'a participant’s reply reopens a pending case',
      input({ message: message({ from: { name: 'Hanako', address: 'hanako@customer.co.jp' } }), referencedCase: caseRef('pending') }),
      { kind: 'append', caseId: 'case-pending', via: 'references', reopen: true, sender: 'participant' },
    ],
    [
      'a stranger with a guessed token adds mail but does not reopen',
      input({ message: message({ from: { name: 'X', address: 'x@elsewhere.test' } }), subjectToken: { caseNumber: 1001, case: caseRef('solved') } }),
      { kind: 'append', caseId: 'case-solved', via: 'subject-token', reopen: false, sender: 'other' },
    ],
    [
      'a reply to a closed case opens a new case linked to it, without the old token',
      input({ message: message({ subject: 'Re: [#1001] プリンターが動きません' }), subjectToken: { caseNumber: 1001, case: caseRef('closed') } }),
      newCase({ linkedTo: 'case-closed' }),
    ],
    [
      'the linked case split from a closed one still counts against the flood limit',
      input({ subjectToken: { caseNumber: 1001, case: caseRef('closed') }, recentCasesFromSender: 21 }),
      { kind: 'suspend', reason: 'flood', detail: 'taro@customer.co.jp already opened 21 in the last hour (limit 20)' },
    ],
    ['a duplicate has no second effect', input({ duplicateOf: { intakeId: 'in-42' }, referencedCase: caseRef('solved') }), { kind: 'duplicate', of: 'in-42' }],
    [
      'an out-of-office with no case → suspended, no case, no ack',
      input({ message: outOfOffice }),
      { kind: 'suspend', reason: 'auto-reply', detail: 'Auto-Submitted: auto-replied' },
    ],
    [
      'an out-of-office on a solved case → attached, not reopened',
      input({ message: outOfOffice, subjectToken: { caseNumber: 1001, case: caseRef('solved') } }),
      { kind: 'attach-machine-mail', target: { kind: 'case', caseId: 'case-solved' }, machine: 'auto-reply', flagAddresses: [] },
    ],
    [
      'a bounce attaches without reopening and flags the bad address',
      input({ message: dsn, referencedCase: caseRef('solved') }),
      { kind: 'attach-machine-mail', target: { kind: 'case', caseId: 'case-solved' }, machine: 'bounce', flagAddresses: ['gone@customer.co.jp'] },
    ],
    ['a bounce for no case → suspended', input({ message: dsn }), { kind: 'suspend', reason: 'bounce', detail: 'multipart/report delivery report' }],
    [
      'bulk mail → suspended',
      input({ message: message({ precedence: 'bulk', from: { name: 'News', address: 'news@vendor.test' } }) }),
      { kind: 'suspend', reason: 'bulk', detail: 'Precedence: bulk' },
    ],
    [
      'our own loop header → suspended even when it threads',
      input({ message: message({ xLoop: LOOP_ID }), referencedCase: caseRef('open') }),
      { kind: 'suspend', reason: 'loop', detail: 'X-Relaydesk-Loop carries our loop id' },
    ],
    [
      'a no-reply sender gets a case but never an acknowledgement',
      input({ message: message({ from: { name: 'Shop', address: 'noreply@shop.test' }, envelope: { mailFrom: 'bounces@shop.test', recipient: SUPPORT_IN } }) }),
      newCase({ requester: { name: 'Shop', address: 'noreply@shop.test' }, acknowledge: false }),
    ],
    [
      'From the public address: the requester is the Reply-To',
      input({ message: message({ from: { name: 'Help', address: 'help@solarmora.com' }, replyTo: [TARO] }) }),
      newCase(),
    ],
    [
      'From the public address and no Reply-To: never acknowledge ourselves',
      input({ message: message({ from: { name: 'Help', address: 'help@solarmora.com' } }) }),
      newCase({ requester: { name: 'Help', address: 'help@solarmora.com' }, acknowledge: false }),
    ],
    ['acknowledgements switched off for the channel', input({ channel: { ...SUPPORT, autoAcknowledge: false } }), newCase({ acknowledge: false })],
    [
      'nobody to answer → suspended',
      input({ message: message({ from: null, envelope: { mailFrom: 'garbage', recipient: SUPPORT_IN } }) }),
      { kind: 'suspend', reason: 'no-requester', detail: 'no usable From, Reply-To or envelope sender to answer' },
    ],
    [
      'a Gmail forwarding confirmation goes to the admin',
      input({
        message: message({
          from: { name: 'Gmail Team', address: 'forwarding-noreply@google.com' },
          subject: '(#123456789) Gmail Forwarding Confirmation - Receive Mail from help@solarmora.com',
          text: 'Confirmation code: 123456789\nhttps://mail-settings.google.com/mail/vf-abc',
        }),
      }),
      { kind: 'forwarding-confirmation', code: '123456789', url: 'https://mail-settings.google.com/mail/vf-abc', forwardFrom: 'help@solarmora.com' },
    ],
    [
      'our verification mail (with our loop header) verifies the channel',
      input({ message: message({ xLoop: LOOP_ID, subject: 'Relaydesk forwarding check 8c1f0e6a9b2d4c7e' }), pendingVerificationNonces: ['8c1f0e6a9b2d4c7e'] }),
      { kind: 'verification', nonce: '8c1f0e6a9b2d4c7e' },
    ],
  ])('%s', (_name, i, expected) => expect(decideIntake(i)).toEqual(expected));

  it('participants: To and Cc without the requester, our addresses and machines, capped', () => {
    const many = Array.from({ length: 100 }, (_, k) => ({ name: `P${k}`, address: `p${k}@customer.co.jp` }));
    const d = decideIntake(
      input({
        message: message({
          to: [
            { name: 'Support', address: 'Help@Solarmora.com' },
            { name: '', address: SUPPORT_IN },
            { name: 'Me', address: 'TARO@customer.co.jp' },
          ],
          cc: [
            { name: 'Hanako\r\n', address: 'hanako@customer.co.jp' },
            { name: 'dup', address: 'HANAKO@customer.co.jp' },
            { name: '', address: 'noreply@x.test' },
            ...many,
          ],
        }),
      }),
    );
    if (d.kind !== 'new-case') throw new Error(d.kind);
    expect(d.participants[0]).toEqual({ name: 'Hanako', address: 'hanako@customer.co.jp' });
    expect(d.participants).toHaveLength(DEFAULT_INTAKE_LIMITS.maxParticipants);
    expect(d.participants.map((p) => p.address)).not.toContain('noreply@x.test');
  });
});

describe('decideIntake on a sales channel', () => {
  const sales = (over: Partial<IntakeInput> = {}): IntakeInput =>
    input({
      channel: SALES,
      message: message({
        envelope: { mailFrom: TARO.address, recipient: 'sales@k2m9.case.test' },
        from: { name: '株式会社ソラモラ 山田 太郎', address: TARO.address },
        subject: '見積もり依頼',
      }),
      ...over,
    });
  const lead: LeadRef = { id: 'lead-1', status: 'working' };
  it.each<[string, IntakeInput, IntakeDecision]>([
    [
      'a new thread opens a lead',
      sales(),
      {
        kind: 'new-lead',
        lead: {
          name: '山田 太郎',
          email: TARO.address,
          company: '株式会社ソラモラ',
          companyDomain: 'customer.co.jp',
          source: 'email',
          subject: '見積もり依頼',
        },
        receivedAt: NOW,
      },
    ],
    ['a reply threads onto its lead', sales({ referencedLead: lead }), { kind: 'append-lead', leadId: 'lead-1', via: 'references' }],
    ['later mail from the lead’s address threads onto the lead', sales({ openLeadForSender: lead }), { kind: 'append-lead', leadId: 'lead-1', via: 'sender' }],
    [
      'the lead’s out-of-office is attached to the lead',
      input({ channel: SALES, message: outOfOffice, openLeadForSender: lead }),
      { kind: 'attach-machine-mail', target: { kind: 'lead', leadId: 'lead-1' }, machine: 'auto-reply', flagAddresses: [] },
    ],
    [
      'a bounce with no lead → suspended',
      input({ channel: SALES, message: dsn }),
      { kind: 'suspend', reason: 'bounce', detail: 'multipart/report delivery report' },
    ],
    [
      'a flood of new leads → suspended',
      sales({ recentCasesFromSender: 20 }),
      { kind: 'suspend', reason: 'flood', detail: 'taro@customer.co.jp already opened 20 in the last hour (limit 20)' },
    ],
  ])('%s', (_name, i, expected) => expect(decideIntake(i)).toEqual(expected));
});

describe('sequences through decideIntake', () => {
  it('25 new mails from one sender within a minute → 20 cases, 5 suspended', () => {
    let opened = 0;
    const kinds = Array.from({ length: 25 }, (_, k) => {
      const d = decideIntake(input({ message: message({ messageId: `<m${k}@customer.co.jp>`, subject: `Question ${k}` }), recentCasesFromSender: opened }));
      if (d.kind === 'new-case') opened++;
      return d.kind === 'suspend' ? `suspend:${d.reason}` : d.kind;
    });
    expect(kinds.filter((k) => k === 'new-case')).toHaveLength(20);
    expect(kinds.slice(20)).toEqual(Array(5).fill('suspend:flood'));
  });

  it('a loop between our ack and an auto-replier stops', () => {
    // An RFC 3834 responder answers our ack once; its answer is attached and answered by nobody.
    const first = decideIntake(input());
    expect(first).toMatchObject({ kind: 'new-case', acknowledge: true });
    const reply = decideIntake(input({ message: outOfOffice, subjectToken: { caseNumber: 1001, case: caseRef('new') } }));
    expect(reply.kind).toBe('attach-machine-mail');

    // A broken responder that drops every header and our token: only the flood limit can stop it.
    let opened = 0;
    let acks = 0;
    for (let round = 0; round < 100; round++) {
      const d = decideIntake(input({ message: message({ subject: `Auto: ${round}` }), recentCasesFromSender: opened }));
      if (d.kind !== 'new-case') break;
      opened++;
      if (d.acknowledge) acks++;
    }
    expect(acks).toBe(DEFAULT_INTAKE_LIMITS.maxNewCasesPerSenderPerHour);

    // A broken responder that keeps the subject threads into the case, and appends are never acknowledged.
    const echoed = message({ subject: `Out of office: ${replySubject('プリンター', 1001)}` });
    const n = findCaseToken(echoed.subject);
    expect(decideIntake(input({ message: echoed, subjectToken: { caseNumber: n!, case: caseRef('new') } })).kind).toBe('append');
  });
});

describe('properties', () => {
  const statusArb = fc.constantFrom<CaseStatus>('new', 'open', 'pending', 'solved', 'closed');
  const caseArb = fc.option(
    fc.record({
      id: fc.string({ minLength: 1 }),
      number: fc.integer({ min: 1 }),
      status: statusArb,
      requester: fc.constantFrom(TARO.address, 'x@y.test'),
      participants: fc.constant([]),
    }),
    { nil: null },
  );
  const leadArb = fc.option(
    fc.record({ id: fc.string({ minLength: 1 }), status: fc.constantFrom('new', 'working', 'qualified') as fc.Arbitrary<LeadRef['status']> }),
    { nil: null },
  );
  const machineArb: fc.Arbitrary<MachineMailVerdict> = fc.oneof(
    fc.record({ kind: fc.constant('auto-reply' as const), reason: fc.string() }),
    fc.record({ kind: fc.constant('bulk' as const), reason: fc.string() }),
    fc.record({ kind: fc.constant('loop' as const), reason: fc.string() }),
    fc.record({ kind: fc.constant('bounce' as const), reason: fc.string(), reportedRecipients: fc.array(fc.emailAddress()) }),
  );
  const fromArb = fc.oneof(fc.emailAddress(), fc.constantFrom('noreply@x.test', 'mailer-daemon@x.test', 'help@solarmora.com'));

  it('machine mail never opens a case or a lead and is never acknowledged', () => {
    fc.assert(
      fc.property(
        machineArb,
        caseArb,
        caseArb,
        leadArb,
        leadArb,
        fc.boolean(),
        fc.nat(40),
        fromArb,
        (verdict, ref, token, refLead, senderLead, sales, recent, from) => {
          const d = decideIntake(
            input({
              channel: sales ? SALES : SUPPORT,
              message: message({ from: { name: '', address: from } }),
              verdict,
              referencedCase: ref,
              subjectToken: token ? { caseNumber: token.number, case: token } : null,
              referencedLead: refLead,
              openLeadForSender: senderLead,
              recentCasesFromSender: recent,
            }),
          );
          return d.kind !== 'new-case' && d.kind !== 'new-lead' && d.kind !== 'append' && d.kind !== 'append-lead';
        },
      ),
    );
  });

  it('the subject alone never threads, whatever it says', () => {
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (subject, sales) => {
        const d = decideIntake(input({ channel: sales ? SALES : SUPPORT, message: message({ subject: `Re: ${subject}` }) }));
        return d.kind === (sales ? 'new-lead' : 'new-case');
      }),
    );
  });

  it('an acknowledgement goes only to a person we may answer, on a channel that wants it', () => {
    fc.assert(
      fc.property(fromArb, fc.boolean(), fc.option(fc.emailAddress(), { nil: undefined }), (from, autoAcknowledge, replyTo) => {
        const channel = { ...SUPPORT, autoAcknowledge };
        const msg = message({ from: { name: '', address: from }, replyTo: replyTo ? [{ name: '', address: replyTo }] : [] });
        const i = input({ channel, message: msg });
        const d = decideIntake(i);
        if (d.kind !== 'new-case' || !d.acknowledge) return true;
        return autoAcknowledge && i.verdict.kind === 'human' && mayAutoAnswer(d.requester.address) && d.requester.address !== 'help@solarmora.com';
      }),
    );
  });
});

describe('the route test', () => {
  it('opens a test case without an acknowledgement, whatever the flood count', () => {
    expect(decideIntake(input({ routeTest: true, recentCasesFromSender: 500 }))).toMatchObject({
      kind: 'new-case',
      acknowledge: false,
      routeTest: true,
      participants: [],
    });
  });
  it('without its mark the same mail is an ordinary, acknowledged case', () => {
    const d = decideIntake(input());
    expect(d).toMatchObject({ kind: 'new-case', acknowledge: true });
    expect(d).not.toHaveProperty('routeTest');
  });
});
