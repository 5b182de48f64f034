/**
 * YAML text → Config, or every problem in it with its place. Order of checks: YAML
 * syntax (nothing else is meaningful if that fails), then the schema, then references
 * and routing semantics; all problems of the stage that fails are reported at once.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { Problem } from '../routing/index.js';
import { checkConfig, type StoreFacts } from './check-config.js';
import { configSchema, ruleSchema, type Config } from './schema.js';
import { formatPath, locate, parsePath, type PathSegment } from './yaml-paths.js';
import { problemText, type ProblemText } from '../base/problem-texts.js';

export type ParseConfigResult =
  { readonly ok: true; readonly config: Config; readonly warnings: Problem[] } | { readonly ok: false; readonly problems: Problem[] };

/** Anchors and aliases are allowed, but not enough of them to blow up memory. */
const MAX_ALIAS_COUNT = 100;

/** `facts`: what the store knows (see StoreFacts); without them the checks that need it are skipped. */
export function parseConfigText(text: string, facts?: StoreFacts): ParseConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntax: Problem[] = [
    ...doc.errors.map((e) => ({ e, severity: 'error' as const })),
    ...doc.warnings.map((e) => ({ e, severity: 'warning' as const })),
  ].map(({ e, severity }) => ({
    path: '',
    message: `${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')} (YAML syntax); fix the file there`,
    severity,
    ...problemText('yaml-syntax', { detail: e.code }),
    ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}),
  }));
  if (syntax.some((p) => p.severity === 'error')) return { ok: false, problems: syntax };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      problems: [...syntax, { path: '', message: `${why}; use fewer aliases (*name)`, severity: 'error', ...problemText('yaml-too-many-aliases', {}) }],
    };
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => issueProblems(issue, raw, doc, lineCounter));
    // Go on with what did parse, so a broken port does not hide a broken pattern.
    const partial = partialConfig(raw, parsed.error.issues);
    const checked = partial ? checkConfig(partial, facts).map((p) => placed(p, doc, lineCounter, parsePath(p.path))) : [];
    return { ok: false, problems: sortProblems([...syntax, ...problems, ...checked]) };
  }
  const checked = checkConfig(parsed.data, facts).map((p) => placed(p, doc, lineCounter, parsePath(p.path)));
  const all = sortProblems([...syntax, ...checked]);
  if (all.some((p) => p.severity === 'error')) return { ok: false, problems: all };
  return { ok: true, config: parsed.data, warnings: all };
}

/** Sections other checks look names up in; if one of them failed, those checks would mislead. */
const REFERENCED_SECTIONS = ['', 'domains', 'orgUnits', 'users', 'groups', 'hosts', 'desk'];

/**
 * The config as far as it parses, for the checks that follow the schema: fields that
 * failed are dropped (their defaults apply) for a few rounds, then any rule still
 * failing becomes an inert placeholder (disabled, nothing to check) so that rule paths
 * keep their indexes. Undefined when a section other checks look names up in failed,
 * since those checks would then mislead.
 */
function partialConfig(raw: unknown, firstIssues: readonly z.core.$ZodIssue[]): Config | undefined {
  let current: unknown = structuredClone(raw);
  let issues = firstIssues;
  for (let round = 0; round < 4; round++) {
    const next = structuredClone(current);
    let changed = false;
    for (const issue of issues) {
      const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) changed = deleteAt(next, [...path, key]) || changed;
      } else if (path.length >= 2 && typeof path[path.length - 1] === 'string') {
        changed = deleteAt(next, path) || changed;
      }
    }
    if (!changed) break;
    current = next;
    const parsed = configSchema.safeParse(current);
    if (parsed.success) return parsed.data;
    issues = parsed.error.issues;
  }
  const failed = new Set(issues.map((i) => String(i.path[0] ?? '')));
  if (REFERENCED_SECTIONS.some((s) => failed.has(s)) || current === null || typeof current !== 'object') return undefined;
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(current)) {
    if (key in configSchema.shape && (!failed.has(key) || key === 'defaultRouting')) input[key] = value;
  }
  if (failed.has('defaultRouting')) {
    const rules: unknown = input.defaultRouting;
    input.defaultRouting = Array.isArray(rules)
      ? rules.map((r) => (ruleSchema.safeParse(r).success ? r : { description: 'placeholder', enabled: false, match: { all: true }, action: 'reject' }))
      : [];
  }
  const parsed = configSchema.safeParse(input);
  return parsed.success ? parsed.data : undefined;
}

function deleteAt(root: unknown, path: readonly PathSegment[]): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent) || typeof key !== 'string' || !(key in parent)) return false;
  delete (parent as Record<string, unknown>)[key];
  return true;
}

function placed(problem: Problem, doc: Document, lineCounter: LineCounter, segments: readonly PathSegment[], atKey = false): Problem {
  const pos = locate(doc, lineCounter, segments, atKey);
  return pos ? { ...problem, line: pos.line, column: pos.column } : problem;
}

function sortProblems(problems: Problem[]): Problem[] {
  const rank = (p: Problem): number => (p.severity === 'error' ? 0 : 1);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i)
    .map(({ p }) => p);
}

