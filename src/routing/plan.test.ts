import { describe, expect, it } from 'vitest';
import { decideRecipient } from './decide.js';
import type { PlannedDelivery, RecipientDecision, RoutingRule, SpamVerdict } from './model.js';
import { planDeliveries } from './plan.js';
import { buildSnapshot } from './snapshot.js';
import { added, DIRECTORY, rule, snapshotWith } from './testing.js';

const HAM: SpamVerdict = { spam: false, score: 0, reasons: [] };
const SPAM: SpamVerdict = { spam: true, score: 12, reasons: ['GTUBE'] };

/** `transport:recipient[@route][ held:reason]`, sorted: one string says where a copy goes. */
function summary(deliveries: readonly PlannedDelivery[]): string[] {
  return deliveries.map((d) => `${d.transport}:${d.recipient}${d.route ? `@${d.route}` : ''}${d.held ? ` held:${d.holdReason}` : ''}`).sort();
}

function run(rules: readonly RoutingRule[], recipients: readonly string[], verdict = HAM) {
  const snap = snapshotWith(rules);
  const decisions = recipients.map((r) => decideRecipient(r, snap));
  const plans = decisions.flatMap((d) => (d.kind === 'accept' ? [d.plan] : []));
  return { decisions, deliveries: planDeliveries(plans, verdict) };
}

function replyOf(d: RecipientDecision | undefined): string {
  return d?.kind === 'reject' ? `${d.reply.code} ${d.reply.enhanced}` : 'accept';
}

