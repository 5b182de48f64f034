/**
 * Delivery status notifications (RFC 3464): a multipart/report telling the envelope
 * sender which recipients failed or are delayed, why, and what to do.
 *
 * The caller MUST send the result with a null envelope sender (MAIL FROM:<>), so a
 * DSN that cannot be delivered never produces another one (RFC 5321 §4.5.5), and
 * must not send one when the envelope sender is already null.
 */
import { createHash } from 'node:crypto';
import { isAscii, sanitizeHeaderValue } from './encoded-words.js';

export interface DsnRecipient {
  readonly finalRecipient: string;
  readonly originalRecipient?: string;
  readonly action: 'failed' | 'delayed';
  /** RFC 3463 enhanced status, e.g. 5.1.1. */
  readonly status: string;
  readonly remoteMta?: string;
  /** As the remote MTA said it, e.g. "smtp; 550 5.1.1 user unknown". */
  readonly diagnostic?: string;
}

export interface DsnInput {
  /** Our host name, as in Reporting-MTA and the human-readable text. */
  readonly reportingMta: string;
  /** The DSN's From, e.g. postmaster@gateway.example. */
  readonly from: string;
  /** The original envelope sender, who gets the report. */
  readonly to: string;
  readonly queueId: string;
  readonly arrivalDate: Date;
  readonly now: Date;
  /** The DSN's own Message-ID (with or without angle brackets); the caller generates it. */
  readonly messageId: string;
  readonly recipients: readonly DsnRecipient[];
  /** The original message's header block. */
  readonly originalHeaders: Buffer;
}

const EOL = '\r\n';
/** Field lines stay well under RFC 5322's 998-character limit even with a long reply. */
const MAX_DIAGNOSTIC = 900;

/** RFC 5322 date in UTC, e.g. "Tue, 15 Nov 1994 08:12:31 +0000". */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function clean(text: string, max = MAX_DIAGNOSTIC): string {
  const one = sanitizeHeaderValue(text).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}...` : one;
}

function advice(status: string): string {
  const [cls, subject, detail] = status.split('.');
  if (cls === '4') return 'No action is needed yet: delivery will be retried, and you will be told if it finally fails.';
  if (subject === '1')
    return detail === '2' || detail === '10'
      ? 'The recipient domain does not exist or accepts no mail: check the address for typing errors.'
      : 'The recipient address was refused: check it for typing errors, or reach the recipient another way.';
  if (subject === '2') return "The recipient's mailbox is full or disabled: try again later, or reach the recipient another way.";
  if (subject === '3') return 'The message is too large or in a form the receiving system cannot take: send it smaller or as a link.';
  if (subject === '7') return "The receiving system's policy refused the message (often spam or security checks): contact its postmaster.";
  return 'Check the address, and if the problem persists forward this report to your mail administrator.';
}

function humanPart(input: DsnInput, failed: boolean): string {
  const lines = [
    `This is the mail system at host ${clean(input.reportingMta)}.`,
    '',
    failed
      ? 'Your message could not be delivered to one or more recipients. It is attached below (headers only).'
      : 'Your message has not yet been delivered to one or more recipients. Delivery is still being retried.',
    '',
    `For help, contact ${clean(input.from)} and quote queue id ${clean(input.queueId)}.`,
    '',
  ];
  for (const r of input.recipients) {
    const where = r.remoteMta !== undefined ? ` (remote host ${clean(r.remoteMta)})` : '';
    lines.push(`<${clean(r.finalRecipient)}>: ${r.action === 'failed' ? 'failed' : 'delayed'}, status ${clean(r.status)}${where}`);
    if (r.diagnostic !== undefined) lines.push(`    ${clean(r.diagnostic)}`);
    lines.push(`    ${advice(r.status)}`);
    lines.push('');
  }
  return lines.join(EOL);
}

function statusPart(input: DsnInput): string {
  const lines = [
    `Reporting-MTA: dns; ${clean(input.reportingMta)}`,
    `X-Relaydesk-Queue-ID: ${clean(input.queueId)}`,
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ];
  for (const r of input.recipients) {
    lines.push('');
    if (r.originalRecipient !== undefined) lines.push(`Original-Recipient: rfc822; ${clean(r.originalRecipient)}`);
    lines.push(`Final-Recipient: rfc822; ${clean(r.finalRecipient)}`);
    lines.push(`Action: ${r.action}`);
    lines.push(`Status: ${clean(r.status)}`);
    if (r.remoteMta !== undefined) lines.push(`Remote-MTA: dns; ${clean(r.remoteMta)}`);
    if (r.diagnostic !== undefined) {
      const d = clean(r.diagnostic);
      lines.push(`Diagnostic-Code: ${/^[a-z-]+;/i.test(d) ? d : `smtp; ${d}`}`);
    }
    if (r.action === 'delayed') lines.push(`Last-Attempt-Date: ${rfc5322Date(input.now)}`);
  }
  return lines.join(EOL) + EOL;
}

/** The original header block, CRLF line ends, without its terminating blank line. */
function headersPart(original: Buffer): Buffer {
  const text = original.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n/g, EOL).replace(/(\r\n)+$/, '');
  return Buffer.from(head + EOL, 'latin1');
}

function bodyOf(text: string): { encoding: string; body: string } {
  if (isAscii(text.replace(/\r\n/g, ''))) return { encoding: '7bit', body: text };
  const b64 = Buffer.from(text, 'utf8').toString('base64').replace(/.{76}/g, `$&${EOL}`);
  return { encoding: 'base64', body: b64 + EOL };
}

export function renderDsn(input: DsnInput): Buffer {
  const failed = input.recipients.some((r) => r.action === 'failed');
  const original = headersPart(input.originalHeaders);
  // Derived from the content so it cannot occur in it (RFC 2046 §5.1.1) and stays pure.
  const boundary = `=_dsn_${createHash('sha256').update(input.queueId).update(input.now.toISOString()).update(original).digest('hex').slice(0, 32)}`;
  const id = clean(input.messageId).replace(/^<|>$/g, '');
  const subject = failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)';
  const to = clean(input.to);
  const human = bodyOf(humanPart(input, failed));
  // message/* parts may not be base64 (RFC 2046 §5.2.1): UTF-8 addresses go as 8bit.
  const status = statusPart(input);
  const statusAscii = isAscii(status.replace(/\r\n/g, ''));
  const head = [
    `From: Mail Delivery System <${clean(input.from)}>`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${id}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;${EOL} boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${human.encoding}`,
    '',
    human.body,
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    `Content-Transfer-Encoding: ${statusAscii ? '7bit' : '8bit'}`,
    '',
    Buffer.from(status, 'utf8').toString('latin1'),
    `--${boundary}`,
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    `Content-Transfer-Encoding: ${original.every((b) => b < 0x80) ? '7bit' : '8bit'}`,
    '',
    '',
  ].join(EOL);
  return Buffer.concat([Buffer.from(head, 'latin1'), original, Buffer.from(`${EOL}--${boundary}--${EOL}`, 'latin1')]);
}
