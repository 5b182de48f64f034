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
