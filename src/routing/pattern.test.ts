import { describe, expect, it } from 'vitest';
import { compilePattern, patternProblem } from './pattern.js';

describe('compilePattern', () => {
  it.each([
    ['help@solarmora\\.com', 'HELP@solarmora.com', true],
    ['HELP@SOLARMORA\\.COM', 'help@solarmora.com', true],
    ['help', 'help@solarmora.com', false],
    ['solarmora\\.com', 'help@solarmora.com', false],
    ['.*@solarmora\\.com', 'anyone@solarmora.com', true],
    ['a|b', 'ab', false],
    ['a|b', 'b', true],
    ['^help@.*$', 'help@solarmora.com', true],
    // RE2 syntax
    ['(?i)help@solarmora\\.com', 'Help@Solarmora.com', true],
    ['(?-i:help)@solarmora\\.com', 'HELP@solarmora.com', false],
    ['ticket\\d+@solarmora\\.com', 'ticket42@solarmora.com', true],
    ['ticket\\d+@solarmora\\.com', 'ticketx@solarmora.com', false],
    ['[[:alpha:]]+@solarmora\\.com', 'Sales@solarmora.com', true],
    ['[[:alpha:]]+@solarmora\\.com', 'sales2@solarmora.com', false],
    ['(?P<team>sales|support)@solarmora\\.com', 'support@solarmora.com', true],
    ['(?<team>sales|support)@solarmora\\.com', 'sales@solarmora.com', true],
    ['\\pL+@bücher\\.example', 'ÜSER@BÜCHER.example', true],
    ['\\Qhelp+x@\\E.*', 'help+x@solarmora.com', true],
    ['help[+-]x@.*', 'help-x@solarmora.com', true],
    ['a{2,3}?@x\\.test', 'aaa@x.test', true],
  ])('%j on %j → %s', (p, a, ok) => {
    expect(compilePattern(p)?.test(a)).toBe(ok);
    expect(compilePattern(p)?.test(Buffer.from(a))).toBe(ok);
  });

  it.each(['^(', '(a)\\1', 'a(?=b)', '\\Qopen', 'a)|(b'])('refuses %j (it matches nothing)', (p) => expect(compilePattern(p)).toBeUndefined());

  it('matches in linear time: ^(a+)+$ against a long run of a and a "!" answers at once', () => {
    const re = compilePattern('^(a+)+$');
    const timed = (address: string) => {
      const start = performance.now();
      const matched = re?.test(address);
      return { matched, ms: performance.now() - start };
    };
    // A backtracking engine needs about 2^n steps here: 24 a's take a second or so, 30 took
    // ten, and a longer run would never end, so the short one goes first and fails such an
    // engine by its time.
    for (const n of [24, 1_000, 10_000]) {
      const { matched, ms } = timed(`${'a'.repeat(n)}!@solarmora.com`);
      expect(matched).toBe(false);
      expect(ms).toBeLessThan(50);
    }
    expect(timed('a'.repeat(10_000)).matched).toBe(true);
  });
});

