/**
 * Parse one raw inbound message into plain data the desk stores and classifies.
 *
 * mailparser does the MIME work. Around it we (1) cap the header block and re-read raw 8-bit
 * header fields that are not UTF-8, (2) relabel text parts whose charset label is missing or
 * wrong, because mailparser reads an unlabelled part as UTF-8 and shows mojibake for the
 * Shift_JIS, EUC-JP and ISO-2022-JP mail that old Japanese mailers still send, (3) read the
 * desk's headers, DSN reports and uuencoded blocks ourselves, and (4) bound every list and
 * string. Any input yields a result: what was wrong is listed in `problems`, never thrown.
 *
 * Pure: CPU only, no clock (an unreadable Date is null, not "now" as mailparser would say).
 */
import libmime from 'libmime';
import type { AddressObject, Attachment, EmailAddress, ParsedMail } from 'mailparser';
import { extractUuencoded, fromMailparser, keepAttachments, type OmittedAttachment, type ParsedAttachment } from './parse-attachments.js';
import { readHeaderBlock, type HeaderBlock } from './read-header-block.js';
import { decodeBytes, sniffCharset } from './charsets.js';
import { relabelCharsets } from './relabel-charsets.js';
import { ROUTE_TEST_HEADER } from './route-test-mark.js';
import { sanitizeEmailHtml } from './sanitize-email-html.js';
import type { StoredParts } from './stored-parts.js';

export interface ParseLimits {
  /** Top-level header block kept; more is dropped field by field (a 10,000-address To fits). */
  maxHeaderBytes: number;
  /** Characters of plain text kept. */
  maxTextChars: number;
  /** Characters of HTML given to html-to-text and to the sanitizer. */
  maxHtmlChars: number;
  /** Addresses kept in `to` and, separately, in `cc`. */
  maxParticipants: number;
  /** Total decoded attachment bytes kept; later attachments are listed in `omitted`. */
  maxAttachmentBytes: number;
  /** Attachments kept, whatever their size. */
  maxAttachments: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxHeaderBytes: 512 * 1024,
  maxTextChars: 1_000_000,
  maxHtmlChars: 2_000_000,
  maxParticipants: 50,
  maxAttachmentBytes: 512 * 1024 * 1024,
  maxAttachments: 100,
};

export interface MailAddress {
  name: string;
  address: string;
}

export interface ReportedRecipient {
  address: string;
  action: string | null;
  status: string | null;
}

export interface ParsedMessage {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** Addresses dropped from `to` and `cc` by maxParticipants. */
  truncatedRecipients: number;
  date: string | null;
  text: string;
  /** Sanitised; null when the message has no HTML part. */
  html: string | null;
  remoteImages: number;
  attachments: ParsedAttachment[];
  omitted: OmittedAttachment[];
  autoSubmitted: string | null;
  precedence: string | null;
  /** The X-Auto* family (X-Autoreply, X-Autorespond, X-Auto-Response-Suppress…), by lowercased name. */
  xAutoreply: Record<string, string>;
  listId: string | null;
  xOriginalTo: string | null;
  deliveredTo: string[];
  /** Our own loop header, X-Relaydesk-Loop. */
  xLoop: string | null;
  /** The console's route test mark, as written; checked by the intake (route-test-mark.ts). */
  xRouteTest: string | null;
  /** multipart/report, of any report-type (DSN, MDN, ARF feedback report…). */
  isReport: boolean;
  /** Its report-type parameter, lowercased; null when absent or not a report. */
  reportType: string | null;
  reportedRecipients: ReportedRecipient[];
  /** The envelope sender as the final MTA wrote it: '' for the null sender `<>`. */
  returnPath: string | null;
  problems: string[];
}

export const LOOP_HEADER = 'X-Relaydesk-Loop';
const MAX_REFERENCES = 100;
const MAX_SUBJECT_CHARS = 998;

/**
 * `stored`: the parts the reader stored apart (see stored-parts.ts); a part whose header
 * names one of them is an attachment whose bytes are there.
 */
