/**
 * Checks a routing configuration before it is applied. Errors make `apply` refuse the
 * file; warnings are printed and applied anyway. Paths are those of the YAML file, so
 * the admin can find each problem; every message gives the cause and the fix.
 */
import { domainOf, inDomainTree, isDomainName, isLocalPart, isMailAddress, localPartOf, normalizeAddress, normalizeDomain } from './address.js';
import { lintRules } from './lint.js';
import { ruleMatches } from './match.js';
import { isPostmasterRecipient, POSTMASTER } from './postmaster.js';
import type { Address, Problem, RoutingRule, RoutingSnapshot } from './model.js';
import { patternCheck } from './pattern.js';
import { buildSnapshot, type SnapshotInput } from './snapshot.js';
import { problemText, type ProblemText } from '../base/problem-texts.js';

/** Gmail's limit, and the size the single-match index is measured against. */
export const MAX_RULES = 1000;

export type RoutingInput = Omit<SnapshotInput, 'version'>;

const error = (path: string, text: ProblemText, message: string): Problem => ({ path, message, severity: 'error', ...text });
const warning = (path: string, text: ProblemText, message: string): Problem => ({ path, message, severity: 'warning', ...text });

export function validateRouting(input: RoutingInput): Problem[] {
  const snapshot = buildSnapshot({ ...input, version: 0 });
  return [
    ...checkDomains(input),
    ...checkDirectory(input, snapshot),
    ...checkHosts(input),
    ...checkPostmaster(input, snapshot),
    ...checkRules(input, snapshot),
    ...checkOverlappingChanges(input.rules, snapshot),
    ...lintRules(input.rules, snapshot),
  ];
}

function checkDomains(input: RoutingInput): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  input.domains.forEach((d, i) => {
    if (!isDomainName(d))
      problems.push(error(`domains[${i}]`, problemText('not-a-domain', { value: d }), `"${d}" is not a domain name; write it like solarmora.com`));
    const key = normalizeDomain(d);
    if (seen.has(key)) problems.push(warning(`domains[${i}]`, problemText('listed-twice', { value: d }), `"${d}" is listed twice; remove one`));
    seen.add(key);
  });
  return problems;
}

function addressProblems(path: string, address: string, hosted: ReadonlySet<string> | null, what: string): Problem[] {
  if (!isMailAddress(address.trim())) {
    return [error(path, problemText('not-an-address', { value: address }), `"${address}" is not a valid email address; write it as name@domain`)];
  }
  if (hosted && !hosted.has(domainOf(normalizeAddress(address)))) {
    const domain = domainOf(normalizeAddress(address));
    return [
      error(
        path,
        problemText('address-not-hosted', { value: address, domain }),
        `${what} "${address}" is not in a hosted domain; add ${domain} to domains or correct the address`,
      ),
    ];
  }
  return [];
}

function checkDirectory(input: RoutingInput, snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  const holders = new Map<Address, Holder>();
  const hold = (path: string, address: string, holder: Holder): void => {
    const key = normalizeAddress(address);
    const prev = holders.get(key);
    if (prev !== undefined) {
      problems.push(
        error(
          path,
          problemText(`address-held-twice/${prev.kind}`, { value: address, owner: prev.owner }),
          `"${address}" is already held by ${prev.kind === 'group' ? 'group' : 'user'} ${prev.owner}${prev.kind === 'alias' ? ' (as an alias)' : ''}; an address may belong to one user or group only`,
        ),
      );
    } else holders.set(key, holder);
  };
  input.users.forEach((u, i) => {
    const base = `users[${i}]`;
    problems.push(...addressProblems(`${base}.address`, u.address, snapshot.domains, 'user address'));
    hold(`${base}.address`, u.address, { kind: 'user', owner: u.address });
    u.aliases.forEach((a, j) => {
      problems.push(...addressProblems(`${base}.aliases[${j}]`, a, snapshot.domains, 'alias'));
      hold(`${base}.aliases[${j}]`, a, { kind: 'alias', owner: u.address });
    });
  });
  input.groups.forEach((g, i) => {
    const base = `groups[${i}]`;
    problems.push(...addressProblems(`${base}.address`, g.address, snapshot.domains, 'group address'));
    hold(`${base}.address`, g.address, { kind: 'group', owner: g.address });
    g.members.forEach((m, j) => problems.push(...addressProblems(`${base}.members[${j}]`, m, null, 'member')));
  });
  return problems;
}

