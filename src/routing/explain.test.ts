import { describe, expect, it } from 'vitest';
import { explainRecipient } from './decide.js';
import { renderExplanation } from './explain.js';
import type { RoutingRule, RuleOutcome } from './model.js';
import { added, rule, snapshotWith } from './testing.js';

const help = { single: 'help@solarmora.com' } as const;
const toCrm = { changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' }, changeRoute: 'crm' } as const;

function outcomes(rules: readonly RoutingRule[], address: string): RuleOutcome[] {
  return explainRecipient(address, snapshotWith(rules)).rules.map((e) => e.outcome);
}

function text(rules: readonly RoutingRule[], address: string): string[] {
  return renderExplanation(explainRecipient(address, snapshotWith(rules)), rules);
}

describe('explainRecipient: each rule applied, or why not', () => {
  it('applied', () => {
    expect(outcomes([rule({ match: help, modify: toCrm })], 'Help@solarmora.com')).toEqual([{ kind: 'applied' }]);
  });

  it('disabled', () => {
    const rules = [rule({ match: help, modify: toCrm, enabled: false })];
    expect(outcomes(rules, 'help@solarmora.com')).toEqual([{ kind: 'disabled' }]);
    expect(text(rules, 'help@solarmora.com')[1]).toContain('disabled (enabled: false)');
  });

  it('no match, naming the pattern', () => {
    const rules = [rule({ description: 'sales', match: { pattern: '^sales@.*' }, modify: toCrm })];
    expect(outcomes(rules, 'help@solarmora.com')).toEqual([{ kind: 'no-match' }]);
    expect(text(rules, 'help@solarmora.com')[1]).toBe('  rule 0 "sales": no match: help@solarmora.com does not match the pattern ^sales@.*');
  });

  it('recognized, and the rule is for non-recognized addresses only', () => {
    const rules = [rule({ match: { all: true }, modify: toCrm, recognizedAddresses: false })];
    expect(outcomes(rules, 'alice@solarmora.com')).toEqual([{ kind: 'recognized' }]);
    expect(text(rules, 'alice@solarmora.com')[1]).toContain('recognizedAddresses: false');
    // The same rule, told to act on recognized addresses too, applies.
    expect(outcomes([rule({ match: { all: true }, modify: toCrm, recognizedAddresses: true })], 'alice@solarmora.com')).toEqual([{ kind: 'applied' }]);
  });

  it('overridden by an earlier recipient change (its other options still count)', () => {
    const rules = [
      rule({ description: 'first', match: help, modify: toCrm }),
      rule({
        description: 'second',
        match: { pattern: 'help@.*' },
        modify: { changeEnvelopeRecipient: { replaceRecipient: 'bob@solarmora.com' }, addRecipients: [added('alice@solarmora.com')] },
      }),
    ];
    const x = explainRecipient('help@solarmora.com', snapshotWith(rules));
    expect(x.rules.map((e) => e.outcome)).toEqual([{ kind: 'applied' }, { kind: 'overridden', by: 0, option: 'changeEnvelopeRecipient' }]);
    expect(x.decision.kind === 'accept' && x.decision.plan.targets.map((t) => t.recipient)).toEqual(['support@crm.test', 'alice@solarmora.com']);
    expect(renderExplanation(x, rules)[2]).toContain('its changeEnvelopeRecipient is not used: rule 0 "first" comes first');
  });

  it('overridden route', () => {
    const rules = [rule({ match: help, modify: toCrm }), rule({ match: help, modify: { changeRoute: 'crm2' } })];
    expect(outcomes(rules, 'help@solarmora.com')[1]).toEqual({ kind: 'overridden', by: 0, option: 'changeRoute' });
  });

  it('rejected earlier: a matching rule counts for nothing once a reject rule applies', () => {
    const rules = [
      rule({ description: 'copy', match: help, modify: { addRecipients: [added('bob@solarmora.com')] } }),
      rule({ description: 'no help', match: help, action: 'reject', rejectText: 'Write to support@ instead' }),
      rule({ description: 'later', match: { all: true }, modify: toCrm }),
    ];
    expect(outcomes(rules, 'help@solarmora.com')).toEqual([{ kind: 'rejected', by: 1 }, { kind: 'applied' }, { kind: 'rejected', by: 1 }]);
    const lines = text(rules, 'help@solarmora.com');
    expect(lines[3]).toBe('  rule 2 "later": matched, but not used: rule 1 "no help" rejects help@solarmora.com');
    expect(lines.at(-1)).toBe('plan: reject with 550 5.7.1 Write to support@ instead');
  });

  it('shows the plan: recipients, routes and spam handling', () => {
    const rules = [rule({ description: 'help to CRM', match: help, modify: { ...toCrm, addRecipients: [added('alice@solarmora.com', false)] } })];
    expect(text(rules, 'help@solarmora.com')).toEqual([
      'help@solarmora.com (not recognized)',
      '  rule 0 "help to CRM": applied',
      'plan: accept',
      '  → support@crm.test by SMTP through host crm; held if spam',
      '  → alice@solarmora.com (added copy) to its mailbox; delivered even if spam (flagged)',
    ]);
  });

  it('says when no rule is looked at', () => {
    const rules = [rule({ match: { all: true }, action: 'reject', recognizedAddresses: true })];
    const x = explainRecipient('postmaster@solarmora.com', snapshotWith(rules));
    expect(x).toMatchObject({ before: 'postmaster', rules: [] });
    expect(explainRecipient('x@gmail.com', snapshotWith(rules))).toMatchObject({ before: 'not-hosted', decision: { kind: 'reject' } });
    expect(explainRecipient('support@t1.desk.solarmora.test', snapshotWith(rules))).toMatchObject({ before: 'desk', decision: { kind: 'accept' } });
  });
});
