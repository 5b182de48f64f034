/**
 * Read the top-level header block of a raw message, bounded, before mailparser sees it.
 *
 * A hostile or broken sender can send megabytes of header fields; mailparser would refuse the
 * whole message past 1 MB. We keep fields up to a byte budget instead, the ones the desk
 * decides with first (From, Subject, Message-ID, threading, machine-mail markers), so a flood
 * of junk fields cannot push them out. Raw text that is not UTF-8 (a Shift_JIS or
 * ISO-2022-JP Subject written without RFC 2047) is transcoded to UTF-8, which mailparser then
 * reads as RFC 6532 headers, and encoded words libmime would misread are decoded here (see
 * header-bytes.ts).
 */
import { declaredCharset, normalizeHeaderBytes } from './header-bytes.js';

export interface HeaderField {
  /** Lowercased. */
  name: string;
  /** Unfolded, trimmed, RFC 2047 words still encoded. */
  value: string;
}

export interface HeaderBlock {
  /** The kept fields, CRLF-terminated, followed by the empty line. */
  block: Buffer;
  /** The kept Content-* and MIME-Version fields, CRLF-terminated, no empty line. */
  mimeFields: Buffer;
  /** The other kept fields, CRLF-terminated, no empty line. */
  otherFields: Buffer;
  /** Offset of the body in the raw message. */
  bodyStart: number;
  fields: HeaderField[];
  /** Addresses cut from To and Cc fields longer than maxAddresses. */
  cutAddresses: number;
}

/** Fields read before the junk; each still has to fit the budget on its own. */
const DECIDING_FIELDS = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'return-path',
  'auto-submitted',
  'precedence',
  'list-id',
  'x-original-to',
  'delivered-to',
  'x-relaydesk-loop',
]);

/**
 * `maxAddresses` cuts To and Cc down before mailparser reads them: parsing 10,000 addresses
 * costs it the better part of a second, and the desk keeps 50.
 */
export function readHeaderBlock(raw: Buffer, maxBytes: number, maxAddresses: number, problems: string[]): HeaderBlock {
  const blank = headerEnd(raw);
  // A line that is neither a field nor a continuation ends the header block, as in Postfix:
  // a message without headers that a gateway prefixed with its own (Received, X-Original-To)
  // keeps its text as the body instead of losing it among the fields.
  const stop = firstNonFieldLine(raw, blank ? blank.index : raw.length);
  const end = stop === null || stop === 0 ? blank : { index: stop, length: 0 };
  const headLength = end ? end.index : raw.length;
  // Past 8× the budget nothing more could be kept anyway; do not even split it into fields.
  const scanLength = Math.min(headLength, maxBytes * 8);
  const headText = raw.subarray(0, scanLength).toString('latin1');
  if (!/^(?:From |[!-9;-~]+[ \t]*:)/.test(headText)) {
    problems.push('no header block');
    return { block: Buffer.from('\r\n'), mimeFields: Buffer.alloc(0), otherFields: Buffer.alloc(0), bodyStart: 0, fields: [], cutAddresses: 0 };
  }
  if (end && end.length === 0) problems.push('header block ended by a line that is not a header field, without an empty line');
  else if (!end) problems.push('no empty line after the header block; body treated as empty');
  if (scanLength < headLength) problems.push(`header block of ${headLength} bytes cut at ${scanLength}`);

  const candidates = headText
    .split(/\r?\n(?![ \t])/)
    .filter((f) => f.indexOf(':') > 0 && !/^From /.test(f))
    .map((text, order) => ({ text, order, name: text.slice(0, text.indexOf(':')).trim().toLowerCase() }));
  const keep = new Set<number>();
  let used = 0;
  for (const pass of [true, false]) {
    for (const c of candidates) {
      if (DECIDING_FIELDS.has(c.name) !== pass || used + c.text.length + 2 > maxBytes) continue;
      used += c.text.length + 2;
      keep.add(c.order);
    }
  }
  const dropped = candidates.length - keep.size;
  if (dropped) problems.push(`header block over ${maxBytes} bytes: ${dropped} header fields dropped`);

  const mime: Buffer[] = [];
  const other: Buffer[] = [];
  const fields: HeaderField[] = [];
  const notes = new Set<string>();
  let cutAddresses = 0;
  const contentType = candidates.find((c) => c.name === 'content-type');
  const declared = declaredCharset(
    contentType ? contentType.text.slice(contentType.text.indexOf(':') + 1) : null,
    end ? raw.subarray(end.index + end.length) : Buffer.alloc(0),
  );
  for (const c of candidates) {
    if (!keep.has(c.order)) continue;
    if ((c.name === 'to' || c.name === 'cc') && c.text.length > maxAddresses * 20) {
      const entries = splitAddressList(c.text.slice(c.text.indexOf(':') + 1));
      if (entries.length > maxAddresses) {
        cutAddresses += entries.length - maxAddresses;
        c.text = `${c.text.slice(0, c.text.indexOf(':'))}:${entries.slice(0, maxAddresses).join(',')}`;
      }
    }
    const colon = c.text.indexOf(':') + 1;
    const normal = normalizeHeaderBytes(Buffer.from(c.text.slice(colon), 'latin1'), declared);
    const bytes = Buffer.concat([Buffer.from(c.text.slice(0, colon), 'latin1'), normal.bytes]);
    if (normal.note) notes.add(normal.note);
    (/^(content-|mime-version$)/.test(c.name) ? mime : other).push(bytes, Buffer.from('\r\n'));
    const unfolded = bytes.toString('utf8').replace(/\r?\n[ \t]*/g, ' ');
    fields.push({ name: c.name, value: unfolded.slice(unfolded.indexOf(':') + 1).trim() });
  }
  for (const note of notes) problems.push(`header field: ${note}`);
  const mimeFields = Buffer.concat(mime);
  const otherFields = Buffer.concat(other);
  return {
    block: Buffer.concat([otherFields, mimeFields, Buffer.from('\r\n')]),
    mimeFields,
    otherFields,
    bodyStart: end ? end.index + end.length : raw.length,
    fields,
    cutAddresses,
  };
}