describe('patternProblem', () => {
  it.each(['help@solarmora\\.com', '(?i)x.*', '\\d+@x\\.test', '[[:alpha:]]+', '(?P<x>a)', '[(?=]+', '\\(?=x', '(a)\\12', 'a+?', 'a*?b'])('accepts %j', (p) =>
    expect(patternProblem(p)).toBeUndefined(),
  );

  const unsupported: [pattern: string, what: string, text: string, fix: RegExp][] = [
    ['(a)\\1', 'a backreference', '\\1', /RE2 cannot match text captured earlier, so write the repeated part out, for example \(ab\)ab rather than \(ab\)\\1$/],
    ['(a)(b)\\2x', 'a backreference', '\\2', /write the repeated part out/],
    ['(?<n>a)\\k<n>', 'a named backreference', '\\k<n>', /write the repeated part out/],
    ['(?P<n>a)(?P=n)', 'a named backreference', '(?P=n)', /write the repeated part out/],
    ['(a)\\g1', 'a backreference', '\\g1', /write the repeated part out/],
    ['(a)\\g{-1}', 'a backreference', '\\g{-1}', /write the repeated part out/],
    [
      'help(?=@)',
      'a lookahead',
      '(?=',
      /RE2 cannot test text without matching it, so describe the address itself .*, or give the exceptions a rule of their own$/,
    ],
    ['(?!noreply).*@solarmora\\.com', 'a negative lookahead', '(?!', /describe the address itself/],
    ['.*(?<=@solarmora\\.com)', 'a lookbehind', '(?<=', /describe the address itself/],
    ['.*(?<!@gmail\\.com)', 'a negative lookbehind', '(?<!', /describe the address itself/],
    ['(?>a+)b', 'an atomic group', '(?>', /a plain group \(\?:…\) does the same in RE2, which never backtracks$/],
    ['a++b', 'a possessive quantifier', '++', /use the plain quantifier \+; RE2 never backtracks/],
    ['a*+b', 'a possessive quantifier', '*+', /use the plain quantifier \*;/],
    ['a?+b', 'a possessive quantifier', '?+', /use the plain quantifier \?;/],
    ['a{2,}+b', 'a possessive quantifier', '{2,}+', /use the plain quantifier \{2,\};/],
    ['(a|b(?R))', 'a recursive or subroutine call', '(?R)', /write the group out again where it is used$/],
    ['(a)(?1)', 'a recursive or subroutine call', '(?1)', /write the group out again/],
    ['(?<x>a)(?&x)', 'a recursive or subroutine call', '(?&x)', /write the group out again/],
    ['(?<x>a)\\g<x>', 'a subroutine call', '\\g<x>', /write the group out again/],
    ['(a)?(?(1)b|c)', 'a conditional group', '(?(', /use an alternation such as \(\?:x\|y\) instead$/],
    ['(?|(a)|(b))', 'a branch-reset group', '(?|', /use a plain group/],
    ['help(?#the help desk)@.*', 'a comment', '(?#the help desk)', /remove it; the rule's description is the place for words$/],
    ['a(*FAIL)|b', 'a backtracking control verb', '(*FAIL)', /remove it; RE2 never backtracks$/],
  ];
  it.each(unsupported)('%j uses %s (%s)', (pattern, what, text, fix) => {
    const message = patternProblem(pattern);
    expect(message?.startsWith(`"${pattern}" uses ${what} (${text}), which RE2 patterns do not support; `)).toBe(true);
    expect(message).toMatch(fix);
  });

  it('names the first unsupported construct, reading escapes, quotes and classes as literals', () => {
    expect(patternProblem('[(?=]\\(?=\\Q(?!\\E(?<=x)')).toMatch(/uses a lookbehind \(\(\?<=\)/);
    expect(patternProblem('[]\\1](a)\\1')).toMatch(/uses a backreference \(\\1\)/);
    expect(patternProblem('[[:alpha:]\\]]+(?=x)')).toMatch(/uses a lookahead/);
  });

  const invalid: [pattern: string, why: string][] = [
    ['^(', 'a group opened with ( is not closed'],
    ['a)|(b', 'a ) closes no group'],
    ['[a-', 'a character class opened with [ is not closed'],
    ['help\\', 'it ends with a lone \\'],
    ['*@x', '* has nothing to repeat'],
    ['a**', '** repeats a repetition'],
    ['[z-a]', 'z-a is not a valid character class or range'],
    ['[[:vowel:]]', '[:vowel:] is not a valid character class or range'],
    ['a{2,1}', '{2,1} repeats too often or is backwards (RE2 allows up to 1000 repetitions, nested ones multiplied)'],
    ['a{1001}', '{1001} repeats too often'],
    ['\\Z', '\\Z is not an escape RE2 knows'],
    ['(?x)a b', '(?x is not a group or flag RE2 knows (its flags are i, m, s and U)'],
    ['(?<a>x)(?<a>y)', 'two groups have the same name'],
  ];
  it.each(invalid)('%j is not a valid regular expression: %s', (pattern, why) => {
    const message = patternProblem(pattern);
    expect(message?.startsWith(`"${pattern}" is not a valid regular expression; ${why}`)).toBe(true);
    expect(message?.endsWith('; fix the pattern (it must match the whole address)')).toBe(true);
  });

  it('explains a \\Q quote left open, which would swallow the anchoring group', () => {
    expect(patternProblem('help\\Q+x@')).toBe(
      '"help\\Q+x@" leaves a \\Q quote open, so it would swallow the group that makes the pattern match the whole address; end the quote with \\E',
    );
  });
});