const help = { single: 'help@solarmora.com' } as const;
const toCrm = { changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' }, changeRoute: 'crm' } as const;

describe('decideRecipient: where a recipient goes (ham)', () => {
  const cases: { name: string; rules: RoutingRule[]; rcpt: string; reply?: string; to?: string[] }[] = [
    { name: 'a domain not hosted is relaying', rules: [], rcpt: 'x@gmail.com', reply: '550 5.7.1' },
    { name: 'rules never open relaying', rules: [rule({ match: { all: true }, modify: { changeRoute: 'crm' } })], rcpt: 'x@gmail.com', reply: '550 5.7.1' },
    { name: 'no domain at all', rules: [], rcpt: 'nobody', reply: '550 5.7.1' },
    { name: 'a desk domain goes to the desk', rules: [], rcpt: 'support@desk.solarmora.test', to: ['desk:support@desk.solarmora.test'] },
    {
      name: 'a desk subdomain goes to the desk',
      rules: [],
      rcpt: 'support@v1su0245.case.desk.solarmora.test',
      to: ['desk:support@v1su0245.case.desk.solarmora.test'],
    },
    { name: 'unknown hosted address: 5.1.1', rules: [], rcpt: 'nobody@solarmora.com', reply: '550 5.1.1' },
    { name: 'a suspended user is not recognized', rules: [], rcpt: 'carol@solarmora.com', reply: '550 5.1.1' },
    { name: 'a user gets a mailbox delivery', rules: [], rcpt: 'alice@solarmora.com', to: ['mailbox:alice@solarmora.com'] },
    { name: 'an alias lands in the primary mailbox', rules: [], rcpt: 'A.Smith@Solarmora.com', to: ['mailbox:alice@solarmora.com'] },
    { name: 'angle brackets and case are normalized', rules: [], rcpt: ' <BOB@SOLARMORA.COM> ', to: ['mailbox:bob@solarmora.com'] },
    {
      name: 'a group expands recursively, cycle-safe, skipping suspended members',
      rules: [],
      rcpt: 'sales-team@solarmora.com',
      to: ['mailbox:alice@solarmora.com', 'mailbox:bob@solarmora.com', 'smtp:partner@elsewhere.example'],
    },
    {
      name: 'the seed rule: replace recipient and route',
      rules: [rule({ match: help, modify: toCrm })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:support@crm.test@crm'],
    },
    {
      name: 'single matches ignore case',
      rules: [rule({ match: { single: 'HELP@solarmora.com' }, modify: toCrm })],
      rcpt: 'Help@SOLARMORA.com',
      to: ['smtp:support@crm.test@crm'],
    },
    {
      name: 'a pattern matches the whole address',
      rules: [rule({ match: { pattern: 'help' }, modify: toCrm })],
      rcpt: 'help@solarmora.com',
      reply: '550 5.1.1',
    },
    {
      name: 'a pattern ignores case',
      rules: [rule({ match: { pattern: 'HELP@solarmora\\.com' }, modify: toCrm })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:support@crm.test@crm'],
    },
    {
      name: 'alternation stays inside the anchors',
      rules: [rule({ match: { pattern: 'a|b@solarmora\\.com' }, modify: toCrm })],
      rcpt: 'a@solarmora.com',
      reply: '550 5.1.1',
    },
    { name: 'an invalid pattern matches nothing', rules: [rule({ match: { pattern: '^(' }, modify: toCrm })], rcpt: 'help@solarmora.com', reply: '550 5.1.1' },
    {
      name: 'all matches every non-recognized address',
      rules: [rule({ match: { all: true }, modify: { changeRoute: 'crm2' } })],
      rcpt: 'anyone@solarmora.com',
      to: ['smtp:anyone@solarmora.com@crm2'],
    },
    { name: 'a disabled rule does nothing', rules: [rule({ enabled: false, match: help, modify: toCrm })], rcpt: 'help@solarmora.com', reply: '550 5.1.1' },
    {
      name: 'recognizedAddresses false leaves a user alone',
      rules: [rule({ match: { single: 'alice@solarmora.com' }, modify: toCrm })],
      rcpt: 'alice@solarmora.com',
      to: ['mailbox:alice@solarmora.com'],
    },
    {
      name: 'recognizedAddresses true acts on a user',
      rules: [rule({ match: { single: 'alice@solarmora.com' }, modify: toCrm, recognizedAddresses: true })],
      rcpt: 'alice@solarmora.com',
      to: ['smtp:support@crm.test@crm'],
    },
    {
      name: 'a group match holds for direct members only',
      rules: [rule({ match: { group: 'sales-team@solarmora.com' }, modify: { changeRoute: 'crm' }, recognizedAddresses: true })],
      rcpt: 'bob@solarmora.com',
      to: ['mailbox:bob@solarmora.com'],
    },
    {
      name: 'a group match holds for a member',
      rules: [rule({ match: { group: 'sales-team@solarmora.com' }, modify: { changeRoute: 'crm' }, recognizedAddresses: true })],
      rcpt: 'alice@solarmora.com',
      to: ['smtp:alice@solarmora.com@crm'],
    },
    {
      name: 'replaceUsername keeps the domain',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceUsername: 'Bob' } } })],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:bob@solarmora.com'],
    },
    {
      name: 'replaceDomain keeps the user name',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm.test' } } })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:help@crm.test'],
    },
    {
      name: 'the first envelope change and the first route win',
      rules: [
        rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'one@crm.test' } } }),
        rule({ match: { all: true }, modify: { changeEnvelopeRecipient: { replaceRecipient: 'two@crm.test' }, changeRoute: 'crm2' } }),
        rule({ match: help, modify: { changeRoute: 'crm' } }),
      ],
      rcpt: 'help@solarmora.com',
      to: ['smtp:one@crm.test@crm2'],
    },
    {
      name: 'a rewritten recipient is looked up but not routed again',
      rules: [
        rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'alice@solarmora.com' } } }),
        rule({ match: { single: 'alice@solarmora.com' }, action: 'reject', recognizedAddresses: true }),
      ],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:alice@solarmora.com'],
    },
    {
      name: 'a rewritten group expands',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'inner@solarmora.com' } } })],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:alice@solarmora.com', 'mailbox:bob@solarmora.com', 'smtp:partner@elsewhere.example'],
    },
    {
      name: 'a rewritten desk address goes to the desk',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'help@desk.solarmora.test' } } })],
      rcpt: 'help@solarmora.com',
      to: ['desk:help@desk.solarmora.test'],
    },
    {
      name: 'a rewritten hosted address nobody holds has nowhere to go',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'ghost@solarmora.com' } } })],
      rcpt: 'help@solarmora.com',
      reply: '550 5.1.1',
    },
    {
      name: 'a route sends even a rewritten local address out through that host',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'alice@solarmora.com' }, changeRoute: 'crm' } })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:alice@solarmora.com@crm'],
    },
    {
      name: 'a route alone relays the original address',
      rules: [rule({ match: help, modify: { changeRoute: 'crm' } })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:help@solarmora.com@crm'],
    },
    {
      name: 'only added recipients get it when the original has no destination',
      rules: [rule({ match: help, modify: { addRecipients: [added('bob@solarmora.com'), added('x@crm.test')] } })],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:bob@solarmora.com', 'smtp:x@crm.test'],
    },
    {
      name: 'a modify rule that gives no destination: 5.1.1',
      rules: [rule({ match: help, modify: { customHeaders: { 'X-A': '1' }, addRecipients: [added('ghost@solarmora.com')] } })],
      rcpt: 'help@solarmora.com',
      reply: '550 5.1.1',
    },
    {
      name: 'a recognized user keeps the mailbox and gets the added copies',
      rules: [rule({ match: { single: 'bob@solarmora.com' }, recognizedAddresses: true, modify: { addRecipients: [added('sales-team@solarmora.com')] } })],
      rcpt: 'bob@solarmora.com',
      to: ['mailbox:alice@solarmora.com', 'mailbox:bob@solarmora.com', 'smtp:partner@elsewhere.example'],
    },
    {
      name: 'added desk addresses go to the desk',
      rules: [rule({ match: help, modify: { addRecipients: [added('sales@desk.solarmora.test')] } })],
      rcpt: 'help@solarmora.com',
      to: ['desk:sales@desk.solarmora.test'],
    },
    { name: 'a reject rule: 5.7.1', rules: [rule({ match: help, action: 'reject' })], rcpt: 'help@solarmora.com', reply: '550 5.7.1' },
    {
      name: 'reject wins over an earlier modify',
      rules: [rule({ match: help, modify: toCrm }), rule({ match: { all: true }, action: 'reject' })],
      rcpt: 'help@solarmora.com',
      reply: '550 5.7.1',
    },
    {
      name: 'reject spares recognized addresses by default',
      rules: [rule({ match: { all: true }, action: 'reject' })],
      rcpt: 'bob@solarmora.com',
      to: ['mailbox:bob@solarmora.com'],
    },
    {
      name: 'reject of a recognized address with recognizedAddresses',
      rules: [rule({ match: { all: true }, action: 'reject', recognizedAddresses: true })],
      rcpt: 'bob@solarmora.com',
      reply: '550 5.7.1',
    },
    {
      name: 'a quarantine rule holds every copy, even ham',
      rules: [rule({ match: help, modify: { ...toCrm, addRecipients: [added('bob@solarmora.com')] } }), rule({ match: help, action: 'quarantine' })],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:bob@solarmora.com held:quarantine-rule', 'smtp:support@crm.test@crm held:quarantine-rule'],
    },
    {
      name: 'a quarantine rule on a recognized user holds the mailbox copy',
      rules: [rule({ match: { all: true }, action: 'quarantine', recognizedAddresses: true })],
      rcpt: 'bob@solarmora.com',
      to: ['mailbox:bob@solarmora.com held:quarantine-rule'],
    },
    {
      name: 'a quarantine rule gives no destination by itself',
      rules: [rule({ match: help, action: 'quarantine' })],
      rcpt: 'help@solarmora.com',
      reply: '550 5.1.1',
    },
  ];
  it.each(cases)('$name', ({ rules, rcpt, reply, to }) => {
    const { decisions, deliveries } = run(rules, [rcpt]);
    expect(replyOf(decisions[0])).toBe(reply ?? 'accept');
    if (to) expect(summary(deliveries)).toEqual(to);
  });
});

