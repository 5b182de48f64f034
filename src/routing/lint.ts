/**
 * Warnings about rules that are valid but cannot do what they seem to: rules that never
 * apply, a domain-wide pattern that takes the addresses of the specific rules after it, and
 * rules that send mail round in a loop. They never refuse a configuration. The loop check
 * asks the planner itself (`decideRecipient`), so it follows mail exactly as it would go.
 */
import { domainOf, inDomainTree, isMailAddress, localPartOf, normalizeAddress } from './address.js';
import { decideRecipient } from './decide.js';
import { isRecognized, ruleApplies, ruleMatches } from './match.js';
import type { Address, Problem, RecipientMatch, RoutingRule, RoutingSnapshot } from './model.js';
import { isPostmasterRecipient } from './postmaster.js';
import { problemText, type ProblemText } from '../base/problem-texts.js';

const warning = (path: string, text: ProblemText, message: string): Problem => ({ path, message, severity: 'warning', ...text });

/** Local parts that only a pattern covering every address of a domain matches all of. */
const PROBES = ['a', '0', 'x.y-z_w+t', 'q'.repeat(64)];

/** How many hops a loop check follows; a longer chain of rules sending mail out and back is not worth the cost. */
const MAX_HOPS = 8;

export function lintRules(rules: readonly RoutingRule[], snapshot: RoutingSnapshot): Problem[] {
  return [...neverApplying(rules, snapshot), ...domainWidePatterns(rules, snapshot), ...routeLoops(rules, snapshot)];
}

const label = (rules: readonly RoutingRule[], i: number): string => `rule ${i} "${(rules[i] as RoutingRule).description}"`;

function neverApplying(rules: readonly RoutingRule[], snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    if (!r.enabled) return;
    // At the match, not the rule: the console's editor shows a rule's problems field by field.
    const base = `defaultRouting[${i}]`;
    const m = r.match;
    if ('single' in m && isMailAddress(m.single.trim())) {
      const address = normalizeAddress(m.single);
      const domain = domainOf(address);
      if (!snapshot.domains.has(domain) && !isPostmasterRecipient(address, snapshot)) {
        problems.push(
          warning(
            `${base}.match.single`,
            problemText(inDomainTree(domain, snapshot.deskDomains) ? 'rule-source-desk-domain' : 'rule-source-not-hosted', { value: m.single, domain }),
            inDomainTree(domain, snapshot.deskDomains)
              ? `"${m.single}" is in the desk's domain, whose mail the desk takes before any rule is looked at, so this rule never applies; remove it`
              : `"${m.single}" is not in a hosted domain, and mail for other domains is refused before any rule is looked at, so this rule never applies; add ${domain} to domains or correct the address`,
          ),
        );
        return;
      }
    }
    const key = ruleKey(r);
    const twin = seen.get(key);
    if (twin !== undefined) {
      problems.push(
        warning(
          `${base}.match`,
          problemText('rule-duplicate', { index: twin, rule: (rules[twin] as RoutingRule).description }),
          `this rule is the same as ${label(rules, twin)} (only the description differs), so it adds nothing; remove one of them`,
        ),
      );
      return;
    }
    seen.set(key, i);
    const shadow = rules.findIndex(
      (k, ki) => ki !== i && k.enabled && k.action === 'reject' && (r.action !== 'reject' || ki < i) && covers(k, ki, r, snapshot),
    );
    if (shadow >= 0) {
      problems.push(
        warning(
          `${base}.match`,
          problemText('rule-shadowed-by-reject', { index: shadow, rule: (rules[shadow] as RoutingRule).description }),
          `${label(rules, shadow)} rejects every address this rule matches (a reject rule wins wherever it stands), so this rule never applies; remove it, or narrow rule ${shadow}'s match`,
        ),
      );
    }
  });
  return problems;
}

/** The rule without its description, addresses normalized: two rules with one key act the same. */
function ruleKey(r: RoutingRule): string {
  const m = r.match;
  const match: RecipientMatch = 'single' in m ? { single: normalizeAddress(m.single) } : 'group' in m ? { group: normalizeAddress(m.group) } : m;
  const sortedHeaders = Object.entries(r.modify.customHeaders).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([match, r.action, r.rejectText ?? '', r.recognizedAddresses, { ...r.modify, customHeaders: sortedHeaders }]);
}

/** Whether rule `k` applies to every address rule `r` applies to (decided where it can be exactly; no otherwise). */
function covers(k: RoutingRule, ki: number, r: RoutingRule, snapshot: RoutingSnapshot): boolean {
  if (r.recognizedAddresses && !k.recognizedAddresses) return false;
  const km = k.match;
  const rm = r.match;
  if ('all' in km) return true;
  if ('single' in rm) return ruleMatches(k, ki, normalizeAddress(rm.single), snapshot);
  if ('pattern' in rm) return 'pattern' in km && km.pattern === rm.pattern;
  if ('group' in rm) {
    const members = snapshot.groupMembers.get(normalizeAddress(rm.group)) ?? new Set<Address>();
    return members.size > 0 && [...members].every((a) => ruleMatches(k, ki, a, snapshot));
  }
  return false;
}

