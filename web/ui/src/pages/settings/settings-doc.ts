/**
 * The gateway sections of the configuration document (smtp, spam, queue, srs, dkim, arc) as the
 * settings page reads and writes them. An emptied field removes its key, and a section left
 * with no keys is removed, so "default" is never written out and an untouched form saves
 * the document exactly as it was loaded.
 */
import type { ConfigDocument } from '../../api/config-document.js';

type Doc<K extends keyof ConfigDocument> = NonNullable<ConfigDocument[K]>;
export type SmtpDoc = Doc<'smtp'>;
export type SpamDoc = Doc<'spam'>;
export type RetryDoc = NonNullable<Doc<'queue'>['retry']>;
export type SrsDoc = Doc<'srs'>;
export type DkimKeyDoc = Doc<'dkim'>[number];
export type ArcKeyDoc = Doc<'arc'>;

/** The server's defaults (src/config/schema.ts), as an admin would write them. */
export const DEFAULTS = {
  maxMessageSize: '35MB',
  maxRecipients: 1000,
  maxConnectionsPerClient: 50,
  firstRetry: '1m',
  maxInterval: '1h',
  giveUpAfter: '5d',
} as const;

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The object at `path`, or an empty one when it is absent (or not an object). */
export function sectionOf<T>(doc: ConfigDocument, ...path: string[]): T {
  let at: unknown = doc;
  for (const key of path) at = isPlain(at) ? at[key] : undefined;
  return (isPlain(at) ? at : {}) as T;
}

/**
 * `doc` with `value` at `path`, or without that key when `value` is undefined. Objects along
 * the path that end up empty are removed too, except `keep` (srs: {} means SRS on).
 */
export function withSetting(doc: ConfigDocument, path: readonly string[], value: unknown, keep: readonly string[] = []): ConfigDocument {
  return setIn(doc, path, value, keep) as ConfigDocument;
}

function setIn(obj: Plain, path: readonly string[], value: unknown, keep: readonly string[]): Plain {
  const [key, ...rest] = path;
  if (key === undefined) return obj;
  const out = { ...obj };
  const next = rest.length === 0 ? value : setIn(isPlain(obj[key]) ? obj[key] : {}, rest, value, keep);
  const prunable = rest.length > 0 && isPlain(next) && Object.keys(next).length === 0 && !keep.includes(key);
  if (next === undefined || prunable) delete out[key];
  else out[key] = next;
  return out;
}

/** A text field's value for the document: blank means "the default", so no key. */
export const textOrDefault = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());

/** A number field's value: blank means the default; anything else goes to the check as typed. */
export function numberOrDefault(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** A list whose default is empty: empty means no key. */
export const listOrDefault = (items: readonly string[]): string[] | undefined => (items.length === 0 ? undefined : [...items]);

export const dkimKeysOf = (doc: ConfigDocument): DkimKeyDoc[] => (Array.isArray(doc.dkim) ? (doc.dkim as DkimKeyDoc[]) : []);

/** The key list with an empty list written as no key (the default). */
export const withDkimKeys = (doc: ConfigDocument, keys: readonly DkimKeyDoc[]): ConfigDocument =>
  withSetting(doc, ['dkim'], keys.length === 0 ? undefined : [...keys]);

export const arcKeyOf = (doc: ConfigDocument): ArcKeyDoc | undefined => (isPlain(doc.arc) ? (doc.arc as ArcKeyDoc) : undefined);

/** The ARC key, or no `arc` at all: then the first domain's DKIM key seals. */
export const withArcKey = (doc: ConfigDocument, key: ArcKeyDoc | undefined): ConfigDocument => withSetting(doc, ['arc'], key);