function issueProblems(issue: z.core.$ZodIssue, raw: unknown, doc: Document, lineCounter: LineCounter): Problem[] {
  const segments = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(segments);
    return issue.keys.map((key) =>
      placed(
        { path: formatPath([...segments, key]), message: unknownFieldMessage(key, known), severity: 'error', ...unknownFieldText(key, known) },
        doc,
        lineCounter,
        [...segments, key],
        true,
      ),
    );
  }
  const value = valueAt(raw, segments);
  let message: string;
  let text: ProblemText;
  switch (issue.code) {
    case 'invalid_type':
      [message, text] =
        value === undefined
          ? ['this field is required; add it', problemText('required', {})]
          : segments.length === 0
            ? [
                'the file must be a mapping of settings (domains:, users:, defaultRouting: …); start from the example in the README',
                problemText('not-a-mapping-file', {}),
              ]
            : [
                `expected ${article(issue.expected)}, found ${describe(value)}; correct the value`,
                problemText(`wrong-type/${kindOf(issue.expected)}`, { found: shown(value) }),
              ];
      break;
    case 'invalid_value':
      message = `${JSON.stringify(value)} is not allowed; use one of: ${issue.values.map((v) => String(v)).join(', ')}`;
      text = problemText('not-allowed', { value: shown(value), options: issue.values.map((v) => String(v)).join(', ') });
      break;
    case 'invalid_key':
      message = `${issue.issues.map((i) => i.message).join('; ')}; rename it`;
      text = problemText('invalid-key', {});
      break;
    case 'invalid_union':
      message = `${JSON.stringify(value)} is not valid here; ${issue.message}`;
      text = problemText('invalid-union', { value: shown(value) });
      break;
    case 'too_small':
      message = issue.message;
      text = problemText(issue.origin === 'string' ? 'empty' : issue.origin === 'array' ? 'too-few' : 'too-small', { minimum: Number(issue.minimum) });
      break;
    case 'too_big':
      message = issue.message;
      text = problemText(issue.origin === 'string' || issue.origin === 'array' ? 'too-long' : 'too-big', { maximum: Number(issue.maximum) });
      break;
    case 'invalid_format':
      message = issue.message;
      text = problemText(issue.format === 'url' ? 'not-a-url' : 'invalid-format', { value: shown(value) });
      break;
    case 'custom':
      message = issue.message;
      text = customText(issue.params);
      break;
    default:
      message = issue.message;
      text = problemText('invalid', { value: shown(value) });
  }
  return [placed({ path: formatPath(segments), message, severity: 'error', ...text }, doc, lineCounter, segments)];
}

/** A refinement of the schema names its code (and values) in zod's `params`. */
function customText(params: Record<string, unknown> | undefined): ProblemText {
  const { code, ...rest } = params ?? {};
  if (typeof code !== 'string') return problemText('invalid', { value: '' });
  const values: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'string' || typeof v === 'number') values[k] = v;
  return { code, params: values };
}

/** A value as a problem quotes it. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

const TYPES = ['array', 'object', 'string', 'number', 'boolean'] as const;

function kindOf(expected: string): (typeof TYPES)[number] | 'other' {
  return TYPES.find((t) => t === expected) ?? 'other';
}

function article(type: string): string {
  return type === 'array' ? 'a list' : type === 'object' ? 'a mapping' : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(s)];
  }
  return v;
}

function unknownFieldText(key: string, known: readonly string[]): ProblemText {
  const guess = closest(key, known);
  if (guess !== undefined) return problemText('unknown-field-did-you-mean', { key, guess });
  return known.length > 0 ? problemText('unknown-field', { key, fields: known.join(', ') }) : problemText('unknown-field-none', { key });
}

function unknownFieldMessage(key: string, known: readonly string[]): string {
  const guess = closest(key, known);
  if (guess !== undefined) return `unknown field; did you mean "${guess}"?`;
  return known.length > 0 ? `unknown field; remove it (fields here: ${known.join(', ')})` : 'unknown field; remove it';
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The parts of a zod definition this walk needs; zod's own types are a deep union. */
interface LooseDef {
  readonly type: string;
  readonly innerType?: z.core.$ZodType;
  readonly in?: z.core.$ZodType;
  readonly out?: z.core.$ZodType;
  readonly shape?: Readonly<Record<string, z.core.$ZodType>>;
  readonly element?: z.core.$ZodType;
  readonly valueType?: z.core.$ZodType;
}

function defOf(schema: z.core.$ZodType): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

/** The object schemas a schema stands for once wrappers (optional, default, pipe…) are peeled. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe') return [...(def.in ? unwrap(def.in) : []), ...(def.out ? unwrap(def.out) : [])];
  return [schema];
}

/** Field names the schema allows at a path, for "did you mean". */
function knownKeysAt(segments: readonly PathSegment[]): string[] {
  let current: z.core.$ZodType[] = unwrap(configSchema);
  for (const seg of segments) {
    const next: z.core.$ZodType[] = [];
    for (const s of current) {
      const def = defOf(s);
      const child = def.type === 'object' ? def.shape?.[String(seg)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
      if (child) next.push(...unwrap(child));
    }
    current = next;
  }
  return [...new Set(current.flatMap((s) => Object.keys(defOf(s).shape ?? {})))];
}
