/**
 * Telling people from machines before anything replies. Machine mail (auto-replies, bulk,
 * bounces, our own mail coming back) must never be acknowledged and never open a case, or two
 * auto-responders answer each other forever. Also: who a message's requester is, whom we may
 * ever answer automatically, and Gmail's forwarding-confirmation mail.
 */
import { domainOf, localPartOf, normalizeAddress } from './channel-address.js';
import type { Address, HeaderMap, IntakeMessage, MachineMailVerdict, Mailbox, MailboxLike } from './model.js';

export interface MachineMailContext {
  /** The value this desk puts in `X-Relaydesk-Loop` on everything it sends. */
  readonly ourLoopId: string;
}

/** The first token of a structured header value, lowercased (`auto-replied; owner=…` → `auto-replied`). */
function token(value: string | null | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

function headerEntries(map: HeaderMap | null | undefined): [string, string][] {
  if (!map) return [];
  const entries: [string, string | readonly string[] | undefined][] =
    map instanceof Map ? [...(map as ReadonlyMap<string, string | readonly string[]>).entries()] : Object.entries(map);
  const out: [string, string][] = [];
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) out.push([name.toLowerCase(), v]);
  }
  return out;
}

const DELIVERY_REPORTS = new Set(['delivery-status', 'disposition-notification']);
const BOUNCE_SENDERS = new Set(['mailer-daemon', 'postmaster', 'mail-daemon', 'mailerdaemon']);
const PRECEDENCE_BULK = new Set(['bulk', 'junk', 'list']);
const PRECEDENCE_AUTO_REPLY = new Set(['auto_reply', 'auto-reply']);
// Header names (lowercase) of the non-standard auto-responder family; their presence is the signal.
const X_AUTOREPLY = new Set(['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autoreply-from', 'x-mail-autoreply', 'x-auto-reply']);

/** Recipients a report says failed; `delayed` and `delivered` are not bad addresses. */
function failedRecipients(msg: IntakeMessage): Address[] {
  const out = new Set<Address>();
  for (const r of msg.reportedRecipients ?? []) {
    const { address, action } = typeof r === 'string' ? { address: r, action: null } : r;
    const a = normalizeAddress(address.replace(/^\s*rfc822\s*;/i, ''));
    const act = (action ?? 'failed').trim().toLowerCase();
    if (a !== '' && (act === 'failed' || act === '')) out.add(a);
  }
  return [...out];
}

function isNullSender(msg: IntakeMessage): boolean {
  const rp = msg.returnPath?.trim();
  return normalizeAddress(msg.envelope.mailFrom) === '' || rp === '<>' || rp === '';
}

/**
 * Classifies a message, most specific first: our own loop header; delivery reports and mail
 * from mailer-daemon/postmaster (bounces); other reports, such as ARF abuse reports (bulk);
 * RFC 3834 `Auto-Submitted` and the X-Autoreply family (auto-replies); `Precedence`
 * bulk/junk/list (bulk); finally a null sender without other signs, which only bounces and
 * auto-replies use. A report counts whoever its envelope sender: ARF reports and read
 * receipts come from real addresses.
 */
export function classifyMachineMail(msg: IntakeMessage, ctx: MachineMailContext): MachineMailVerdict {
  const loops = msg.xLoop == null ? [] : typeof msg.xLoop === 'string' ? [msg.xLoop] : msg.xLoop;
  // Another Relaydesk's id is not ours: its human replies are people; its acks say Auto-Submitted.
  if (loops.some((v) => v.trim() === ctx.ourLoopId)) return { kind: 'loop', reason: 'X-Relaydesk-Loop carries our loop id' };

  const reported = failedRecipients(msg);
  if (msg.isReport) {
    const type = msg.reportType?.trim().toLowerCase() || null;
    // A report without a type is taken for what nearly every report is: a DSN.
    if (type === null || DELIVERY_REPORTS.has(type)) return { kind: 'bounce', reason: 'multipart/report delivery report', reportedRecipients: reported };
    // An abuse feedback report (ARF) or any other report is a machine's notification, whoever sent it.
    return { kind: 'bulk', reason: `multipart/report; report-type=${type.slice(0, 60)}` };
  }
  const fromLocal = localPartOf(normalizeAddress(msg.from?.address ?? ''));
  const envLocal = localPartOf(normalizeAddress(msg.envelope.mailFrom));
  if (BOUNCE_SENDERS.has(fromLocal) || BOUNCE_SENDERS.has(envLocal)) {
    return { kind: 'bounce', reason: `sent by ${BOUNCE_SENDERS.has(fromLocal) ? fromLocal : envLocal}`, reportedRecipients: reported };
  }

  const autoSubmitted = token(msg.autoSubmitted);
  if (autoSubmitted !== '' && autoSubmitted !== 'no') {
    const reason = `Auto-Submitted: ${autoSubmitted}`;
    // RFC 3834: auto-replied answers a message; anything else (auto-generated, auto-notified…) is a notification.
    return autoSubmitted === 'auto-replied' ? { kind: 'auto-reply', reason } : { kind: 'bulk', reason };
  }
  for (const [name, value] of headerEntries(msg.xAutoreply)) {
    if (X_AUTOREPLY.has(name)) return { kind: 'auto-reply', reason: `${name} header present` };
    // Exchange's way of saying "an automated sender: do not auto-answer me"; any value counts.
    if (name === 'x-auto-response-suppress' && value.trim() !== '') return { kind: 'auto-reply', reason: `X-Auto-Response-Suppress: ${value.trim()}` };
    // Only `Reply`: some forwarding rules stamp other values on a person's own mail.
    if (name === 'x-autogenerated' && token(value) === 'reply') return { kind: 'auto-reply', reason: 'X-Autogenerated: Reply' };
  }
  const precedence = token(msg.precedence);
  if (PRECEDENCE_AUTO_REPLY.has(precedence)) return { kind: 'auto-reply', reason: `Precedence: ${precedence}` };
  if (PRECEDENCE_BULK.has(precedence)) return { kind: 'bulk', reason: `Precedence: ${precedence}` };

  if (isNullSender(msg)) return { kind: 'bounce', reason: 'null sender <>', reportedRecipients: reported };
  return { kind: 'human' };
}