describe('postmaster (RFC 5321 4.5.1)', () => {
  const cases: { name: string; rules?: RoutingRule[]; postmaster?: string; domains?: string[]; rcpt: string; reply?: string; to?: string[] }[] = [
    { name: 'at a hosted domain: a mailbox of its own by default', rcpt: 'postmaster@solarmora.com', to: ['mailbox:postmaster@solarmora.com'] },
    { name: 'bare, in any case', rcpt: '<PostMaster>', to: ['mailbox:postmaster@solarmora.com'] },
    {
      name: 'at every hosted domain, to the first one’s mailbox',
      domains: ['solarmora.com', 'solarmora.net'],
      rcpt: 'POSTMASTER@solarmora.net',
      to: ['mailbox:postmaster@solarmora.com'],
    },
    { name: 'at the desk’s domain too', rcpt: 'postmaster@desk.solarmora.test', to: ['mailbox:postmaster@solarmora.com'] },
    { name: 'not at a domain we do not take mail for', rcpt: 'postmaster@gmail.com', reply: '550 5.7.1' },
    { name: 'configured as a user: that mailbox', postmaster: 'Bob@solarmora.com', rcpt: 'postmaster', to: ['mailbox:bob@solarmora.com'] },
    {
      name: 'configured as an alias: the user’s mailbox',
      postmaster: 'a.smith@solarmora.com',
      rcpt: 'postmaster@solarmora.com',
      to: ['mailbox:alice@solarmora.com'],
    },
    {
      name: 'configured as a group: its members',
      postmaster: 'inner@solarmora.com',
      rcpt: 'postmaster@solarmora.com',
      to: ['mailbox:alice@solarmora.com', 'mailbox:bob@solarmora.com', 'smtp:partner@elsewhere.example'],
    },
    { name: 'configured outside: relayed there', postmaster: 'ops@crm.test', rcpt: 'postmaster@solarmora.com', to: ['smtp:ops@crm.test'] },
    {
      name: 'configured but held by nobody: a mailbox of its own there',
      postmaster: 'hostmaster@solarmora.com',
      rcpt: 'postmaster',
      to: ['mailbox:hostmaster@solarmora.com'],
    },
    { name: 'no hosted domain and none configured: nowhere to go', domains: [], rcpt: 'postmaster', reply: '550 5.1.1' },
    { name: 'no hosted domain but configured', domains: [], postmaster: 'ops@crm.test', rcpt: 'postmaster', to: ['smtp:ops@crm.test'] },
    {
      name: 'a reject rule for every address, recognized too, cannot refuse it',
      rules: [rule({ match: { all: true }, action: 'reject', recognizedAddresses: true })],
      rcpt: 'postmaster@solarmora.com',
      to: ['mailbox:postmaster@solarmora.com'],
    },
    {
      name: 'nor a quarantine rule hold it',
      rules: [rule({ match: { pattern: 'postmaster@.*' }, action: 'quarantine', recognizedAddresses: true })],
      rcpt: 'postmaster@solarmora.com',
      to: ['mailbox:postmaster@solarmora.com'],
    },
    {
      name: 'nor a modify rule rewrite it, add to it or route it',
      rules: [
        rule({
          match: { single: 'postmaster@solarmora.com' },
          recognizedAddresses: true,
          modify: { ...toCrm, addRecipients: [added('x@crm.test')], prependSubject: '[pm] ' },
        }),
      ],
      rcpt: 'postmaster@solarmora.com',
      to: ['mailbox:postmaster@solarmora.com'],
    },
  ];
  it.each(cases)('$name', ({ rules = [], postmaster, domains, rcpt, reply, to }) => {
    const snap = buildSnapshot({ ...DIRECTORY, ...(domains ? { domains } : {}), ...(postmaster ? { postmaster } : {}), rules, version: 1 });
    const d = decideRecipient(rcpt, snap);
    expect(replyOf(d)).toBe(reply ?? 'accept');
    if (d.kind !== 'accept') return;
    expect(d.plan.rules).toEqual([]);
    expect(d.plan.transform).toEqual({ headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false });
    if (to) expect(summary(planDeliveries([d.plan], HAM))).toEqual(to);
  });

  it('leaves postmaster@ a domain to the user or group that holds that very address', () => {
    const snap = buildSnapshot({
      ...DIRECTORY,
      users: [...DIRECTORY.users, { address: 'postmaster@solarmora.com', orgUnit: '/', aliases: [], status: 'active' }],
      postmaster: 'ops@crm.test',
      rules: [],
      version: 1,
    });
    expect(summary(deliveriesFor(snap, 'Postmaster@solarmora.com'))).toEqual(['mailbox:postmaster@solarmora.com']);
    expect(summary(deliveriesFor(snap, 'postmaster@desk.solarmora.test'))).toEqual(['smtp:ops@crm.test']);
  });

  it('holds spam for an outside postmaster in quarantine, as for rules; a mailbox just flags it', () => {
    const outside = buildSnapshot({ ...DIRECTORY, postmaster: 'ops@crm.test', rules: [], version: 1 });
    expect(summary(deliveriesFor(outside, 'postmaster', SPAM))).toEqual(['smtp:ops@crm.test held:spam']);
    expect(summary(deliveriesFor(snapshotWith([]), 'postmaster', SPAM))).toEqual(['mailbox:postmaster@solarmora.com']);
  });
});