export async function parseInboundMessage(raw: Buffer, limits: Partial<ParseLimits> = {}, stored: StoredParts = new Map()): Promise<ParsedMessage> {
  const lim: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const problems: string[] = [];
  try {
    const head = readHeaderBlock(raw, lim.maxHeaderBytes, lim.maxParticipants, problems);
    let prepared: Buffer = Buffer.concat([head.block, raw.subarray(head.bodyStart)]);
    try {
      // mailsplit slows down badly on a huge header block (a 10,000-address To); the MIME
      // fields are all it needs to see at the top.
      const mime = Buffer.concat([head.mimeFields, Buffer.from('\r\n'), raw.subarray(head.bodyStart)]);
      prepared = Buffer.concat([head.otherFields, await relabelCharsets(mime, problems)]);
    } catch (err) {
      problems.push(`MIME structure could not be walked for charsets: ${errorText(err)}`);
    }
    let mail: ParsedMail;
    try {
      mail = await parseMime(prepared, lim);
    } catch (err) {
      problems.push(`MIME parse failed, body read as plain text: ${errorText(err)}`);
      mail = await parseMime(asPlainText(head, raw.subarray(head.bodyStart), lim), lim);
    }
    return buildMessage(mail, head, raw.subarray(head.bodyStart), lim, problems, stored);
  } catch (err) {
    problems.push(`message could not be parsed: ${errorText(err)}`);
    return emptyMessage(problems);
  }
}

// ------------------------------------------------------------------ message

async function parseMime(raw: Buffer, lim: ParseLimits): Promise<ParsedMail> {
  // Loaded by the first message for the desk: a node relaying only never carries it.
  const { simpleParser } = await import('mailparser');
  return simpleParser(raw, {
    keepCidLinks: true,
    skipImageLinks: true,
    skipTextToHtml: true,
    keepDeliveryStatus: true,
    checksumAlgo: false,
    maxHtmlLengthToParse: lim.maxHtmlChars,
  });
}

/** When the MIME tree is beyond repair, the headers we kept and the body as one text part. */
function asPlainText(head: HeaderBlock, body: Buffer, lim: ParseLimits): Buffer {
  const kept = head.block
    .toString('latin1')
    .split(/\r\n(?![ \t])/)
    .filter((line) => line && !/^content-/i.test(line))
    .join('\r\n');
  const text = body.subarray(0, lim.maxTextChars * 4);
  const charset = sniffCharset(text);
  return Buffer.concat([Buffer.from(`${kept}\r\nContent-Type: text/plain; charset=${charset}\r\n\r\n`, 'latin1'), text]);
}

