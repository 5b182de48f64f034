/**
 * Pure decisions of the SMTP conversation: what to answer to DATA, how to make a
 * received message safe to store and pass on, and what we record about it.
 */
import { isUtf8 } from 'node:buffer';
import { smtpReply, type SmtpReply } from '../base/errors.js';
import { headerEnd } from '../base/headers.js';
import type { RecipientPlan } from '../routing/index.js';
import { MAX_HEADER_BYTES, MAX_HEADER_FIELDS, type DataProblem } from './data-reader.js';

/** RFC 5321 6.3 suggests 100; we refuse a little earlier since real paths stay under 20. */
export const MAX_RECEIVED_HEADERS = 50;

/** RFC 5321 4.5.3.1.4: 1,000 characters is the longest command line a server must take. */
export const MAX_ADDRESS_LENGTH = 1000;

export type AddressDecision = { readonly kind: 'accept' } | { readonly kind: 'reject'; readonly reply: SmtpReply };

/**
 * MAIL FROM and RCPT TO, judged on the bytes the client wrote between < and > (the decoded
 * address hides both problems: bad bytes become U+FFFD, and an A-label domain is shown in
 * Unicode). An address must be UTF-8, and may leave ASCII only in a transaction whose MAIL
 * FROM carried SMTPUTF8 (RFC 6531 3.6.4 and 3.7.4.1). The replies stay ASCII: a client
 * that did not ask for SMTPUTF8 may not take anything else.
 */
export function decideEnvelopeAddress(input: { role: 'sender' | 'recipient'; written: Uint8Array; smtpUtf8: boolean }): AddressDecision {
  const who = input.role === 'sender' ? 'sender' : 'recipient';
  if (input.written.length > MAX_ADDRESS_LENGTH) {
    return {
      kind: 'reject',
      reply: smtpReply(
        501,
        input.role === 'sender' ? '5.1.7' : '5.1.3',
        `The ${who} address is too long; an address has at most ${MAX_ADDRESS_LENGTH} characters`,
      ),
    };
  }
  if (!isUtf8(input.written)) {
    return { kind: 'reject', reply: smtpReply(553, '5.6.7', `The ${who} address is not valid UTF-8; send addresses in UTF-8 (RFC 6531), or in ASCII`) };
  }
  if (!input.smtpUtf8 && input.written.some((b) => b >= 0x80)) {
    return {
      kind: 'reject',
      reply: smtpReply(
        553,
        '5.6.7',
        `The ${who} address is not ASCII, and MAIL FROM did not carry SMTPUTF8; give SMTPUTF8 on MAIL FROM to use such addresses (RFC 6531)`,
      ),
    };
  }
  return { kind: 'accept' };
}

export type DataDecision = { readonly kind: 'accept' } | { readonly kind: 'reject'; readonly reply: SmtpReply };

export function decideData(input: {
  size: number;
  maxSize: number;
  sizeExceeded: boolean;
  receivedHeaders: number;
  /** What the DataReader found wrong, if anything. */
  problem?: DataProblem | null;
  headerFields?: number;
}): DataDecision {
  if (input.sizeExceeded || input.size > input.maxSize || input.problem === 'too-big') {
    return {
      kind: 'reject',
      reply: smtpReply(552, '5.3.4', `Message size exceeds the limit of ${input.maxSize} bytes; send a smaller message or share large files by link`),
    };
  }
  if (input.problem === 'header-too-big') {
    return {
      kind: 'reject',
      reply: smtpReply(
        552,
        '5.3.4',
        `Message header exceeds the limit of ${MAX_HEADER_BYTES} bytes (or the message has no blank line after its header); check the sending program`,
      ),
    };
  }
  if (input.receivedHeaders > MAX_RECEIVED_HEADERS) {
    return {
      kind: 'reject',
      reply: smtpReply(
        554,
        '5.4.6',
        `Routing loop detected: the message has ${input.receivedHeaders} Received headers (limit ${MAX_RECEIVED_HEADERS}); check the forwarding between your servers`,
      ),
    };
  }
  if (input.problem === 'too-many-header-fields') {
    return {
      kind: 'reject',
      reply: smtpReply(552, '5.3.4', `Message header has ${input.headerFields ?? 'too many'} fields (limit ${MAX_HEADER_FIELDS}); check the sending program`),
    };
  }
  return { kind: 'accept' };
}

/**
 * Postfix's stress-adaptive behaviour: once more than this share of the concurrent-client
 * limit is in use, idle clients get the short timeout, so sessions that sit doing nothing
 * cannot hold the last places against clients with mail to send.
 */
export const PRESSURE_SHARE = 0.8;

/** The idle timeout for every session while `open` of `maxClients` places are taken. */
export function decideIdleTimeout(input: { open: number; maxClients: number; idleTimeoutMs: number; pressureIdleTimeoutMs: number }): number {
  return input.open > input.maxClients * PRESSURE_SHARE ? input.pressureIdleTimeoutMs : input.idleTimeoutMs;
}

export function countReceivedHeaders(raw: Buffer): number {
  const head = raw.subarray(0, headerEnd(raw)).toString('latin1');
  const m = head.match(/(?:^|\r\n)Received[ \t]*:/gi);
  return m ? m.length : 0;
}

export function renderReceivedHeader(input: {
  helo: string;
  clientIp: string;
  hostname: string;
  queueId: string;
  recipient?: string;
  tls: boolean;
  date: Date;
}): string {
  const clean = (s: string) => s.replace(/[\r\n()]/g, ' ').slice(0, 255);
  const proto = input.tls ? 'ESMTPS' : 'ESMTP';
  const forPart = input.recipient ? `\r\n\tfor <${clean(input.recipient)}>` : '';
  return `Received: from ${clean(input.helo) || 'unknown'} ([${clean(input.clientIp)}])\r\n\tby ${clean(input.hostname)} (Relaydesk) with ${proto} id ${input.queueId}${forPart};\r\n\t${input.date.toUTCString().replace('GMT', '+0000')}\r\n`;
}

/** An SRS0/SRS1 address at one of our domains: a bounce coming back to a forwarded message. */
export function isSrsAddress(address: string, hostedDomains: ReadonlySet<string>): boolean {
  const at = address.lastIndexOf('@');
  if (at < 0) return false;
  return /^srs[01][=+-]/i.test(address.slice(0, at)) && hostedDomains.has(address.slice(at + 1).toLowerCase());
}

/**
 * The plan for a valid SRS return address: relay to the original sender, never through
 * rules, and never bounce a bounce.
 */
export function planSrsReturn(srsAddress: string, originalSender: string): RecipientPlan {
  return {
    recipient: srsAddress.toLowerCase(),
    recognized: false,
    quarantine: false,
    requireTls: false,
    transform: { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false },
    rules: [],
    targets: [{ recipient: originalSender, transport: 'smtp', role: 'primary', holdIfSpam: true, suppressBounces: true }],
  };
}

/**
 * Drops Authentication-Results fields that claim to come from us (RFC 8601 section 5):
 * only our own checks may speak in our name further down the line.
 */
export function stripForgedAuthResults(raw: Buffer, authservId: string): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end).toString('latin1');
  const id = authservId.toLowerCase();
  const fields = head.split(/\r\n(?![ \t])/);
  const kept = fields.filter((f) => {
    const m = /^authentication-results[ \t]*:[ \t\r\n]*([^;\s]+)/i.exec(f);
    return !m || m[1]!.toLowerCase() !== id;
  });
  if (kept.length === fields.length) return raw;
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(end)]);
}
