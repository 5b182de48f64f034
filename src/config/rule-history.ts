/**
 * When each routing rule last changed, read from the stored versions: a rule's last change
 * is the oldest version of the unbroken run, back from now, in which it reads the same.
 * Rules carry no ids in the file, so "the same" means the same content; moving a rule up or
 * down is not a change of the rule.
 */
import type { RoutingRule } from '../routing/index.js';

export interface VersionRules {
  readonly version: number;
  readonly appliedAt: number;
  readonly appliedBy: string;
  /** The version's rules as ruleKey gives them. */
  readonly rules: readonly string[];
}

export interface RuleChange {
  readonly version: number;
  readonly appliedAt: number;
  readonly appliedBy: string;
  /** The history read ends while the rule was still unchanged: it may be older. */
  readonly orEarlier: boolean;
}

/** Parsing fills every field in schema order, so equal rules give equal keys. */
export const ruleKey = (rule: RoutingRule): string => JSON.stringify(rule);

/**
 * history: newest first, history[0] being the version in force; complete: it reaches back
 * to the first version ever applied.
 */
export function ruleChanges(history: readonly VersionRules[], complete: boolean): RuleChange[] {
  const [current] = history;
  if (!current) return [];
  const present = history.map((v) => new Set(v.rules));
  return current.rules.map((key) => {
    let oldest = 0;
    while (oldest + 1 < history.length && present[oldest + 1]?.has(key)) oldest++;
    const v = history[oldest] as VersionRules;
    return { version: v.version, appliedAt: v.appliedAt, appliedBy: v.appliedBy, orEarlier: !complete && oldest === history.length - 1 };
  });
}