function buildMessage(mail: ParsedMail, head: HeaderBlock, body: Buffer, lim: ParseLimits, problems: string[], stored: StoredParts): ParsedMessage {
  const fields = head.fields;
  const get = (name: string): string | null => fields.find((f) => f.name === name)?.value ?? null;
  const all = (name: string): string[] => fields.filter((f) => f.name === name).map((f) => f.value);

  const messageId = firstMessageId(get('message-id'));
  if (!get('message-id')) problems.push('no Message-ID');
  else if (!messageId) problems.push('unreadable Message-ID');
  const date = readDate(get('date'));
  if (get('date') && !date) problems.push('unreadable Date');

  let from = addresses(mail.from)[0] ?? null;
  if (!from) {
    problems.push(get('from') ? 'From has no address' : 'no From');
    from = addresses(mail.headers.get('sender') as AddressObject | undefined)[0] ?? null;
  }
  const toAll = addresses(mail.to);
  const ccAll = addresses(mail.cc);
  const truncatedRecipients = head.cutAddresses + Math.max(0, toAll.length - lim.maxParticipants) + Math.max(0, ccAll.length - lim.maxParticipants);
  if (truncatedRecipients) problems.push(`${truncatedRecipients} recipients beyond ${lim.maxParticipants} per field not kept`);

  const reportType = /^multipart\/report$/i.test(contentTypeOf(mail)) ? reportTypeOf(mail) : null;
  const isReport = /^multipart\/report$/i.test(contentTypeOf(mail));
  const reportedRecipients: ReportedRecipient[] = [];
  const parts: Attachment[] = [];
  for (const part of mail.attachments) {
    if (part.contentType === 'message/delivery-status') reportedRecipients.push(...parseDeliveryStatus(part.content));
    else if (part.contentType !== 'message/disposition-notification') parts.push(part);
  }

  let text = mail.text ?? '';
  if (!text && typeof mail.html === 'string') text = mail.html.replace(/<[^>]*>/g, ' ').replace(/[ \t]+/g, ' ');
  const uu = extractUuencoded(text);
  text = cleanText(uu.text, problems);
  if (!text && !mail.html && parts.length === 0 && body.length > 0 && /^multipart\//i.test(contentTypeOf(mail))) {
    problems.push('multipart without readable parts (boundary missing or wrong); raw body shown as text');
    const bytes = body.subarray(0, lim.maxTextChars * 4);
    text = cleanText(decodeBytes(bytes, sniffCharset(bytes)), problems);
  }
  if (text.length > lim.maxTextChars) {
    problems.push(`text cut at ${lim.maxTextChars} characters`);
    text = text.slice(0, lim.maxTextChars);
  }

  let html: string | null = null;
  let remoteImages = 0;
  if (typeof mail.html === 'string' && mail.html.trim()) {
    // eslint-disable-next-line no-control-regex -- NUL cannot be stored or shown
    const clean = sanitizeEmailHtml(mail.html.replace(/\u0000/g, ''), { maxInputChars: lim.maxHtmlChars });
    html = clean.html;
    remoteImages = clean.remoteImages;
  }
  if (mail.textConversionError) problems.push(`HTML could not be turned into text: ${errorText(mail.textConversionError)}`);

  const { attachments, omitted } = keepAttachments([...parts.map((p) => fromMailparser(p, stored)), ...uu.files], lim, problems);
  const xAutoreply: Record<string, string> = {};
  for (const f of fields) if (/^x-(?:mail-)?auto/.test(f.name) && !(f.name in xAutoreply)) xAutoreply[f.name] = f.value.slice(0, 200);

  return {
    messageId,
    inReplyTo: firstMessageId(get('in-reply-to')),
    references: capReferences(messageIds(all('references').join(' '))),
    subject: cleanLine(mail.subject ?? '').slice(0, MAX_SUBJECT_CHARS),
    from,
    replyTo: addresses(mail.replyTo).slice(0, lim.maxParticipants),
    to: toAll.slice(0, lim.maxParticipants),
    cc: ccAll.slice(0, lim.maxParticipants),
    truncatedRecipients,
    date,
    text,
    html,
    remoteImages,
    attachments,
    omitted,
    autoSubmitted: token(get('auto-submitted')),
    precedence: token(get('precedence')),
    xAutoreply,
    listId: get('list-id') === null ? null : cleanLine(decodeWords(get('list-id') ?? '')).slice(0, 300),
    xOriginalTo: bareAddress(get('x-original-to')),
    deliveredTo: all('delivered-to')
      .map(bareAddress)
      .filter((a): a is string => a !== null)
      .slice(0, lim.maxParticipants),
    xLoop: get(LOOP_HEADER.toLowerCase())?.slice(0, 300) ?? null,
    xRouteTest: get(ROUTE_TEST_HEADER.toLowerCase())?.slice(0, 300) ?? null,
    isReport,
    reportType,
    reportedRecipients: reportedRecipients.slice(0, lim.maxParticipants),
    returnPath: get('return-path') === null ? null : (bareAddress(get('return-path')) ?? ''),
    problems,
  };
}

function emptyMessage(problems: string[]): ParsedMessage {
  return {
    messageId: null,
    inReplyTo: null,
    references: [],
    subject: '',
    from: null,
    replyTo: [],
    to: [],
    cc: [],
    truncatedRecipients: 0,
    date: null,
    text: '',
    html: null,
    remoteImages: 0,
    attachments: [],
    omitted: [],
    autoSubmitted: null,
    precedence: null,
    xAutoreply: {},
    listId: null,
    xOriginalTo: null,
    deliveredTo: [],
    xLoop: null,
    xRouteTest: null,
    isReport: false,
    reportType: null,
    reportedRecipients: [],
    returnPath: null,
    problems,
  };
}

