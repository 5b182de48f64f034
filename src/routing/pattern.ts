/**
 * Routing patterns run in RE2, the engine Gmail documents for its own routing patterns.
 * RE2 matches in time linear in the address whatever the pattern, so no recipient a
 * client sends can hold up a node, as `^(a+)+$` against a long run of a's would with a
 * backtracking engine. The price is the constructs that need backtracking
 * (backreferences, lookaround, atomic groups, possessive quantifiers, recursion):
 * a pattern using one is refused with a sentence naming it and the way around it.
 */
import RE2 from 're2';
import { problemText, type ProblemText } from '../base/problem-texts.js';

export type CompiledPattern = RE2;

/**
 * A pattern must match the whole address, case-insensitively. Returns undefined for a
 * pattern RE2 refuses; `patternProblem` says why, and such a pattern matches nothing.
 */
export function compilePattern(pattern: string): CompiledPattern | undefined {
  // Valid on its own, the pattern is one balanced whole, so the group keeps all of it inside
  // the anchors: neither "a|b" nor "a)|(b" can turn into "^a" or "b$".
  if (compile(pattern) instanceof Error) return undefined;
  const anchored = compile(`^(?:${pattern})$`);
  return anchored instanceof Error ? undefined : anchored;
}

/** The sentence (cause and fix) for a pattern that cannot be used, or undefined for a good one. */
export function patternProblem(pattern: string): string | undefined {
  return patternCheck(pattern)?.message;
}

/** The same sentence with its text (code and values). */
export function patternCheck(pattern: string): { message: string; text: ProblemText } | undefined {
  const alone = compile(pattern);
  if (alone instanceof Error) {
    const unsupported = findUnsupported(pattern);
    if (unsupported) {
      return {
        message: `"${pattern}" uses ${unsupported.what} (${unsupported.text}), which RE2 patterns do not support; ${unsupported.fix}`,
        text: problemText('pattern-unsupported', { pattern, construct: unsupported.text }),
      };
    }
    return invalid(pattern, alone);
  }
  const anchored = compile(`^(?:${pattern})$`);
  if (!(anchored instanceof Error)) return undefined;
  if (pattern.includes('\\Q')) {
    return {
      message: `"${pattern}" leaves a \\Q quote open, so it would swallow the group that makes the pattern match the whole address; end the quote with \\E`,
      text: problemText('pattern-open-quote', { pattern }),
    };
  }
  return invalid(pattern, anchored);
}

function invalid(pattern: string, e: Error): { message: string; text: ProblemText } {
  return {
    message: `"${pattern}" is not a valid regular expression; ${explain(e.message)}; fix the pattern (it must match the whole address)`,
    text: problemText('pattern-invalid', { pattern }),
  };
}

