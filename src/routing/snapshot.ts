/**
 * Builds the planner's view of one config version: normalized lookup maps, compiled
 * patterns and an index of `single` matches, so that a recipient costs one map lookup
 * plus the (usually few) non-single rules, however long the rule table is.
 */
import { normalizeAddress, normalizeDomain } from './address.js';
import type { Address, DirectoryGroup, DirectoryUser, NextHopHost, RoutingRule, RoutingSnapshot } from './model.js';
import { compilePattern, type CompiledPattern } from './pattern.js';

export interface SnapshotInput {
  readonly version: number;
  readonly domains: readonly string[];
  readonly users: readonly DirectoryUser[];
  readonly groups: readonly DirectoryGroup[];
  readonly rules: readonly RoutingRule[];
  readonly hosts: readonly NextHopHost[];
  readonly smarthost?: string;
  readonly deskDomains: readonly string[];
  /** The configured postmaster address; without it, postmaster@<first hosted domain>. */
  readonly postmaster?: string;
}

export function buildSnapshot(input: SnapshotInput): RoutingSnapshot {
  const mailboxes = new Map<Address, Address>();
  const suspended = new Map<Address, Address>();
  for (const user of input.users) {
    const primary = normalizeAddress(user.address);
    const target = user.status === 'active' ? mailboxes : suspended;
    // First holder wins; validation reports an address held twice.
    for (const a of [user.address, ...user.aliases]) {
      const key = normalizeAddress(a);
      if (!target.has(key)) target.set(key, primary);
    }
  }

  const groups = new Map<Address, DirectoryGroup>();
  const groupMembers = new Map<Address, ReadonlySet<Address>>();
  for (const group of input.groups) {
    const address = normalizeAddress(group.address);
    if (groups.has(address)) continue;
    const members = [...new Set(group.members.map(normalizeAddress))];
    groups.set(address, { address, members });
    groupMembers.set(address, new Set(members));
  }

  const singleIndex = new Map<Address, number[]>();
  const otherRules: number[] = [];
  const compiledPatterns = new Map<number, CompiledPattern>();
  input.rules.forEach((rule, i) => {
    if (!rule.enabled) return;
    const m = rule.match;
    if ('single' in m) {
      const key = normalizeAddress(m.single);
      const list = singleIndex.get(key);
      if (list) list.push(i);
      else singleIndex.set(key, [i]);
      return;
    }
    if ('pattern' in m) {
      // A pattern RE2 refuses matches nothing; `validateRouting` keeps such a rule from being applied.
      const re = compilePattern(m.pattern);
      if (re) compiledPatterns.set(i, re);
    }
    otherRules.push(i);
  });

  const firstDomain = input.domains[0];
  const postmaster =
    input.postmaster !== undefined ? normalizeAddress(input.postmaster) : firstDomain !== undefined ? `postmaster@${normalizeDomain(firstDomain)}` : undefined;

  const hosts = new Map<string, NextHopHost>();
  for (const h of input.hosts) if (!hosts.has(h.name)) hosts.set(h.name, h);

  return {
    version: input.version,
    domains: new Set(input.domains.map(normalizeDomain)),
    mailboxes,
    suspended,
    groups,
    groupMembers,
    rules: input.rules,
    singleIndex,
    otherRules,
    compiledPatterns,
    hosts,
    ...(input.smarthost !== undefined ? { smarthost: input.smarthost } : {}),
    deskDomains: new Set(input.deskDomains.map(normalizeDomain)),
    ...(postmaster !== undefined ? { postmaster } : {}),
  };
}