function checkHosts(input: RoutingInput): Problem[] {
  const problems: Problem[] = [];
  const names = new Set<string>();
  input.hosts.forEach((h, i) => {
    if (names.has(h.name))
      problems.push(
        error(`hosts[${i}].name`, problemText('host-name-twice', { name: h.name }), `a host named "${h.name}" is already defined; give each host its own name`),
      );
    names.add(h.name);
    h.domains.forEach((d, j) => {
      if (!isDomainName(d))
        problems.push(error(`hosts[${i}].domains[${j}]`, problemText('not-a-domain', { value: d }), `"${d}" is not a domain name; write it like crm.example`));
    });
  });
  if (input.smarthost !== undefined && !names.has(input.smarthost)) {
    problems.push(error('outbound.smarthost', unknownHost(input.smarthost, names), `no host is named "${input.smarthost}"; ${hostHint(names)}`));
  }
  return problems;
}

function checkPostmaster(input: RoutingInput, snapshot: RoutingSnapshot): Problem[] {
  if (input.postmaster === undefined) return [];
  if (!isMailAddress(input.postmaster.trim())) {
    return [
      error(
        'postmaster',
        problemText('postmaster-not-an-address', { value: input.postmaster }),
        `"${input.postmaster}" is not an email address; write it as name@domain, like ops@solarmora.com, or leave postmaster out for a mailbox of its own`,
      ),
    ];
  }
  const address = normalizeAddress(input.postmaster);
  if (isUnheldHosted(address, snapshot) && localPartOf(address) !== POSTMASTER) {
    return [
      warning(
        'postmaster',
        problemText('postmaster-unheld', { address }),
        `no user, alias or group holds ${address}, so postmaster mail is kept in a mailbox of its own (relaydesk mailbox list ${address}); add the user, or name an address that exists`,
      ),
    ];
  }
  return [];
}

function unknownHost(name: string, names: ReadonlySet<string>): ProblemText {
  return names.size === 0 ? problemText('unknown-host-none-defined', { name }) : problemText('unknown-host', { name, hosts: [...names].join(', ') });
}

function hostHint(names: ReadonlySet<string>): string {
  return names.size === 0 ? 'define it under hosts first' : `define it under hosts or use one of: ${[...names].join(', ')}`;
}

/** Who holds an address: a user (as its address or an alias) or a group. */
interface Holder {
  readonly kind: 'user' | 'alias' | 'group';
  readonly owner: string;
}

/** Who holds an address, or undefined when it is not recognized. */
function holderOf(address: Address, snapshot: RoutingSnapshot): Holder | undefined {
  const primary = snapshot.mailboxes.get(address);
  if (primary !== undefined) return { kind: primary === address ? 'user' : 'alias', owner: primary };
  if (snapshot.groups.has(address)) return { kind: 'group', owner: address };
  return undefined;
}

function holderWords(h: Holder): string {
  return h.kind === 'user' ? `the address of user ${h.owner}` : h.kind === 'alias' ? `an alias of user ${h.owner}` : `the address of group ${h.owner}`;
}

