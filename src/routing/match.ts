/**
 * Which rules apply to a recipient. `single` matches come from the index (one map
 * lookup); only the other enabled rules are tested one by one, so a table of 1,000
 * single-address rules costs the same as a table of one.
 */
import { normalizeAddress } from './address.js';
import type { Address, RoutingRule, RoutingSnapshot } from './model.js';

/** Recognized: an active user's address or alias, or a group's address (suspended users are not). */
export function isRecognized(address: Address, snapshot: RoutingSnapshot): boolean {
  return snapshot.mailboxes.has(address) || snapshot.groups.has(address);
}

/**
 * Whether rule `index`'s match holds for a normalized address (enabled and
 * recognizedAddresses are `ruleApplies`' business). `utf8` is the address as RE2 reads
 * it: given a string, RE2 encodes it again for every pattern, which costs ten times the
 * match itself, so a caller testing many rules encodes it once.
 */
export function ruleMatches(rule: RoutingRule, index: number, address: Address, snapshot: RoutingSnapshot, utf8?: Buffer): boolean {
  const m = rule.match;
  if ('single' in m) return normalizeAddress(m.single) === address;
  if ('pattern' in m) return snapshot.compiledPatterns.get(index)?.test(utf8 ?? Buffer.from(address)) ?? false;
  if ('group' in m) return snapshot.groupMembers.get(normalizeAddress(m.group))?.has(address) ?? false;
  return m.all;
}

/**
 * Whether a rule applies to a normalized address, or the first reason it does not. Both the
 * decision (`ruleApplies`) and `explainRecipient` read it, so an explanation cannot say
 * otherwise than the decision. A plain string: the hot path allocates nothing.
 */
export type RuleVerdict = 'applies' | 'disabled' | 'recognized' | 'no-match';

export function ruleVerdict(rule: RoutingRule, index: number, address: Address, recognized: boolean, snapshot: RoutingSnapshot, utf8?: Buffer): RuleVerdict {
  if (!rule.enabled) return 'disabled';
  if (!ruleMatches(rule, index, address, snapshot, utf8)) return 'no-match';
  if (recognized && !rule.recognizedAddresses) return 'recognized';
  return 'applies';
}

export function ruleApplies(rule: RoutingRule, index: number, address: Address, recognized: boolean, snapshot: RoutingSnapshot, utf8?: Buffer): boolean {
  return ruleVerdict(rule, index, address, recognized, snapshot, utf8) === 'applies';
}

/** Indexes of the rules that apply to a normalized address, in table order. */
export function applyingRules(address: Address, recognized: boolean, snapshot: RoutingSnapshot): number[] {
  const singles = snapshot.singleIndex.get(address) ?? [];
  const others = snapshot.otherRules;
  const out: number[] = [];
  const utf8 = snapshot.compiledPatterns.size > 0 ? Buffer.from(address) : undefined;
  // Both lists are in table order; merging keeps the order rules combine in.
  let s = 0;
  let o = 0;
  while (s < singles.length || o < others.length) {
    const si = singles[s];
    const oi = others[o];
    let i: number;
    if (oi === undefined || (si !== undefined && si < oi)) {
      i = si as number;
      s++;
    } else {
      i = oi;
      o++;
    }
    const rule = snapshot.rules[i];
    if (rule && ruleApplies(rule, i, address, recognized, snapshot, utf8)) out.push(i);
  }
  return out;
}