/** Offset of the first line before `limit` that is not a header field, a continuation or an mbox "From " line. */
function firstNonFieldLine(raw: Buffer, limit: number): number | null {
  let pos = 0;
  while (pos < limit) {
    const nl = raw.indexOf(0x0a, pos);
    const c = raw[pos];
    if (c !== 0x20 && c !== 0x09) {
      const line = raw.toString('latin1', pos, Math.min(nl < 0 ? limit : nl, limit, pos + 1000));
      if (!/^[!-9;-~]+[ \t]*:/.test(line) && !(pos === 0 && line.startsWith('From '))) return pos;
    }
    if (nl < 0) return null;
    pos = nl + 1;
  }
  return null;
}

/** The first empty line, whether lines end in CRLF or a bare LF. */
function headerEnd(raw: Buffer): { index: number; length: number } | null {
  if (raw[0] === 0x0a) return { index: 0, length: 1 };
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { index: 0, length: 2 };
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const mixed = raw.indexOf('\n\r\n');
  const found = [
    crlf >= 0 ? { index: crlf + 2, length: 2 } : null,
    lf >= 0 ? { index: lf + 1, length: 1 } : null,
    mixed >= 0 ? { index: mixed + 1, length: 2 } : null,
  ].filter((x): x is { index: number; length: number } => x !== null);
  found.sort((a, b) => a.index - b.index);
  return found[0] ?? null;
}

/** Top-level entries of an address list: commas inside quotes, <…> or comments do not split. */
function splitAddressList(value: string): string[] {
  const entries: string[] = [];
  let quoted = false;
  let angle = 0;
  let comment = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') i += 1;
    else if (ch === '"' && comment === 0) quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '(') comment += 1;
    else if (ch === ')' && comment > 0) comment -= 1;
    else if (ch === '<' && comment === 0) angle += 1;
    else if (ch === '>' && angle > 0) angle -= 1;
    else if (ch === ',' && angle === 0 && comment === 0) {
      entries.push(value.slice(start, i));
      start = i + 1;
    }
  }
  entries.push(value.slice(start));
  return entries.filter((e) => e.trim() !== '');
}
