import { describe, expect, it } from 'vitest';
import type { Problem, RoutingRule } from './model.js';
import { added, DIRECTORY, rule } from './testing.js';
import { validateRouting } from './validate.js';

function warnings(rules: RoutingRule[]): Problem[] {
  return validateRouting({ ...DIRECTORY, rules }).filter((p) => p.severity === 'warning');
}

function at(rules: RoutingRule[], path: string): string[] {
  return warnings(rules)
    .filter((p) => p.path === path)
    .map((p) => p.message);
}

const help = { single: 'help@solarmora.com' } as const;
const toCrm = { changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' }, changeRoute: 'crm' } as const;

describe('lint: rules that can never apply', () => {
  it('shadowed by a reject rule that covers its match, wherever that rule stands', () => {
    const rules = [
      rule({ description: 'copy help', match: help, modify: { addRecipients: [added('bob@solarmora.com')] } }),
      rule({ description: 'no help', match: { pattern: '(help|info)@solarmora\\.com' }, action: 'reject' }),
    ];
    expect(at(rules, 'defaultRouting[0].match')).toEqual([
      'rule 1 "no help" rejects every address this rule matches (a reject rule wins wherever it stands), so this rule never applies; remove it, or narrow rule 1\'s match',
    ]);
    // A reject rule for non-recognized addresses does not cover one that also acts on recognized ones.
    expect(at([{ ...(rules[0] as RoutingRule), recognizedAddresses: true }, rules[1] as RoutingRule], 'defaultRouting[0].match')).toEqual([]);
    // A disabled reject rule shadows nothing.
    expect(at([rules[0] as RoutingRule, { ...(rules[1] as RoutingRule), enabled: false }], 'defaultRouting[0].match')).toEqual([]);
  });

  it('shadowed by an all-addresses reject rule', () => {
    const rules = [rule({ description: 'closed', match: { all: true }, action: 'reject', recognizedAddresses: true }), rule({ match: help, modify: toCrm })];
    expect(at(rules, 'defaultRouting[1].match')[0]).toMatch(/^rule 0 "closed" rejects every address this rule matches/);
    // The first reject is not shadowed by the ones after it.
    expect(at(rules, 'defaultRouting[0].match')).toEqual([]);
  });

  it('a duplicate of an earlier rule (addresses compared without case)', () => {
    const rules = [rule({ description: 'a', match: help, modify: toCrm }), rule({ description: 'b', match: { single: 'HELP@solarmora.com' }, modify: toCrm })];
    expect(at(rules, 'defaultRouting[1].match')).toEqual([
      'this rule is the same as rule 0 "a" (only the description differs), so it adds nothing; remove one of them',
    ]);
    expect(at([rules[0] as RoutingRule, rule({ match: help, modify: { ...toCrm, requireTls: true } })], 'defaultRouting[1].match')).toEqual([]);
  });

  it('a single address outside the hosted domains, or in the desk’s', () => {
    expect(at([rule({ match: { single: 'help@example.org' }, modify: toCrm })], 'defaultRouting[0].match.single')).toEqual([
      '"help@example.org" is not in a hosted domain, and mail for other domains is refused before any rule is looked at, so this rule never applies; add example.org to domains or correct the address',
    ]);
    expect(at([rule({ match: { single: 'x@t1.desk.solarmora.test' }, modify: toCrm })], 'defaultRouting[0].match.single')[0]).toMatch(
      /is in the desk's domain, whose mail the desk takes before any rule is looked at/,
    );
  });

  it('a recognized address in a rule for non-recognized addresses only', () => {
    expect(at([rule({ match: { single: 'alice@solarmora.com' }, modify: toCrm })], 'defaultRouting[0].match.single')[0]).toMatch(
      /is the address of user alice@solarmora.com, so this rule never applies \(it acts on non-recognized addresses only\)/,
    );
  });
});

describe('lint: a pattern for a whole domain before more specific rules', () => {
  it('warns at the pattern, naming the rules whose change it takes', () => {
    const rules = [
      rule({
        description: 'all to the CRM',
        match: { pattern: '.*@solarmora\\.com' },
        modify: { changeEnvelopeRecipient: { replaceRecipient: 'all@crm.test' } },
      }),
      rule({ description: 'help', match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'help@crm.test' } } }),
      rule({ description: 'copy only', match: { single: 'info@solarmora.com' }, modify: { addRecipients: [added('bob@solarmora.com')] } }),
    ];
    expect(at(rules, 'defaultRouting[0].match.pattern')).toEqual([
      'the pattern .*@solarmora\\.com matches every address of solarmora.com and comes before a more specific rule (rule 1 "help"); its recipient change is used for their addresses instead of theirs; move this rule after them, or narrow the pattern',
    ]);
  });

  it('is quiet when the pattern comes last, or does not cover the whole domain', () => {
    const specific = rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'help@crm.test' } } });
    const wide = (pattern: string) => rule({ match: { pattern }, modify: { changeEnvelopeRecipient: { replaceRecipient: 'all@crm.test' } } });
    expect(at([specific, wide('.*@solarmora\\.com')], 'defaultRouting[1].match.pattern')).toEqual([]);
    expect(at([wide('[a-z]+@solarmora\\.com'), specific], 'defaultRouting[0].match.pattern')).toEqual([]);
  });
});

describe('lint: route loops', () => {
  const ping = rule({
    description: 'ping',
    match: { single: 'ping@solarmora.com' },
    modify: { changeEnvelopeRecipient: { replaceRecipient: 'pong@solarmora.com' }, changeRoute: 'crm' },
  });
  const pong = rule({
    description: 'pong',
    match: { single: 'pong@solarmora.com' },
    modify: { changeEnvelopeRecipient: { replaceRecipient: 'ping@solarmora.com' }, changeRoute: 'crm2' },
  });

  it('a new recipient of ours, sent out through a host, that the rules route back', () => {
    const messages = at([ping, pong], 'defaultRouting[0].modify.changeEnvelopeRecipient');
    expect(messages).toEqual([
      'the new recipient pong@solarmora.com is in solarmora.com, one of your domains, and leaves through host crm; mail for it that comes back here is routed on (pong@solarmora.com → ping@solarmora.com) to an address this rule takes again: a loop that ends only when the hop count runs out; send it to an address outside your domains, or change the rules on that path',
    ]);
    expect(at([ping, pong], 'defaultRouting[1].modify.changeEnvelopeRecipient')[0]).toMatch(/routed on \(ping@solarmora.com → pong@solarmora.com\)/);
  });

  it('no loop when the way back ends: an address outside, a mailbox, or a reject', () => {
    const outside = rule({ ...pong, modify: { ...pong.modify, changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' } } });
    expect(at([ping, outside], 'defaultRouting[0].modify.changeEnvelopeRecipient')).toEqual([]);
    expect(at([ping], 'defaultRouting[0].modify.changeEnvelopeRecipient')).toEqual([]);
    expect(at([ping, rule({ match: { single: 'pong@solarmora.com' }, action: 'reject' }), pong], 'defaultRouting[0].modify.changeEnvelopeRecipient')).toEqual(
      [],
    );
  });
});
