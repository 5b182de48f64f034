/**
 * What a message says, as one hash. Two copies of one message have the same fingerprint: the
 * queue delivering a stored message again, or the sender's server sending it again (new
 * Received fields, new queue id, same header fields and body). A different message that comes
 * with a Message-ID already seen (broken mailers, list software and some ticket systems reuse
 * them) has another, so the desk keeps it instead of dropping it as a duplicate.
 *
 * Only what the author wrote counts: sender, recipients, subject, date, text, HTML, and for
 * each attachment its name, type and size. How the message travelled (Received, Delivered-To,
 * X-Original-To, the envelope) does not, nor do the attachments' bytes: their size already
 * tells two files apart in practice, and the bytes are not always at hand.
 *
 * Pure: CPU only.
 */
import { createHash } from 'node:crypto';
import type { MailAddress, ParsedMessage } from './parse-message.js';

export type FingerprintFields = Pick<ParsedMessage, 'from' | 'to' | 'cc' | 'subject' | 'date' | 'text' | 'html'> & {
  readonly attachments: readonly { readonly filename: string; readonly contentType: string; readonly size: number }[];
  /** Attachments the parser's limits left out still tell two messages apart. */
  readonly omitted: readonly { readonly filename: string; readonly size: number }[];
};

// Bumped if what counts ever changes, so old and new fingerprints never look alike by accident.
const VERSION = 'v1';

export function fingerprintMessage(p: FingerprintFields): string {
  const mailbox = (m: MailAddress) => [m.name, m.address.toLowerCase()];
  const fields = [
    VERSION,
    p.from === null ? null : mailbox(p.from),
    p.to.map(mailbox),
    p.cc.map(mailbox),
    p.subject,
    p.date,
    p.text,
    p.html,
    p.attachments.map((a) => [a.filename, a.contentType.toLowerCase(), a.size]),
    p.omitted.map((a) => [a.filename, a.size]),
  ];
  return `sha256:${createHash('sha256').update(JSON.stringify(fields)).digest('hex')}`;
}
