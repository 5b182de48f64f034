import { describe, expect, it } from 'vitest';
import type { RoutingRule } from './model.js';
import { DIRECTORY, added, rule } from './testing.js';
import { validateRouting, type RoutingInput } from './validate.js';

function problems(rules: RoutingRule[], extra: Partial<RoutingInput> = {}) {
  return validateRouting({ ...DIRECTORY, rules, ...extra });
}

const help = { single: 'help@solarmora.com' } as const;

describe('validateRouting', () => {
  it('finds nothing wrong with the seed rule', () => {
    expect(
      problems([
        rule({
          match: help,
          modify: { changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' }, changeRoute: 'crm', addRecipients: [added('sales-team@solarmora.com')] },
        }),
      ]),
    ).toEqual([]);
  });

  const errors: { name: string; rules?: RoutingRule[]; extra?: Partial<RoutingInput>; path: string; message: RegExp }[] = [
    {
      name: 'invalid regex',
      rules: [rule({}), rule({}), rule({ match: { pattern: '^(' } })],
      path: 'defaultRouting[2].match.pattern',
      message: /^"\^\(" is not a valid regular expression; .*fix the pattern/,
    },
    {
      name: 'a backreference, which RE2 lacks',
      rules: [rule({}), rule({ match: { pattern: '(a)\\1@solarmora\\.com' } })],
      path: 'defaultRouting[1].match.pattern',
      message: /^"\(a\)\\1@solarmora\\\.com" uses a backreference \(\\1\), which RE2 patterns do not support; RE2 cannot match text captured earlier/,
    },
    {
      name: 'a lookahead, which RE2 lacks',
      rules: [rule({ match: { pattern: '(?!noreply).*@solarmora\\.com' } })],
      path: 'defaultRouting[0].match.pattern',
      message:
        /^"\(\?!noreply\)\.\*@solarmora\\\.com" uses a negative lookahead \(\(\?!\), which RE2 patterns do not support; RE2 cannot test text without matching it/,
    },
    {
      name: 'changeRoute naming no host',
      rules: [rule({ match: help, modify: { changeRoute: 'crm3' } })],
      path: 'defaultRouting[0].modify.changeRoute',
      message: /no host is named "crm3"; define it under hosts or use one of: crm, crm2/,
    },
    { name: 'smarthost naming no host', extra: { smarthost: 'relay' }, path: 'outbound.smarthost', message: /no host is named "relay"/ },
    {
      name: 'group match naming no group',
      rules: [rule({ match: { group: 'ghosts@solarmora.com' } })],
      path: 'defaultRouting[0].match.group',
      message: /no group has the address/,
    },
    {
      name: 'replaceDomain not a domain',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm test' } } })],
      path: 'defaultRouting[0].modify.changeEnvelopeRecipient.replaceDomain',
      message: /not a domain name/,
    },
    {
      name: 'replaceUsername not a user name',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceUsername: 'a b' } } })],
      path: 'defaultRouting[0].modify.changeEnvelopeRecipient.replaceUsername',
      message: /not a valid user name/,
    },
    {
      name: 'replaceRecipient malformed',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'support' } } })],
      path: 'defaultRouting[0].modify.changeEnvelopeRecipient.replaceRecipient',
      message: /not a valid email address/,
    },
    { name: 'single malformed', rules: [rule({ match: { single: 'help@' } })], path: 'defaultRouting[0].match.single', message: /not a valid email address/ },
    {
      name: 'added recipient malformed',
      rules: [rule({ match: help, modify: { addRecipients: [added('x@crm.test'), added('nope')] } })],
      path: 'defaultRouting[0].modify.addRecipients[1].address',
      message: /not a valid email address/,
    },
    {
      name: 'more than 1,000 rules',
      rules: Array.from({ length: 1001 }, (_, i) => rule({ match: { single: `r${i}@solarmora.com` } })),
      path: 'defaultRouting',
      message: /1001 rules is more than the limit of 1000/,
    },
    { name: 'domain malformed', extra: { domains: ['solarmora.com', 'bad domain'] }, path: 'domains[1]', message: /not a domain name/ },
    {
      name: 'user outside hosted domains',
      extra: { users: [{ address: 'x@other.example', orgUnit: '/', aliases: [], status: 'active' }] },
      path: 'users[0].address',
      message: /not in a hosted domain; add other.example to domains/,
    },
    {
      name: 'alias malformed',
      extra: { users: [{ address: 'x@solarmora.com', orgUnit: '/', aliases: ['bad alias'], status: 'active' }] },
      path: 'users[0].aliases[0]',
      message: /not a valid email address/,
    },
    {
      name: 'group member malformed',
      extra: { groups: [{ address: 'g@solarmora.com', members: ['nope'] }] },
      path: 'groups[0].members[0]',
      message: /not a valid email address/,
    },
    {
      name: 'address held twice',
      extra: { groups: [...DIRECTORY.groups, { address: 'A.Smith@solarmora.com', members: [] }] },
      path: 'groups[2].address',
      message: /already held by user alice@solarmora.com \(as an alias\)/,
    },
    {
      name: 'postmaster not an address',
      extra: { postmaster: 'postmaster' },
      path: 'postmaster',
      message: /^"postmaster" is not an email address; write it as name@domain/,
    },
    {
      name: 'duplicate host name',
      extra: { hosts: [...DIRECTORY.hosts, { name: 'crm', host: 'x', port: 25, tls: 'none', domains: [] }] },
      path: 'hosts[2].name',
      message: /already defined/,
    },
  ];
  it.each(errors)('error: $name', ({ rules, extra, path, message }) => {
    const found = problems(rules ?? [], extra).filter((p) => p.severity === 'error');
    expect(found.map((p) => p.path)).toContain(path);
    expect(found.find((p) => p.path === path)?.message).toMatch(message);
  });

  const warnings: { name: string; rules: RoutingRule[]; path: string; message: RegExp }[] = [
    {
      name: 'a single match names a user (rule never applies)',
      rules: [rule({ match: { single: 'alice@solarmora.com' } })],
      path: 'defaultRouting[0].match.single',
      message: /is the address of user alice@solarmora.com, so this rule never applies.*recognizedAddresses: true/,
    },
    {
      name: 'a single match names an alias (acts on a real account)',
      rules: [rule({ match: { single: 'a.smith@solarmora.com' }, recognizedAddresses: true })],
      path: 'defaultRouting[0].match.single',
      message: /is an alias of user alice@solarmora.com, so this rule acts on a real account's mail/,
    },
    {
      name: 'a single match names a group',
      rules: [rule({ match: { single: 'sales-team@solarmora.com' } })],
      path: 'defaultRouting[0].match.single',
      message: /the address of group sales-team@solarmora.com/,
    },
    {
      name: 'two single rules change the same recipient',
      rules: [
        rule({ description: 'first', match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'a@crm.test' } } }),
        rule({ description: 'second', match: { single: 'HELP@solarmora.com' }, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm.test' } } }),
      ],
      path: 'defaultRouting[1].modify.changeEnvelopeRecipient',
      message: /rule "second" and rule 0 "first" both change the recipient of help@solarmora.com; only the first/,
    },
    {
      name: 'a pattern and a single rule change the same recipient',
      rules: [
        rule({ description: 'p', match: { pattern: 'help@.*' }, modify: { changeEnvelopeRecipient: { replaceRecipient: 'a@crm.test' } } }),
        rule({ description: 's', match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'b@crm.test' } } }),
      ],
      path: 'defaultRouting[1].modify.changeEnvelopeRecipient',
      message: /rule "s" and rule 0 "p"/,
    },
    {
      name: 'a group and an all rule change the same recipients',
      rules: [
        rule({ description: 'g', match: { group: 'sales-team@solarmora.com' }, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm.test' } } }),
        rule({ description: 'a', match: { all: true }, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm.test' } } }),
      ],
      path: 'defaultRouting[1].modify.changeEnvelopeRecipient',
      message: /every address/,
    },
    {
      name: 'a rewritten recipient in a hosted domain that nobody holds',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'ghost@solarmora.com' } } })],
      path: 'defaultRouting[0].modify.changeEnvelopeRecipient',
      message: /ghost@solarmora.com is in a hosted domain but no user, alias or group holds it/,
    },
    {
      name: 'a replaceUsername that lands on nobody',
      rules: [rule({ match: help, modify: { changeEnvelopeRecipient: { replaceUsername: 'ghost' } } })],
      path: 'defaultRouting[0].modify.changeEnvelopeRecipient',
      message: /ghost@solarmora.com/,
    },
    {
      name: 'a single match names a postmaster address',
      rules: [rule({ match: { single: 'PostMaster@solarmora.com' }, modify: { changeRoute: 'crm' } })],
      path: 'defaultRouting[0].match.single',
      message: /is a postmaster address: its mail goes to the postmaster before any rule is looked at \(RFC 5321 4\.5\.1\), so this rule never applies/,
    },
    {
      name: 'an added recipient nobody holds',
      rules: [rule({ match: help, modify: { addRecipients: [added('ghost@solarmora.com')] } })],
      path: 'defaultRouting[0].modify.addRecipients[0].address',
      message: /goes nowhere/,
    },
  ];
  it.each(warnings)('warning: $name', ({ rules, path, message }) => {
    const found = problems(rules);
    expect(found.filter((p) => p.severity === 'error')).toEqual([]);
    expect(found.find((p) => p.path === path && p.severity === 'warning')?.message).toMatch(message);
  });

  it('warns when the postmaster named is held by nobody, and only then', () => {
    const warned = (postmaster?: string) => problems([], postmaster === undefined ? {} : { postmaster }).filter((p) => p.path === 'postmaster');
    expect(warned('ghost@solarmora.com')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(
          /no user, alias or group holds ghost@solarmora.com, so postmaster mail is kept in a mailbox of its own \(relaydesk mailbox list ghost@solarmora.com\)/,
        ),
      }),
    ]);
    for (const fine of [undefined, 'bob@solarmora.com', 'a.smith@solarmora.com', 'inner@solarmora.com', 'ops@crm.test', 'postmaster@solarmora.com'])
      expect(warned(fine)).toEqual([]);
  });

  it('does not warn about changes that cannot meet', () => {
    const found = problems([
      rule({ match: help, modify: { changeEnvelopeRecipient: { replaceRecipient: 'a@crm.test' } } }),
      rule({ match: { single: 'info@solarmora.com' }, modify: { changeEnvelopeRecipient: { replaceRecipient: 'a@crm.test' } } }),
      rule({ match: help, enabled: false, modify: { changeEnvelopeRecipient: { replaceRecipient: 'b@crm.test' } } }),
      rule({ match: help, modify: { changeRoute: 'crm' } }),
      rule({ match: { pattern: 'x.*' }, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm.test' } } }),
      rule({ match: { pattern: 'y.*' }, modify: { changeEnvelopeRecipient: { replaceDomain: 'crm.test' } } }),
    ]);
    expect(found).toEqual([]);
  });

  it('reports every problem, not just the first', () => {
    const found = problems(
      [rule({ match: { pattern: '(' } }), rule({ match: help, modify: { changeRoute: 'x' } }), rule({ match: { group: 'g@solarmora.com' } })],
      { smarthost: 'y' },
    );
    expect(found.filter((p) => p.severity === 'error').map((p) => p.path)).toEqual([
      'outbound.smarthost',
      'defaultRouting[0].match.pattern',
      'defaultRouting[1].modify.changeRoute',
      'defaultRouting[2].match.group',
    ]);
  });
});