/**
 * A pattern that matches every address of a hosted domain, with a recipient change or a
 * route, placed before specific rules (single addresses of that domain, or groups with
 * members there) that change the recipient or route too: for those addresses the first
 * change wins, so the specific rules' changes are never used.
 */
function domainWidePatterns(rules: readonly RoutingRule[], snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  rules.forEach((k, ki) => {
    if (!k.enabled || !('pattern' in k.match) || k.action !== 'modify') return;
    const changes = k.modify.changeEnvelopeRecipient !== undefined;
    const routes = k.modify.changeRoute !== undefined;
    if (!changes && !routes) return;
    const pattern = k.match.pattern;
    for (const domain of snapshot.domains) {
      if (!PROBES.every((p) => ruleMatches(k, ki, `${p}@${domain}`, snapshot))) continue;
      const later = rules.flatMap((r, ri) => {
        if (ri <= ki || !r.enabled || r.action !== 'modify') return [];
        const overridden = (changes && r.modify.changeEnvelopeRecipient !== undefined) || (routes && r.modify.changeRoute !== undefined);
        return overridden && specificTo(r, domain, snapshot) ? [ri] : [];
      });
      if (later.length === 0) continue;
      problems.push(
        warning(
          `defaultRouting[${ki}].match.pattern`,
          problemText(changes ? 'pattern-takes-specific-rules' : 'pattern-takes-specific-routes', {
            pattern,
            domain,
            rules: later.join(', '),
          }),
          `the pattern ${pattern} matches every address of ${domain} and comes before ${later.length === 1 ? 'a more specific rule' : `${later.length} more specific rules`} (${later.map((i) => label(rules, i)).join(', ')}); its ${changes ? 'recipient change' : 'route'} is used for their addresses instead of theirs; move this rule after them, or narrow the pattern`,
        ),
      );
    }
  });
  return problems;
}

function specificTo(r: RoutingRule, domain: string, snapshot: RoutingSnapshot): boolean {
  const m = r.match;
  if ('single' in m) return domainOf(normalizeAddress(m.single)) === domain;
  if ('group' in m) return [...(snapshot.groupMembers.get(normalizeAddress(m.group)) ?? [])].some((a) => domainOf(a) === domain);
  return false;
}

/**
 * A rule that sends mail to an address of ours through a host: when the host hands it back
 * (our domain's MX is this gateway), the rules route it again. Followed with the planner,
 * hop by hop, a loop is when it comes back to an address this same rule takes.
 */
function routeLoops(rules: readonly RoutingRule[], snapshot: RoutingSnapshot): Problem[] {
  const problems: Problem[] = [];
  rules.forEach((r, i) => {
    const change = r.modify.changeEnvelopeRecipient;
    if (!r.enabled || r.action !== 'modify' || change === undefined || r.modify.changeRoute === undefined) return;
    const start = newRecipient(r);
    if (start === undefined || !snapshot.domains.has(domainOf(start))) return;
    const path = [start];
    let at: Address | undefined = start;
    for (let hop = 0; hop < MAX_HOPS && at !== undefined; hop++) {
      const d = decideRecipient(at, snapshot);
      if (d.kind === 'reject') return;
      const next: Address | undefined = d.plan.targets.find(
        (t) => t.transport === 'smtp' && t.route !== undefined && snapshot.domains.has(domainOf(t.recipient)),
      )?.recipient;
      if (next === undefined) return;
      if (next !== at && ruleApplies(r, i, next, isRecognized(next, snapshot), snapshot)) {
        problems.push(
          warning(
            `defaultRouting[${i}].modify.changeEnvelopeRecipient`,
            problemText('route-loop', { address: start, domain: domainOf(start), host: r.modify.changeRoute, path: [...path, next].join(' → ') }),
            `the new recipient ${start} is in ${domainOf(start)}, one of your domains, and leaves through host ${r.modify.changeRoute}; mail for it that comes back here is routed on (${[...path, next].join(' → ')}) to an address this rule takes again: a loop that ends only when the hop count runs out; send it to an address outside your domains, or change the rules on that path`,
          ),
        );
        return;
      }
      if (path.includes(next)) return;
      path.push(next);
      at = next;
    }
  });
  return problems;
}

/** The recipient a rule's change leads to, when it does not depend on the address matched. */
function newRecipient(r: RoutingRule): Address | undefined {
  const change = r.modify.changeEnvelopeRecipient;
  if (change === undefined) return undefined;
  if ('replaceRecipient' in change) return isMailAddress(change.replaceRecipient.trim()) ? normalizeAddress(change.replaceRecipient) : undefined;
  if (!('single' in r.match) || !isMailAddress(r.match.single.trim())) return undefined;
  const single = normalizeAddress(r.match.single);
  return 'replaceUsername' in change
    ? `${change.replaceUsername.trim().toLowerCase()}@${domainOf(single)}`
    : `${localPartOf(single)}@${change.replaceDomain.trim().toLowerCase()}`;
}
