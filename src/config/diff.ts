/**
 * What applying a config changes, one line per change, for `apply` to print:
 * `+` added, `-` removed, `~` changed. Secrets are named, never shown.
 */
import { normalizeAddress, type RoutingRule } from '../routing/index.js';
import { configSchema, type Config } from './schema.js';
import { renderDuration, renderSize } from './units.js';

const SECRET_PATHS = new Set(['srs.secret']);

export function diffConfig(before: Config | null, after: Config): string[] {
  // A first apply is measured against the defaults, so only what the file sets is listed.
  const b = before ?? configSchema.parse({});
  return [
    ...diffSet(
      'domain',
      b.domains.map((d) => d.toLowerCase()),
      after.domains.map((d) => d.toLowerCase()),
    ),
    ...diffSet('orgUnit', b.orgUnits, after.orgUnits),
    ...diffKeyed(
      'user',
      b.users,
      after.users,
      (u) => normalizeAddress(u.address),
      (u) => u.address,
    ),
    ...diffKeyed(
      'group',
      b.groups,
      after.groups,
      (g) => normalizeAddress(g.address),
      (g) => g.address,
    ),
    ...diffKeyed(
      'host',
      b.hosts,
      after.hosts,
      (h) => h.name,
      (h) => `${h.name} (${h.host}:${h.port})`,
    ),
    ...diffRules(b.defaultRouting, after.defaultRouting),
    ...diffKeyed(
      'DKIM key',
      b.dkim,
      after.dkim,
      (k) => `${k.domain.toLowerCase()}/${k.selector}`,
      (k) => `${k.domain} (selector ${k.selector})`,
      { secret: true },
    ),
    ...diffKeyed(
      'ARC key',
      b.arc ? [b.arc] : [],
      after.arc ? [after.arc] : [],
      (k) => `${k.domain.toLowerCase()}/${k.selector}`,
      (k) => `${k.domain} (selector ${k.selector})`,
      { secret: true },
    ),
    ...diffImapPasswords(b, after),
    ...diffLeaves('', pick(b), pick(after)),
  ];
}

function pick(c: Config): Record<string, unknown> {
  // A channel's IMAP password has lines of its own, which never show it.
  const desk = c.desk && {
    ...c.desk,
    channels: c.desk.channels.map((ch) => (ch.imap ? { ...ch, imap: { ...ch.imap, passwordSecret: undefined } } : ch)),
  };
  return { postmaster: c.postmaster, outbound: c.outbound, smtp: c.smtp, spam: c.spam, queue: c.queue, retention: c.retention, srs: c.srs, desk };
}

/** Set, replaced or removed; compared as the saved configuration names them (see imap-secrets.ts). */
function diffImapPasswords(before: Config, after: Config): string[] {
  const passwords = (c: Config) => new Map((c.desk?.channels ?? []).flatMap((ch) => (ch.imap ? [[ch.name, ch.imap.passwordSecret] as const] : [])));
  const b = passwords(before);
  const a = passwords(after);
  const out: string[] = [];
  for (const [name, secret] of a) {
    const old = b.get(name);
    if (old === undefined) out.push(`+ IMAP password of channel "${name}" set`);
    else if (old !== secret) out.push(`~ IMAP password of channel "${name}" replaced`);
  }
  for (const name of b.keys()) if (!a.has(name)) out.push(`- IMAP password of channel "${name}" removed`);
  return out;
}

function diffSet(noun: string, before: readonly string[], after: readonly string[]): string[] {
  const b = new Set(before);
  const a = new Set(after);
  return [...[...a].filter((x) => !b.has(x)).map((x) => `+ ${noun} ${x}`), ...[...b].filter((x) => !a.has(x)).map((x) => `- ${noun} ${x}`)];
}

function diffKeyed<T extends object>(
  noun: string,
  before: readonly T[],
  after: readonly T[],
  key: (t: T) => string,
  label: (t: T) => string,
  opts: { secret?: boolean } = {},
): string[] {
  const b = new Map(before.map((t) => [key(t), t]));
  const a = new Map(after.map((t) => [key(t), t]));
  const out: string[] = [];
  for (const [k, t] of a) {
    const old = b.get(k);
    if (!old) out.push(`+ ${noun} ${label(t)}`);
    else if (opts.secret) {
      if (JSON.stringify(old) !== JSON.stringify(t)) out.push(`~ ${noun} ${label(t)} changed`);
    } else out.push(...fieldChanges(old, t).map((c) => `~ ${noun} ${label(t)}: ${c}`));
  }
  for (const [k, t] of b) if (!a.has(k)) out.push(`- ${noun} ${label(t)}`);
  return out;
}

/**
 * Rules are matched by description when descriptions are unique (so a reordered table
 * reads as moves, not as every rule changed), otherwise by position.
 */
function diffRules(before: readonly RoutingRule[], after: readonly RoutingRule[]): string[] {
  const unique = (rules: readonly RoutingRule[]) => new Set(rules.map((r) => r.description)).size === rules.length;
  const byDescription = unique(before) && unique(after);
  const keyOf = (r: RoutingRule, i: number) => (byDescription ? r.description : String(i));
  const b = new Map(before.map((r, i) => [keyOf(r, i), { r, i }]));
  const a = new Map(after.map((r, i) => [keyOf(r, i), { r, i }]));
  const out: string[] = [];
  for (const [k, { r, i }] of a) {
    const name = `defaultRouting[${i}] "${r.description}"`;
    const old = b.get(k);
    if (!old) {
      out.push(`+ ${name}`);
      continue;
    }
    if (old.i !== i) out.push(`~ ${name}: moved from [${old.i}]`);
    out.push(...fieldChanges(old.r, r).map((c) => `~ ${name}: ${c}`));
  }
  for (const [k, { r, i }] of b) if (!a.has(k)) out.push(`- defaultRouting[${i}] "${r.description}"`);
  return out;
}

function fieldChanges(before: object, after: object): string[] {
  return diffLeaves('', before as Record<string, unknown>, after as Record<string, unknown>).map((line) => line.slice(2));
}

/** `~ path old → new` for every leaf that differs; lists are compared as a whole. */
function diffLeaves(prefix: string, before: unknown, after: unknown): string[] {
  const b = flatten(prefix, before);
  const a = flatten(prefix, after);
  const out: string[] = [];
  for (const path of new Set([...b.keys(), ...a.keys()])) {
    const old = b.get(path);
    const now = a.get(path);
    if (old === now) continue;
    if (SECRET_PATHS.has(path)) out.push(`~ ${path} changed`);
    else out.push(`~ ${path} ${show(path, old)} → ${show(path, now)}`);
  }
  return out;
}

function flatten(prefix: string, value: unknown, out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix === '' ? k : `${prefix}.${k}`, v, out);
  } else if (value !== undefined) {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

function show(path: string, json: string | undefined): string {
  if (json === undefined) return '(none)';
  const value: unknown = JSON.parse(json);
  if (typeof value === 'number' && path === 'smtp.maxMessageSize') return String(renderSize(value));
  if (typeof value === 'number' && (path.startsWith('queue.retry.') || path.startsWith('retention.'))) return renderDuration(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length === 0 ? '[]' : value.join(', ');
  return json;
}
