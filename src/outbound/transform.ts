/**
 * A delivery's copy of the message: the received bytes with the routing rules'
 * header edits (X-Original-To, custom headers, spam headers, subject prefixes) and,
 * when asked, attachments removed. Header edits touch only the header block: the
 * body is appended as the same bytes, so 8-bit content survives untouched.
 */
import type { MessageSource } from '../base/message-source.js';
import type { MessageTransform } from '../routing/index.js';
import { decodeWords, encodeWords, isAscii, isValidHeaderName, renderHeader, sanitizeHeaderValue } from './encoded-words.js';
import { removeAttachments } from './remove-attachments.js';

export interface TransformContext {
  readonly spamVerdict?: { readonly spam: boolean; readonly score: number };
}

export const SPAM_HEADER = 'X-Relaydesk-Spam';
export const SPAM_SCORE_HEADER = 'X-Relaydesk-Spam-Score';

export function isIdentityTransform(t: MessageTransform): boolean {
  return t.xOriginalTo === undefined && t.headers.length === 0 && t.prependSubject.length === 0 && !t.spamHeaders && !t.removeAttachments;
}

/**
 * Custom headers may not replace the MIME structure or the trace: a second
 * Content-Type on top would change how every reader parses the message.
 * Config validation should use this to refuse such names with a sentence.
 */
export function isAllowedCustomHeaderName(name: string): boolean {
  if (!isValidHeaderName(name)) return false;
  const lower = name.toLowerCase();
  return !(lower.startsWith('content-') || lower === 'mime-version' || lower === 'received' || lower.startsWith('x-relaydesk-spam'));
}

/**
 * A delivery's copy as a new source: the header block edited in memory, the body
 * streamed (through the attachment filter when asked). Nothing is read until sent.
 */
export async function applyTransform(src: MessageSource, t: MessageTransform, ctx: TransformContext): Promise<MessageSource> {
  if (isIdentityTransform(t)) return src;
  const base = t.removeAttachments ? await removeAttachments(src) : src;
  const header = editHeaders(base.header, t, ctx);
  return { header, size: base.size === null ? null : base.size - base.header.length + header.length, body: () => base.body() };
}

interface Field {
  readonly name: string;
  /** The whole field as Latin-1 text (one char per byte), folding kept, no final EOL. */
  readonly text: string;
}

interface SplitMessage {
  readonly fields: Field[];
  readonly eol: string;
  /** Everything after the header block, starting with the blank line. */
  readonly rest: Buffer;
}

function splitMessage(raw: Buffer): SplitMessage {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  let headerEnd: number;
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) headerEnd = 0;
  else if (crlf >= 0 && (lf < 0 || crlf < lf)) headerEnd = crlf + 2;
  else if (lf >= 0) headerEnd = lf + 1;
  else headerEnd = raw.length;
  const head = raw.subarray(0, headerEnd).toString('latin1');
  const eol = /\r\n/.test(head) || headerEnd === 0 ? '\r\n' : '\n';
  let rest = raw.subarray(headerEnd);
  if (headerEnd === raw.length) rest = Buffer.from(eol, 'latin1');
  const fields: Field[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (line === '') continue;
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      fields[fields.length - 1] = { name: last.name, text: `${last.text}${eol}${line}` };
    } else {
      const colon = line.indexOf(':');
      fields.push({ name: (colon >= 0 ? line.slice(0, colon) : line).trim(), text: line });
    }
  }
  return { fields, eol, rest };
}

/** Latin-1 "one char per byte" text from a UTF-8 string, to sit among original fields. */
function asBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The header block (with its blank line) after the rule's header edits. */
export function editHeaders(header: Buffer, t: MessageTransform, ctx: TransformContext): Buffer {
  const { fields, eol, rest } = splitMessage(header);
  const added: string[] = [];
  if (t.xOriginalTo !== undefined) {
    // An address cannot be an encoded word; under SMTPUTF8 it stays raw UTF-8.
    added.push(renderHeader('X-Original-To', t.xOriginalTo, eol, { encode: false }));
  }
  for (const [name, value] of t.headers) {
    if (isAllowedCustomHeaderName(name)) added.push(renderHeader(name, value, eol));
  }
  let kept = fields;
  if (t.spamHeaders) {
    // Drop copies the sender wrote, so a forged "X-Relaydesk-Spam: 0" cannot pass.
    kept = kept.filter((f) => !/^x-relaydesk-spam(-score)?$/i.test(f.name));
    const v = ctx.spamVerdict;
    if (v) {
      added.push(`${SPAM_HEADER}: ${v.spam ? 1 : 0}`);
      if (Number.isFinite(v.score)) added.push(`${SPAM_SCORE_HEADER}: ${v.score.toFixed(2)}`);
    }
  }
  const subject = prefixSubject(kept, t.prependSubject, eol);
  const out = [...added.map(asBytes), ...subject.fields.map((f) => f.text)];
  if (subject.missing !== undefined) out.push(subject.missing);
  const head = Buffer.from(out.map((l) => `${l}${eol}`).join(''), 'latin1');
  return Buffer.concat([head, rest]);
}

/**
 * Prepends each prefix once, in order. A prefix already in the (decoded) subject is
 * skipped, as mailing lists do, so replies do not grow "[help] Re: [help] Re: …".
 */
function prefixSubject(fields: Field[], prefixes: readonly string[], eol: string): { fields: Field[]; missing?: string } {
  const wanted = [...new Set(prefixes.map((p) => sanitizeHeaderValue(p)))].filter((p) => p.trim() !== '');
  if (wanted.length === 0) return { fields };
  const index = fields.findIndex((f) => f.name.toLowerCase() === 'subject');
  const field = index >= 0 ? fields[index] : undefined;
  if (field === undefined) return { fields, missing: renderPrefixOnly(wanted.join(''), eol) };

  const rawValue = field.text.slice(field.text.indexOf(':') + 1);
  const unfolded = rawValue.replace(/\r?\n(?=[ \t])/g, '');
  const decoded = decodeWords(Buffer.from(unfolded, 'latin1').toString('utf8'));
  const toAdd = wanted.filter((p) => !decoded.includes(p.trim()));
  if (toAdd.length === 0) return { fields };
  const prefix = toAdd.join('');
  const value = rawValue.replace(/^[ \t]+/, '');
  const next = value.startsWith('=?');
  let text: string;
  if (value.trim() === '') {
    text = renderPrefixOnly(prefix, eol);
  } else if (isAscii(prefix) && !prefix.includes('=?') && (/\s$/.test(prefix) || !next)) {
    text = `Subject: ${prefix}${value}`;
  } else if (next) {
    // Whitespace between two encoded words is dropped, so the prefix's own space goes inside.
    text = `Subject: ${encodeWords(prefix, eol)}${eol} ${value}`;
  } else {
    // Whitespace between an encoded word and plain text is kept: it separates them.
    text = `Subject: ${encodeWords(prefix.trimEnd(), eol)} ${value}`;
  }
  const copy = [...fields];
  copy[index] = { name: field.name, text };
  return { fields: copy };
}

function renderPrefixOnly(prefix: string, eol: string): string {
  const p = prefix.trim();
  return isAscii(p) ? `Subject: ${p}` : `Subject: ${encodeWords(p, eol)}`;
}