function deliveriesFor(snap: ReturnType<typeof snapshotWith>, rcpt: string, verdict = HAM): PlannedDelivery[] {
  const d = decideRecipient(rcpt, snap);
  return d.kind === 'accept' ? planDeliveries([d.plan], verdict) : [];
}

describe('reject replies', () => {
  it('carry the rule text and the rule name', () => {
    const d = decideRecipient(
      'help@solarmora.com',
      snapshotWith([rule({ description: 'No help', match: help, action: 'reject', rejectText: 'Write to support@crm.test\r\ninstead' })]),
    );
    expect(d).toEqual({ kind: 'reject', reply: { code: 550, enhanced: '5.7.1', text: 'Write to support@crm.test instead' }, rule: 'No help' });
  });
  it('have a sensible default text', () => {
    const d = decideRecipient('help@solarmora.com', snapshotWith([rule({ match: help, action: 'reject' })]));
    expect(d.kind === 'reject' && d.reply.text).toMatch(/refused by the routing rules/);
  });
  it('name the address on 5.1.1 and the domain on 5.7.1', () => {
    const snap = snapshotWith([]);
    const a = decideRecipient('nobody@solarmora.com', snap);
    const b = decideRecipient('x@gmail.com', snap);
    expect(a.kind === 'reject' && a.reply.text).toContain('nobody@solarmora.com');
    expect(b.kind === 'reject' && b.reply.text).toContain('gmail.com');
  });
});