function compile(source: string): RE2 | Error {
  try {
    // "u": RE2 always reads UTF-8; saying so keeps node-re2 from warning that it assumed it.
    return new RE2(source, 'iu');
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** RE2's error codes (re2.h) in words; the text after ": " is the part of the pattern at fault. */
const RE2_ERRORS: readonly (readonly [code: string, say: (part: string) => string])[] = [
  ['missing )', () => 'a group opened with ( is not closed'],
  ['unexpected )', () => 'a ) closes no group'],
  ['missing ]', () => 'a character class opened with [ is not closed'],
  ['trailing \\', () => 'it ends with a lone \\'],
  ['invalid escape sequence', (part) => `${part} is not an escape RE2 knows`],
  ['invalid character class range', (part) => `${part} is not a valid character class or range`],
  ['invalid character class', (part) => `${part} is not a valid character class`],
  ['no argument for repetition operator', (part) => `${part} has nothing to repeat`],
  ['bad repetition operator', (part) => `${part} repeats a repetition`],
  ['invalid repetition size', (part) => `${part} repeats too often or is backwards (RE2 allows up to 1000 repetitions, nested ones multiplied)`],
  ['invalid perl operator', (part) => `${part} is not a group or flag RE2 knows (its flags are i, m, s and U)`],
  ['invalid named capture group', (part) => `${part} is not a valid group name`],
  ['duplicate capture group name', () => 'two groups have the same name'],
  ['invalid UTF-8', () => 'it is not valid UTF-8'],
  ['pattern too large - compile failed', () => 'it is too large for RE2 (simplify it, or split it over several rules)'],
];

function explain(message: string): string {
  for (const [code, say] of RE2_ERRORS) {
    if (message === code) return say('');
    if (message.startsWith(`${code}: `)) return say(message.slice(code.length + 2));
  }
  return message;
}

interface Unsupported {
  /** The construct as written in the pattern, such as \1 or (?=. */
  readonly text: string;
  readonly what: string;
  readonly fix: string;
}

const BACKREFERENCE_FIX = 'RE2 cannot match text captured earlier, so write the repeated part out, for example (ab)ab rather than (ab)\\1';
const LOOKAROUND_FIX =
  'RE2 cannot test text without matching it, so describe the address itself (a character class such as [^x], or an alternation), or give the exceptions a rule of their own';
const SUBROUTINE_FIX = 'write the group out again where it is used';

/** Escapes RE2 refuses that other engines read as references to groups. */
const ESCAPES: readonly (readonly [RegExp, string, string])[] = [
  // \1 to \7 followed by an octal digit is an octal character code in RE2, not a reference.
  [/^\\(?:[1-7](?![0-7])|[89])\d*/, 'a backreference', BACKREFERENCE_FIX],
  [/^\\k(?:<[^>]*>|'[^']*'|\{[^}]*\})/, 'a named backreference', BACKREFERENCE_FIX],
  [/^\\g(?:\{[^}]*\}|-?\d+)/, 'a backreference', BACKREFERENCE_FIX],
  [/^\\g(?:<[^>]*>|'[^']*')/, 'a subroutine call', SUBROUTINE_FIX],
];

/** Groups RE2 refuses, longest opening first where one opening begins another. */
const GROUPS: readonly (readonly [RegExp, string, string])[] = [
  [/^\(\?<=/, 'a lookbehind', LOOKAROUND_FIX],
  [/^\(\?<!/, 'a negative lookbehind', LOOKAROUND_FIX],
  [/^\(\?=/, 'a lookahead', LOOKAROUND_FIX],
  [/^\(\?!/, 'a negative lookahead', LOOKAROUND_FIX],
  [/^\(\?>/, 'an atomic group', 'a plain group (?:…) does the same in RE2, which never backtracks'],
  [/^\(\?P=[^)]*\)/, 'a named backreference', BACKREFERENCE_FIX],
  [/^\(\?(?:R|[+-]?\d+|&[^)]*|P>[^)]*)\)/, 'a recursive or subroutine call', SUBROUTINE_FIX],
  [/^\(\?\(/, 'a conditional group', 'use an alternation such as (?:x|y) instead'],
  [/^\(\?\|/, 'a branch-reset group', 'use a plain group (?:…) instead'],
  [/^\(\?#[^)]*\)/, 'a comment', "remove it; the rule's description is the place for words"],
  [/^\(\*[A-Za-z_]*(?::[^)]*)?\)/, 'a backtracking control verb', 'remove it; RE2 never backtracks'],
];

const REPEAT_COUNT = /^\{\d+(?:,\d*)?\}/;

/**
 * The first construct in the pattern that needs a backtracking engine, if any. Run only
 * on patterns RE2 refused, so it may be simple: it skips escapes, \Q…\E quotes and
 * character classes, where the same characters are literals.
 */
function findUnsupported(pattern: string): Unsupported | undefined {
  let i = 0;
  // Where the quantifier just read began (-1: the last token was not one), for a possessive "+".
  let quantifier = -1;
  while (i < pattern.length) {
    const rest = pattern.slice(i);
    const c = pattern[i];
    if (c === '+' && quantifier >= 0) {
      return {
        text: pattern.slice(quantifier, i + 1),
        what: 'a possessive quantifier',
        fix: `use the plain quantifier ${pattern.slice(quantifier, i)}; RE2 never backtracks, so it is not needed`,
      };
    }
    if (c === '*' || c === '+' || c === '?') {
      // A "?" after a quantifier makes it lazy, which RE2 has; what follows that is no possessive.
      quantifier = c === '?' && quantifier >= 0 ? -1 : i;
      i++;
      continue;
    }
    const count = REPEAT_COUNT.exec(rest);
    if (count) {
      quantifier = i;
      i += count[0].length;
      continue;
    }
    quantifier = -1;
    for (const [re, what, fix] of c === '\\' ? ESCAPES : c === '(' ? GROUPS : []) {
      const found = re.exec(rest);
      if (found) return { text: found[0], what, fix };
    }
    if (rest.startsWith('\\Q')) {
      const end = pattern.indexOf('\\E', i + 2);
      i = end < 0 ? pattern.length : end + 2;
    } else if (c === '\\') i += 2;
    else if (c === '[') i = classEnd(pattern, i);
    // The "?" of "(?" opens a group; it is no quantifier.
    else if (rest.startsWith('(?')) i += 2;
    else i++;
  }
  return undefined;
}

/** The index just past the character class that opens at `start`. */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  // A "]" first in the class is a literal.
  if (pattern[i] === ']') i++;
  while (i < pattern.length) {
    if (pattern[i] === '\\') i += 2;
    else if (pattern.startsWith('[:', i)) {
      const end = pattern.indexOf(':]', i + 2);
      i = end < 0 ? i + 1 : end + 2;
    } else if (pattern[i] === ']') return i + 1;
    else i++;
  }
  return pattern.length;
}
