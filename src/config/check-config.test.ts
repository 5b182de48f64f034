import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse-config.js';

const CONFIG = `domains: [solarmora.com]
desk:
  domain: case.solarmora.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com }
defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: RECIPIENT }
      addRecipients:
        - address: ADDED
`;

const facts = {
  deskAddresses: [
    { address: 'support@old0token.case.solarmora.test', channel: 'Support', retired: true },
    { address: 'support@new1token.case.solarmora.test', channel: 'Support', retired: false },
  ],
};

function warnings(recipient: string, addedAddress: string, withFacts = true) {
  const r = parseConfigText(CONFIG.replace('RECIPIENT', recipient).replace('ADDED', addedAddress), withFacts ? facts : undefined);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.warnings.map((w) => [w.path, w.message, w.line, w.code]);
}

describe('desk addresses in rules, checked against the store', () => {
  it('warns about a retired channel address, naming the current one, at its line', () => {
    expect(warnings('support@old0token.case.solarmora.test', 'bob@crm.test')).toEqual([
      [
        'defaultRouting[0].modify.changeEnvelopeRecipient.replaceRecipient',
        'support@old0token.case.solarmora.test is a retired address of channel "Support" (it was rotated), so the desk refuses mail to it (550 5.1.1); use its current address support@new1token.case.solarmora.test (relaydesk desk rotate Support --update-rules moves rules along with a rotation)',
        10,
        'desk-address-retired',
      ],
    ]);
  });

  it('warns about a desk address no channel has, also as an added recipient', () => {
    expect(warnings('support@new1token.case.solarmora.test', 'sales@typo.case.solarmora.test')).toEqual([
      [
        'defaultRouting[0].modify.addRecipients[0].address',
        "sales@typo.case.solarmora.test is in the desk's domain, but no channel of this installation has that address, so the desk refuses mail to it (550 5.1.1); copy the channel's address from relaydesk desk channels",
        12,
        'desk-address-unknown',
      ],
    ]);
  });

  it('is quiet for current addresses, addresses outside the desk, and without the facts', () => {
    expect(warnings('SUPPORT@new1token.case.solarmora.test', 'partner@crm.test')).toEqual([]);
    expect(warnings('support@old0token.case.solarmora.test', 'x@typo.case.solarmora.test', false)).toEqual([]);
  });
});

const ASSIGNING = `domains: [solarmora.com]
desk:
  domain: case.solarmora.test
  channels:
    - { name: Support, kind: support, agents: [amy@solarmora.com, ben@solarmora.com], autoAssign: true }
    - { name: Sales, kind: sales }
  assignment:
    - when: { keyword: invoice }
      assign: { agent: AGENT }
    - when: { channel: CHANNEL }
      assign: { roundRobin: true }
`;
const accounts = [
  { email: 'amy@solarmora.com', disabled: false },
  { email: 'ben@solarmora.com', disabled: false },
  { email: 'old@solarmora.com', disabled: true },
];

describe('assignment, checked against the console accounts', () => {
  const check = (agent: string, channel = 'Support', text = ASSIGNING) =>
    parseConfigText(text.replace('AGENT', agent).replace('CHANNEL', channel), { deskAddresses: [], accounts });

  it('takes known agents and channels, and writes the section back as it was', async () => {
    const r = check('amy@solarmora.com');
    expect(r.ok && r.warnings).toEqual([]);
    if (!r.ok) return;
    expect(r.config.desk?.assignment).toEqual([
      { when: { keyword: 'invoice' }, assign: { agent: 'amy@solarmora.com' } },
      { when: { channel: 'Support' }, assign: { roundRobin: true } },
    ]);
    const { renderConfigYaml } = await import('./render-config.js');
    const again = parseConfigText(renderConfigYaml(r.config));
    expect(again.ok && again.config).toEqual(r.config);
  });

  it('refuses an agent who is no console account, with the place and the fix', () => {
    const r = check('nobody@solarmora.com');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => [p.path, p.severity, p.code, p.line])).toEqual([['desk.assignment[0].assign.agent', 'error', 'assignment-agent-unknown', 9]]);
    expect(r.problems[0]?.message).toMatch(/nobody@solarmora\.com is not a console account.*relaydesk user add nobody@solarmora\.com/);
  });

  it('warns about a disabled agent, and refuses an unknown or sales channel', () => {
    const disabled = check('old@solarmora.com');
    expect(disabled.ok && disabled.warnings.map((w) => [w.path, w.code])).toEqual([['desk.assignment[0].assign.agent', 'assignment-agent-disabled']]);
    const unknown = check('amy@solarmora.com', 'Suport');
    expect(!unknown.ok && unknown.problems.map((p) => [p.path, p.code, p.message])).toEqual([
      ['desk.assignment[1].when.channel', 'assignment-channel-unknown', 'no desk channel is named "Suport"; use one of: Support, Sales'],
    ]);
    const sales = check('amy@solarmora.com', 'sales');
    expect(!sales.ok && sales.problems.map((p) => p.code)).toEqual(['assignment-sales-channel/rule']);
  });

  it("checks a channel's agents too, and skips the account checks without the store's facts", () => {
    const text = ASSIGNING.replace('ben@solarmora.com]', 'ghost@solarmora.com]').replace('AGENT', 'amy@solarmora.com').replace('CHANNEL', 'Support');
    const r = parseConfigText(text, { deskAddresses: [], accounts });
    expect(!r.ok && r.problems.map((p) => [p.path, p.code])).toEqual([['desk.channels[0].agents[1]', 'assignment-agent-unknown']]);
    expect(parseConfigText(text).ok).toBe(true);
  });

  it('warns that a rule with no condition shadows the rules after it', () => {
    const text = ASSIGNING.replace('when: { keyword: invoice }', 'when: {}').replace('AGENT', 'amy@solarmora.com').replace('CHANNEL', 'Support');
    const r = parseConfigText(text, { deskAddresses: [], accounts });
    expect(r.ok && r.warnings.map((w) => [w.path, w.code, w.message])).toEqual([
      [
        'desk.assignment[0].when',
        'assignment-rule-shadows',
        'rule 1 has no condition, so it takes every case and the rule after it never applies; give it a condition or move it last',
      ],
    ]);
  });
});
