import { createHmac } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { summarizeHeaders } from '../../base/headers.js';
import { newQueueId, randomToken } from '../../base/ids.js';
import { generatedMail, type GeneratedOrigin } from '../../queue/light.js';
import type { RoutingSnapshot } from '../../routing/index.js';
import type { ReceivedRecord } from '../../store/index.js';

/** What the desk signs and marks its mail with; one secret per installation. */
export interface DeskKeys {
  /** Sent in X-Relaydesk-Loop on everything we send; mail that comes back with it is ours. */
  readonly loopId: string;
  /** Signs per-case reply addresses (lowercase a-z0-9). */
  readonly sign: (data: string) => string;
  /** Signs the console's route test mark (see route-test-mark.ts). */
  readonly signRouteTest: (data: string) => string;
}

export function deskKeys(secret: string): DeskKeys {
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest();
  return {
    loopId: `rd-${mac('loop').toString('hex').slice(0, 20)}`,
    sign: (data) => base32(mac(`reply:${data}`)).slice(0, 16),
    signRouteTest: (data) => base32(mac(`route-test:${data}`)).slice(0, 32),
  };
}

function base32(buf: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export function newMessageId(domain: string): string {
  return `<${randomToken(24)}@${domain}>`;
}

export interface OutgoingMail {
  readonly from: { name: string; address: string };
  readonly to: readonly { name: string; address: string }[];
  readonly cc?: readonly { name: string; address: string }[];
  readonly replyTo?: string;
  readonly subject: string;
  readonly text: string;
  readonly messageId: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly date: Date;
}

/** Renders an RFC 5322 message (MIME, encoded words for non-ASCII) from plain parts. */
export async function composeMail(m: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: { name: m.from.name, address: m.from.address },
    to: m.to.map((t) => ({ name: t.name, address: t.address })),
    ...(m.cc && m.cc.length ? { cc: m.cc.map((t) => ({ name: t.name, address: t.address })) } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    subject: m.subject,
    text: m.text,
    messageId: m.messageId,
    date: m.date,
    headers: m.headers.map(([key, value]) => ({ key, value })),
  });
  const raw = await composer.compile().build();
  // The composer folds with bare LF; the store keeps CRLF like everything received.
  return Buffer.from(raw.toString('binary').replace(/\r?\n/g, '\r\n'), 'binary');
}

/** A composed message turned into a queue record from `mailFrom` to every To and Cc. */
export function outgoingRecord(input: { raw: Buffer; mail: OutgoingMail; snapshot: RoutingSnapshot; now: number; hostname: string; origin: GeneratedOrigin }): {
  record: ReceivedRecord;
  queueId: string;
  undeliverable: string[];
} {
  const queueId = newQueueId(input.now);
  const recipients = [...input.mail.to, ...(input.mail.cc ?? [])].map((r) => r.address);
  const { record, undeliverable } = generatedMail({
    queueId,
    raw: input.raw,
    summary: summarizeHeaders(input.raw),
    mailFrom: input.mail.from.address,
    recipients,
    snapshot: input.snapshot,
    now: input.now,
    hostname: input.hostname,
    origin: input.origin,
  });
  return { record, queueId, undeliverable };
}