describe('planDeliveries: spam', () => {
  const cases: { name: string; rules: RoutingRule[]; rcpt: string; to: string[] }[] = [
    {
      name: 'a rule-routed relay is held',
      rules: [rule({ match: help, modify: toCrm })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:support@crm.test@crm held:spam'],
    },
    {
      name: 'bypassSpamFilter relays it',
      rules: [rule({ match: help, modify: { ...toCrm, bypassSpamFilter: true } })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:support@crm.test@crm'],
    },
    {
      name: 'bypass from any applying rule counts',
      rules: [rule({ match: help, modify: toCrm }), rule({ match: { all: true }, modify: { bypassSpamFilter: true } })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:support@crm.test@crm'],
    },
    {
      name: 'a rule-routed desk delivery is held',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'help@desk.solarmora.test' } } })],
      rcpt: 'help@solarmora.com',
      to: ['desk:help@desk.solarmora.test held:spam'],
    },
    {
      name: 'a rule-routed mailbox delivery is only flagged',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'bob@solarmora.com' } } })],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:bob@solarmora.com'],
    },
    { name: 'a recognized user gets it flagged', rules: [], rcpt: 'alice@solarmora.com', to: ['mailbox:alice@solarmora.com'] },
    {
      name: 'a group expansion without rules is not held',
      rules: [],
      rcpt: 'sales-team@solarmora.com',
      to: ['mailbox:alice@solarmora.com', 'mailbox:bob@solarmora.com', 'smtp:partner@elsewhere.example'],
    },
    {
      name: 'added recipients: doNotDeliverSpam holds, false delivers, even with bypass',
      rules: [rule({ match: help, modify: { ...toCrm, bypassSpamFilter: true, addRecipients: [added('bob@solarmora.com'), added('x@crm.test', false)] } })],
      rcpt: 'help@solarmora.com',
      to: ['mailbox:bob@solarmora.com held:spam', 'smtp:support@crm.test@crm', 'smtp:x@crm.test'],
    },
    {
      name: 'quarantine names its own reason over spam',
      rules: [rule({ match: help, modify: toCrm }), rule({ match: help, action: 'quarantine' })],
      rcpt: 'help@solarmora.com',
      to: ['smtp:support@crm.test@crm held:quarantine-rule'],
    },
  ];
  it.each(cases)('$name', ({ rules, rcpt, to }) => {
    const { deliveries } = run(rules, [rcpt], SPAM);
    expect(summary(deliveries)).toEqual(to);
    for (const d of deliveries) expect(d.spamFlag).toBe(true);
  });
  it('ham is never held by the spam policy', () => {
    const { deliveries } = run([rule({ match: help, modify: { ...toCrm, addRecipients: [added('bob@solarmora.com')] } })], ['help@solarmora.com'], HAM);
    expect(deliveries.every((d) => !d.held && !d.spamFlag)).toBe(true);
  });
});