// Local parts that name a machine or a list: answering them bounces, loops or spams a list.
const NEVER_ANSWER = [
  /(^|[-_.+=])(no|do[-_.]?not)[-_.]?reply($|[-_.+=])/,
  /^(mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|majordomo|listserv)$/,
  /(^|[-_.+=])bounces?($|[-_.+=])/,
  /^owner-|-(owner|request)$/,
];

/** Whether an automatic message (an acknowledgement) may ever go to this address. */
export function mayAutoAnswer(address: string): boolean {
  const a = normalizeAddress(address);
  const local = localPartOf(a);
  if (local === '' || domainOf(a) === '' || local === a) return false;
  return !NEVER_ANSWER.some((re) => re.test(local));
}

function toMailbox(m: MailboxLike | null | undefined): Mailbox | null {
  const address = normalizeAddress(m?.address ?? '');
  if (address === '' || !address.includes('@')) return null;
  return { name: (m?.name ?? '').replace(/[\r\n]+/g, ' ').trim(), address };
}

/**
 * The person a case or lead belongs to: From; or the first usable Reply-To when From is the
 * channel's public address (a web form or a gateway sending as help@) or a no-reply sender;
 * with no From at all, Reply-To and then the envelope sender. Null when nobody can be named.
 */
export function requesterOf(msg: IntakeMessage, publicAddress: Address | null): Mailbox | null {
  const from = toMailbox(msg.from);
  const ours = publicAddress === null ? '' : normalizeAddress(publicAddress);
  const replyTo = (msg.replyTo ?? []).map(toMailbox).find((m): m is Mailbox => m !== null && m.address !== ours && mayAutoAnswer(m.address));
  if (from && from.address !== ours && mayAutoAnswer(from.address)) return from;
  if (replyTo) return replyTo;
  if (from) return from;
  const envelope = toMailbox({ address: msg.envelope.mailFrom });
  return envelope;
}

export interface GmailForwardingConfirmation {
  readonly code: string;
  readonly confirmUrl: string | null;
  readonly forwardFrom: Address | null;
}

const GMAIL_FORWARDING_SENDER = 'forwarding-noreply@google.com';
const CODE_IN_SUBJECT = /^\s*\(#(\d{6,12})\)/;
const CODE_IN_TEXT = /(?:confirmation code|確認コード)\s*[:：]\s*(\d{6,12})/i;
const CONFIRM_URL = /https:\/\/mail(?:-settings)?\.google\.com\/mail\/[^\s<>"')\]]+/;
const EMAIL = /[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/i;

/**
 * Gmail's "(#123456789) Gmail Forwarding Confirmation - Receive Mail from x@y" (any language):
 * its code and link go to the admin, it never becomes a case. Recognised by sender plus code,
 * so the caller should also require DMARC to pass before showing the link as Google's.
 */
export function isGmailForwardingConfirmation(msg: IntakeMessage): GmailForwardingConfirmation | null {
  if (normalizeAddress(msg.from?.address ?? '') !== GMAIL_FORWARDING_SENDER) return null;
  const subject = msg.subject ?? '';
  const text = msg.text ?? '';
  const code = CODE_IN_SUBJECT.exec(subject)?.[1] ?? CODE_IN_TEXT.exec(text)?.[1];
  if (code === undefined) return null;
  const afterCode = subject.replace(CODE_IN_SUBJECT, '');
  const forwardFrom = EMAIL.exec(afterCode)?.[0] ?? EMAIL.exec(text)?.[0] ?? null;
  return {
    code,
    confirmUrl: CONFIRM_URL.exec(text)?.[0] ?? null,
    forwardFrom: forwardFrom === null ? null : normalizeAddress(forwardFrom),
  };
}