// ------------------------------------------------------------------ fields

function addresses(header: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const walk = (list: EmailAddress[]): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address && a.address.includes('@')) out.push({ name: cleanLine(a.name ?? '').slice(0, 200), address: a.address.trim().slice(0, 320) });
    }
  };
  for (const h of header === undefined ? [] : Array.isArray(header) ? header : [header]) walk(h.value ?? []);
  return out;
}

/** `<id>` as written, or a bare `local@domain` (old mailers, comments) wrapped in brackets. */
function messageIds(value: string): string[] {
  const ids: string[] = [];
  for (const m of value.replace(/\([^()]*\)/g, ' ').matchAll(/<([^<>\s]+)>|([^\s<>,;"]+@[^\s<>,;"]+)/g)) {
    ids.push(`<${m[1] ?? m[2]}>`.slice(0, 998));
  }
  return [...new Set(ids)];
}

function firstMessageId(value: string | null): string | null {
  return value === null ? null : (messageIds(value)[0] ?? null);
}

/** The root and the most recent ids carry the thread; the middle of a huge chain does not. */
function capReferences(ids: string[]): string[] {
  return ids.length <= MAX_REFERENCES ? ids : [ids[0]!, ...ids.slice(ids.length - MAX_REFERENCES + 1)];
}

function readDate(value: string | null): string | null {
  if (!value) return null;
  const time = Date.parse(value.replace(/\([^()]*\)/g, ' ').trim());
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}

function bareAddress(value: string | null): string | null {
  if (value === null) return null;
  const inner = /<([^<>]*)>/.exec(value)?.[1] ?? value;
  const address = inner
    .replace(/\([^()]*\)/g, '')
    .trim()
    .slice(0, 320);
  return address.includes('@') ? address : null;
}

function token(value: string | null): string | null {
  return value === null
    ? null
    : value
        .replace(/\([^()]*\)/g, '')
        .trim()
        .toLowerCase()
        .slice(0, 200);
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

function contentTypeOf(mail: ParsedMail): string {
  const ct = mail.headers.get('content-type');
  return ct && typeof ct === 'object' && 'value' in ct ? String(ct.value) : '';
}

function reportTypeOf(mail: ParsedMail): string | null {
  const ct = mail.headers.get('content-type');
  const params = ct && typeof ct === 'object' && 'params' in ct ? (ct.params as Record<string, unknown>) : {};
  const type = params['report-type'];
  return typeof type === 'string' ? type.toLowerCase() : null;
}

/** NUL cannot be stored in a PostgreSQL text column; other C0 controls only confuse a screen. */
function cleanText(text: string, problems: string[]): string {
  if (text.includes('\u0000')) problems.push('NUL bytes removed from text');
  // eslint-disable-next-line no-control-regex -- the text keeps tabs and line breaks and drops the other control characters
  return text.replace(/^\uFEFF/, '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

function cleanLine(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- a header value keeps no control characters
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}

// ------------------------------------------------------------------ parts

function parseDeliveryStatus(content: Buffer): ReportedRecipient[] {
  const out: ReportedRecipient[] = [];
  const text = content
    .subarray(0, 256 * 1024)
    .toString('utf8')
    .replace(/\r?\n[ \t]+/g, ' ');
  for (const block of text.split(/\r?\n\s*\r?\n/)) {
    const field = (name: string): string | null => new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim() ?? null;
    const recipient = field('Final-Recipient') ?? field('Original-Recipient');
    if (!recipient) continue;
    const address = recipient
      .slice(recipient.indexOf(';') + 1)
      .trim()
      .replace(/^<|>$/g, '');
    out.push({ address, action: field('Action')?.toLowerCase() ?? null, status: field('Status') });
  }
  return out;
}

/**
 * uuencoded blocks (`begin 644 name` … `end`) that old clients put in the text: mailparser
 * leaves them as text, so we turn each into an attachment and take it out of the text.
 */
