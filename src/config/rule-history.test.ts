import { describe, expect, it } from 'vitest';
import { ruleChanges, type VersionRules } from './rule-history.js';

const v = (version: number, rules: string[]): VersionRules => ({ version, appliedAt: version * 1000, appliedBy: `admin${version}`, rules });

describe('ruleChanges', () => {
  it('dates each rule by the oldest version of its unbroken run', () => {
    // newest first: b was edited in 3, a has been the same since 1, c came in 3.
    const history = [v(3, ['a', 'b2', 'c']), v(2, ['a', 'b1']), v(1, ['a'])];
    expect(ruleChanges(history, true).map((c) => [c.version, c.appliedBy, c.orEarlier])).toEqual([
      [1, 'admin1', false],
      [3, 'admin3', false],
      [3, 'admin3', false],
    ]);
  });

  it('does not count a reorder as a change', () => {
    expect(ruleChanges([v(2, ['b', 'a']), v(1, ['a', 'b'])], true).map((c) => c.version)).toEqual([1, 1]);
  });

  it('dates a rule that was removed and put back by its return', () => {
    expect(ruleChanges([v(3, ['a']), v(2, []), v(1, ['a'])], true).map((c) => c.version)).toEqual([3]);
  });

  it('says "or earlier" when the history read stops before the rule began', () => {
    const changes = ruleChanges([v(9, ['a', 'b']), v(8, ['a'])], false);
    expect(changes.map((c) => [c.version, c.orEarlier])).toEqual([
      [8, true],
      [9, false],
    ]);
  });

  it('gives nothing without a version', () => {
    expect(ruleChanges([], true)).toEqual([]);
  });
});