function checkRules(input: RoutingInput, snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  if (input.rules.length > MAX_RULES) {
    problems.push(
      error(
        'defaultRouting',
        problemText('too-many-rules', { count: input.rules.length, limit: MAX_RULES }),
        `${input.rules.length} rules is more than the limit of ${MAX_RULES}; merge rules, for example with a pattern match`,
      ),
    );
  }
  const hostNames = new Set(input.hosts.map((h) => h.name));
  input.rules.forEach((rule, i) => {
    const base = `defaultRouting[${i}]`;
    const m = rule.match;
    if ('single' in m) {
      const bad = addressProblems(`${base}.match.single`, m.single, null, 'address');
      problems.push(...bad);
      if (bad.length === 0 && isPostmasterRecipient(normalizeAddress(m.single), snapshot)) {
        problems.push(
          warning(
            `${base}.match.single`,
            problemText('rule-postmaster-address', { value: m.single }),
            `"${m.single}" is a postmaster address: its mail goes to the postmaster before any rule is looked at (RFC 5321 4.5.1), so this rule never applies; remove the rule, or set postmaster: to where that mail should go`,
          ),
        );
      }
      const holder = bad.length === 0 ? holderOf(normalizeAddress(m.single), snapshot) : undefined;
      if (holder !== undefined) {
        problems.push(
          warning(
            `${base}.match.single`,
            problemText(`${rule.recognizedAddresses ? 'rule-source-held' : 'rule-source-held-never-applies'}/${holder.kind}`, {
              value: m.single,
              owner: holder.owner,
            }),
            rule.recognizedAddresses
              ? `"${m.single}" is ${holderWords(holder)}, so this rule acts on a real account's mail; the source address of a rule should be held by no user, alias or group — remove it there, or keep it if that is what you mean`
              : `"${m.single}" is ${holderWords(holder)}, so this rule never applies (it acts on non-recognized addresses only); remove the address from the directory, or set recognizedAddresses: true`,
          ),
        );
      }
    } else if ('pattern' in m) {
      const problem = patternCheck(m.pattern);
      if (problem !== undefined) problems.push(error(`${base}.match.pattern`, problem.text, problem.message));
    } else if ('group' in m) {
      const bad = addressProblems(`${base}.match.group`, m.group, null, 'group');
      problems.push(...bad);
      if (bad.length === 0 && !snapshot.groups.has(normalizeAddress(m.group))) {
        problems.push(
          error(
            `${base}.match.group`,
            problemText('unknown-group', { value: m.group }),
            `no group has the address "${m.group}"; add it under groups or correct the address`,
          ),
        );
      }
    }
    if (rule.action === 'modify') problems.push(...checkModify(rule, base, hostNames, snapshot));
  });
  return problems;
}

function checkModify(rule: RoutingRule, base: string, hostNames: ReadonlySet<string>, snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  const m = rule.modify;
  if (m.changeRoute !== undefined && !hostNames.has(m.changeRoute)) {
    problems.push(error(`${base}.modify.changeRoute`, unknownHost(m.changeRoute, hostNames), `no host is named "${m.changeRoute}"; ${hostHint(hostNames)}`));
  }
  const change = m.changeEnvelopeRecipient;
  const path = `${base}.modify.changeEnvelopeRecipient`;
  let rewritten: Address | undefined;
  if (change && 'replaceRecipient' in change) {
    const bad = addressProblems(`${path}.replaceRecipient`, change.replaceRecipient, null, 'address');
    problems.push(...bad);
    if (bad.length === 0) rewritten = normalizeAddress(change.replaceRecipient);
  } else if (change && 'replaceUsername' in change) {
    if (!isLocalPart(change.replaceUsername.trim())) {
      problems.push(
        error(
          `${path}.replaceUsername`,
          problemText('not-a-user-name', { value: change.replaceUsername }),
          `"${change.replaceUsername}" is not a valid user name (the part before @); correct it`,
        ),
      );
    } else if ('single' in rule.match && isMailAddress(rule.match.single.trim())) {
      rewritten = `${change.replaceUsername.trim().toLowerCase()}@${domainOf(normalizeAddress(rule.match.single))}`;
    }
  } else if (change && 'replaceDomain' in change) {
    if (!isDomainName(change.replaceDomain.trim())) {
      problems.push(
        error(
          `${path}.replaceDomain`,
          problemText('not-a-domain', { value: change.replaceDomain }),
          `"${change.replaceDomain}" is not a domain name; write it like crm.example`,
        ),
      );
    } else if ('single' in rule.match && isMailAddress(rule.match.single.trim())) {
      const single = normalizeAddress(rule.match.single);
      rewritten = `${single.slice(0, single.lastIndexOf('@'))}@${normalizeDomain(change.replaceDomain)}`;
    }
  }
  if (rewritten !== undefined && m.changeRoute === undefined && isUnheldHosted(rewritten, snapshot)) {
    problems.push(
      warning(
        path,
        problemText('new-recipient-unheld', { address: rewritten }),
        `the new recipient ${rewritten} is in a hosted domain but no user, alias or group holds it, so the mail has nowhere to go; add it to the directory or change the rule`,
      ),
    );
  }
  m.addRecipients.forEach((a, j) => {
    const p = `${base}.modify.addRecipients[${j}].address`;
    const bad = addressProblems(p, a.address, null, 'address');
    problems.push(...bad);
    if (bad.length === 0 && isUnheldHosted(normalizeAddress(a.address), snapshot)) {
      problems.push(
        warning(
          p,
          problemText('added-recipient-unheld', { address: a.address }),
          `${a.address} is in a hosted domain but no user, alias or group holds it, so this copy goes nowhere; add it to the directory or remove it`,
        ),
      );
    }
  });
  return problems;
}

