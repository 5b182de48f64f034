/**
 * Just enough RFC 5322 parsing for the spam checks: the header block, address
 * lists and encoded words. It never throws on hostile input; what it cannot
 * make sense of it skips, so a broken header can only fail to match a rule.
 */

import type { MessageHeader } from './model.js';

/**
 * Real header blocks are a few KB (50 Received hops stay well under 64 KB). Past
 * this we stop reading, so a message that is "all header" costs bounded work.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

const CR = 0x0d;
const LF = 0x0a;

/** Index of the first body byte: after the first empty line (CRLF or bare LF). */
export function findBodyStart(raw: Buffer): number {
  if (raw[0] === LF) return 1;
  if (raw[0] === CR && raw[1] === LF) return 2;
  for (let i = raw.indexOf(LF); i !== -1 && i + 1 < raw.length; i = raw.indexOf(LF, i + 1)) {
    if (raw[i + 1] === LF) return i + 2;
    if (raw[i + 1] === CR && raw[i + 2] === LF) return i + 3;
  }
  return raw.length;
}

// RFC 5322 ftext; it also skips an mbox "From " line, whose name would hold a space.
const FIELD_NAME = /^[!-9;-~]+$/;

/** The header fields in order, names lower-cased, values unfolded and trimmed. */
export function parseHeaders(raw: Buffer): MessageHeader[] {
  const end = Math.min(findBodyStart(raw), MAX_HEADER_BYTES);
  const lines = raw.subarray(0, end).toString('utf8').split(/\r?\n/);
  const fields: { name: string; value: string }[] = [];
  for (const line of lines) {
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trimEnd();
    if (!FIELD_NAME.test(name)) continue;
    fields.push({ name: name.toLowerCase(), value: line.slice(colon + 1) });
  }
  return fields.map((f) => ({ name: f.name, value: f.value.trim() }));
}

/** The values of every field with this (lower-case) name, in order. */
export function headerValues(headers: readonly MessageHeader[], name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

export interface Mailbox {
  /** Display name, unquoted and decoded; '' when there is none. */
  readonly name: string;
  /** addr-spec as written (not lower-cased); '' for an item with no address. */
  readonly address: string;
}

/**
 * Splits an address-list field (From, To, Cc) into mailboxes. Quotes, comments and
 * angle brackets are respected; group syntax (`team: a@x, b@y;`) yields its members.
 */
export function parseAddressList(value: string): Mailbox[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (quoted) {
      current += c;
      if (c === '\\' && i + 1 < value.length) current += value.charAt(++i);
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"' && comment === 0) quoted = true;
    else if (c === '(') comment++;
    else if (c === ')' && comment > 0) comment--;
    else if (c === '<' && comment === 0) angle++;
    else if (c === '>' && comment === 0 && angle > 0) angle--;
    else if (comment === 0 && angle === 0 && (c === ',' || c === ';')) {
      items.push(current);
      current = '';
      continue;
    } else if (comment === 0 && angle === 0 && c === ':') {
      // The text so far was a group's name, not a mailbox.
      current = '';
      continue;
    }
    current += c;
  }
  items.push(current);
  return items.map(parseMailbox).filter((m) => m.address !== '' || m.name !== '');
}

function parseMailbox(item: string): Mailbox {
  const open = item.lastIndexOf('<');
  const close = item.indexOf('>', open);
  if (open !== -1 && close !== -1) {
    return { name: cleanDisplayName(item.slice(0, open)), address: item.slice(open + 1, close).trim() };
  }
  return { name: '', address: stripComments(item).trim() };
}

function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

function cleanDisplayName(text: string): string {
  const trimmed = stripComments(text).trim();
  const unquoted = trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1).replace(/\\(.)/g, '$1') : trimmed;
  return decodeEncodedWords(unquoted).trim();
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
// Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
const BETWEEN_WORDS = /(\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?)/g;

/** Decodes RFC 2047 encoded words; an unknown charset leaves its word as written. */
export function decodeEncodedWords(value: string): string {
  return value.replace(BETWEEN_WORDS, '$1').replace(ENCODED_WORD, (word, charset: string, enc: string, text: string) => {
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    try {
      // RFC 2231 allows a language after the charset: `utf-8*en`.
      return new TextDecoder(charset.split('*')[0]).decode(bytes);
    } catch {
      return word;
    }
  });
}

/** The addresses in the From field(s), in order; what the sender lists are matched against. */
export function fromAddresses(headers: readonly MessageHeader[]): string[] {
  return headerValues(headers, 'from')
    .flatMap(parseAddressList)
    .map((box) => box.address)
    .filter((address) => address !== '');
}