describe('planDeliveries: combining and transforms', () => {
  it('accumulates added recipients, headers and prefixes once each, in table order', () => {
    const rules = [
      rule({
        description: 'one',
        match: help,
        modify: { ...toCrm, addRecipients: [added('x@crm.test')], customHeaders: { 'X-Rule': 'help' }, prependSubject: '[help] ' },
      }),
      rule({
        description: 'two',
        match: { all: true },
        modify: {
          addRecipients: [added('X@crm.test', false), added('y@crm.test')],
          customHeaders: { 'x-rule': 'help', 'X-Other': '1' },
          prependSubject: '[help] ',
        },
      }),
      rule({ description: 'three', match: { pattern: 'help@.*' }, modify: { prependSubject: '[ext] ' } }),
    ];
    const { decisions, deliveries } = run(rules, ['help@solarmora.com']);
    const plan = decisions[0]?.kind === 'accept' ? decisions[0].plan : undefined;
    expect(plan?.rules).toEqual(['one', 'two', 'three']);
    expect(plan?.transform.headers).toEqual([
      ['X-Rule', 'help'],
      ['X-Other', '1'],
    ]);
    expect(plan?.transform.prependSubject).toEqual(['[help] ', '[ext] ']);
    expect(summary(deliveries)).toEqual(['smtp:support@crm.test@crm', 'smtp:x@crm.test', 'smtp:y@crm.test']);
    // The first rule that adds an address sets its options.
    expect(plan?.targets.find((t) => t.recipient === 'x@crm.test')?.holdIfSpam).toBe(true);
  });

  it.each([
    ['requireTls', { requireTls: true }, (d: PlannedDelivery) => d.requireTls],
    ['removeAttachments', { removeAttachments: true }, (d: PlannedDelivery) => d.transform.removeAttachments],
    ['addSpamHeaders', { addSpamHeaders: true }, (d: PlannedDelivery) => d.transform.spamHeaders],
    ['addXOriginalToHeader', { addXOriginalToHeader: true }, (d: PlannedDelivery) => d.transform.xOriginalTo === 'help@solarmora.com'],
  ] as const)('%s holds when any applying rule sets it', (_name, option, read) => {
    const off = run([rule({ match: help, modify: toCrm })], ['help@solarmora.com']).deliveries;
    const on = run([rule({ match: help, modify: toCrm }), rule({ match: { all: true }, modify: option })], ['help@solarmora.com']).deliveries;
    expect(off.map(read)).toEqual([false]);
    expect(on.map(read)).toEqual([true]);
  });

  it('keeps the original recipient and the bounce policy per copy', () => {
    const { deliveries } = run(
      [rule({ match: help, modify: { ...toCrm, addRecipients: [added('x@crm.test', true, false), added('y@crm.test')] } })],
      ['help@solarmora.com'],
    );
    expect(deliveries.map((d) => [d.recipient, d.originalRecipient, d.suppressBounces])).toEqual([
      ['support@crm.test', 'help@solarmora.com', false],
      ['x@crm.test', 'help@solarmora.com', false],
      ['y@crm.test', 'help@solarmora.com', true],
    ]);
  });

  it('sends one copy per place when a recipient is also added', () => {
    const { deliveries } = run(
      [
        rule({
          match: help,
          modify: { changeEnvelopeRecipient: { replaceRecipient: 'bob@solarmora.com' }, addRecipients: [added('bob@solarmora.com', true, true)] },
        }),
      ],
      ['help@solarmora.com'],
      SPAM,
    );
    expect(summary(deliveries)).toEqual(['mailbox:bob@solarmora.com']);
    expect(deliveries[0]?.suppressBounces).toBe(false);
  });

  it('merges two envelope recipients that reach the same place, preferring the copy that goes out', () => {
    const rules = [
      rule({ description: 'help', match: help, modify: { ...toCrm, customHeaders: { 'X-A': '1' } } }),
      rule({
        description: 'info',
        match: { single: 'info@solarmora.com' },
        modify: { addRecipients: [added('support@crm.test')], customHeaders: { 'X-B': '2' }, changeRoute: 'crm' },
      }),
    ];
    // info@ itself is relayed via crm; its added copy of support@crm.test has no route, so it stays separate.
    const ham = run(rules, ['help@solarmora.com', 'info@solarmora.com']).deliveries;
    expect(summary(ham)).toEqual(['smtp:info@solarmora.com@crm', 'smtp:support@crm.test', 'smtp:support@crm.test@crm']);

    const same = [
      rule({ description: 'help', match: help, modify: { ...toCrm, customHeaders: { 'X-A': '1' } } }),
      rule({ description: 'info', match: { single: 'info@solarmora.com' }, modify: { ...toCrm, bypassSpamFilter: true, prependSubject: '[info] ' } }),
    ];
    const spam = run(same, ['help@solarmora.com', 'info@solarmora.com'], SPAM).deliveries;
    expect(summary(spam)).toEqual(['smtp:support@crm.test@crm']);
    expect(spam[0]?.originalRecipient).toBe('info@solarmora.com');
    const merged = run(same, ['help@solarmora.com', 'info@solarmora.com'], HAM).deliveries;
    expect(merged).toHaveLength(1);
    expect(merged[0]?.transform.headers).toEqual([['X-A', '1']]);
    expect(merged[0]?.transform.prependSubject).toEqual(['[info] ']);
    expect(merged[0]?.rules).toEqual(['help', 'info']);
  });

  it('plans nothing for no recipients', () => {
    expect(planDeliveries([], SPAM)).toEqual([]);
  });
});