function isUnheldHosted(address: Address, snapshot: RoutingSnapshot): boolean {
  const domain = domainOf(address);
  return snapshot.domains.has(domain) && !snapshot.mailboxes.has(address) && !snapshot.groups.has(address) && !inDomainTree(domain, snapshot.deskDomains);
}

/**
 * Two enabled rules that both change the envelope recipient of some address: only the
 * first change counts, which is rarely what the admin meant. Decided exactly for single
 * matches against anything, and for groups and `all`; two patterns are compared only
 * when written the same (overlap of arbitrary regular expressions is not cheap to decide).
 */
function checkOverlappingChanges(rules: readonly RoutingRule[], snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  const changing = rules.flatMap((r, i) => (r.enabled && r.action === 'modify' && r.modify.changeEnvelopeRecipient ? [i] : []));
  const warned = new Set<number>();
  const warn = (earlier: number, later: number, overlap: Overlap): void => {
    const example = overlap.kind === 'every' ? 'every address' : overlap.kind === 'pattern' ? `addresses matching ${overlap.value}` : overlap.value;
    if (warned.has(later)) return;
    warned.add(later);
    const a = rules[earlier] as RoutingRule;
    const b = rules[later] as RoutingRule;
    problems.push(
      warning(
        `defaultRouting[${later}].modify.changeEnvelopeRecipient`,
        overlap.kind === 'every'
          ? problemText('recipient-changed-twice/every-address', { rule: b.description, earlier, earlierRule: a.description })
          : problemText(overlap.kind === 'pattern' ? 'recipient-changed-twice/pattern' : 'recipient-changed-twice', {
              rule: b.description,
              earlier,
              earlierRule: a.description,
              example: overlap.value,
            }),
        `rule "${b.description}" and rule ${earlier} "${a.description}" both change the recipient of ${example}; only the first one's change is used — narrow one of the matches or remove one change`,
      ),
    );
  };
  const firstSingle = new Map<Address, number>();
  const others: number[] = [];
  for (const i of changing) {
    const m = (rules[i] as RoutingRule).match;
    if ('single' in m) {
      const key = normalizeAddress(m.single);
      const prev = firstSingle.get(key);
      if (prev === undefined) firstSingle.set(key, i);
      else warn(prev, i, { kind: 'address', value: key });
    } else others.push(i);
  }
  for (const [address, i] of firstSingle) {
    for (const k of others) {
      if (ruleMatches(rules[k] as RoutingRule, k, address, snapshot)) warn(Math.min(i, k), Math.max(i, k), { kind: 'address', value: address });
    }
  }
  others.forEach((k, n) => {
    for (const j of others.slice(n + 1)) {
      const example = overlapExample(rules[k] as RoutingRule, k, rules[j] as RoutingRule, j, snapshot);
      if (example !== undefined) warn(k, j, example);
    }
  });
  return problems;
}

/** Addresses two rules both take: every address, those of one pattern, or one address as an example. */
interface Overlap {
  readonly kind: 'every' | 'pattern' | 'address';
  readonly value: string;
}

function overlapExample(a: RoutingRule, ai: number, b: RoutingRule, bi: number, snapshot: RoutingSnapshot): Overlap | undefined {
  const am = a.match;
  const bm = b.match;
  if ('all' in am || 'all' in bm) return { kind: 'every', value: '' };
  if ('pattern' in am && 'pattern' in bm) return am.pattern === bm.pattern ? { kind: 'pattern', value: am.pattern } : undefined;
  // At least one side is a group: some member must satisfy the other side.
  const [group, other, otherIndex] = 'group' in am ? [am.group, b, bi] : 'group' in bm ? [bm.group, a, ai] : [undefined, a, ai];
  if (group === undefined) return undefined;
  for (const member of snapshot.groupMembers.get(normalizeAddress(group)) ?? []) {
    if (ruleMatches(other, otherIndex, member, snapshot)) return { kind: 'address', value: member };
  }
  return undefined;
}
