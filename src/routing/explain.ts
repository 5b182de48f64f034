/**
 * Words for an explanation (`explainRecipient`): one sentence per rule, then the plan, as
 * `relaydesk route explain` prints them and the API returns them beside the data.
 */
import type { DeliveryTarget, RecipientExplanation, RecipientMatch, RoutingRule, RuleExplanation } from './model.js';

export function describeMatch(m: RecipientMatch): string {
  if ('single' in m) return `the single address ${m.single}`;
  if ('pattern' in m) return `the pattern ${m.pattern}`;
  if ('group' in m) return `the members of group ${m.group}`;
  return 'every address';
}

function missedMatch(m: RecipientMatch): string {
  if ('single' in m) return `is not ${m.single}`;
  if ('pattern' in m) return `does not match the pattern ${m.pattern}`;
  return 'group' in m ? `is not a member of group ${m.group}` : 'is not matched';
}

/** Why a rule did or did not shape the plan, as a sentence. */
export function describeOutcome(e: RuleExplanation, rules: readonly RoutingRule[], recipient: string): string {
  const o = e.outcome;
  const rule = rules[e.index] as RoutingRule;
  const other = (i: number): string => `rule ${i} "${(rules[i] as RoutingRule).description}"`;
  switch (o.kind) {
    case 'applied':
      return rule.action === 'reject' ? 'applied: rejects the address' : rule.action === 'quarantine' ? 'applied: holds the mail for review' : 'applied';
    case 'overridden':
      return `applied, but its ${o.option} is not used: ${other(o.by)} comes first and sets its own (the first one counts)`;
    case 'rejected':
      return `matched, but not used: ${other(o.by)} rejects ${recipient}`;
    case 'disabled':
      return 'skipped: the rule is disabled (enabled: false)';
    case 'no-match':
      return `no match: ${recipient} ${missedMatch(rule.match)}`;
    case 'recognized':
      return `skipped: ${recipient} is recognized (a user, alias or group) and the rule is for non-recognized addresses only (recognizedAddresses: false)`;
  }
}

function describeTarget(t: DeliveryTarget, quarantine: boolean): string {
  const how =
    t.transport === 'mailbox'
      ? 'to its mailbox'
      : t.transport === 'desk'
        ? "to the desk's intake"
        : t.route !== undefined
          ? `by SMTP through host ${t.route}`
          : 'by SMTP (next hop by domain)';
  const role = t.role === 'added' ? ' (added copy)' : '';
  const spam = quarantine ? 'held for review whatever the spam verdict' : t.holdIfSpam ? 'held if spam' : 'delivered even if spam (flagged)';
  return `${t.recipient}${role} ${how}; ${spam}`;
}

/** The whole explanation, one line each: the address, every rule, then the plan. */
export function renderExplanation(x: RecipientExplanation, rules: readonly RoutingRule[]): string[] {
  const lines = [`${x.recipient}${x.before === undefined ? (x.recognized ? ' (recognized)' : ' (not recognized)') : ''}`];
  if (x.before === 'postmaster') lines.push('  no rule is looked at: postmaster mail goes to the postmaster before any rule (RFC 5321 4.5.1)');
  else if (x.before === 'desk') lines.push("  no rule is looked at: the address is in the desk's domain, so the desk takes it");
  else if (x.before === 'not-hosted') lines.push("  no rule is looked at: the domain is neither hosted nor the desk's, and this server relays for no one");
  else if (x.rules.length === 0) lines.push('  no rules in defaultRouting');
  for (const e of x.rules) lines.push(`  rule ${e.index} "${e.description}": ${describeOutcome(e, rules, x.recipient)}`);
  const d = x.decision;
  if (d.kind === 'reject') {
    lines.push(`plan: reject with ${d.reply.code} ${d.reply.enhanced} ${d.reply.text}`);
    return lines;
  }
  lines.push(`plan: accept${d.plan.quarantine ? ', quarantined (a quarantine rule applied)' : ''}${d.plan.requireTls ? ', TLS required' : ''}`);
  for (const t of d.plan.targets) lines.push(`  → ${describeTarget(t, d.plan.quarantine)}`);
  return lines;
}
