/**
 * A webhook POST as its receiver sees it: the event types, the body (an envelope) and the
 * signed headers. Pure: the body, the subscription's secret and the time of sending come
 * in, the headers go out; the receiver's check is here too, so the scheme is tested from
 * both ends.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_EVENTS = ['case.created', 'case.updated', 'message.received', 'lead.created', 'lead.converted', 'case.sla_breached'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** What a receiver gets, as the POST body. `id` is also the idempotency key. */
export interface WebhookEnvelope {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly createdAt: string;
  readonly data: Record<string, unknown>;
}

/** How old a delivery a receiver should still take, by default: retries are signed anew. */
export const WEBHOOK_TOLERANCE_S = 300;

/**
 * `t=<unix seconds>,sha256=<hex>`: HMAC-SHA256, with the subscription's secret, of the
 * timestamp, a dot and the exact body bytes. The timestamp is signed so that a receiver
 * can refuse an old delivery replayed by someone who recorded it.
 */
export function signWebhook(secret: string, timestamp: number, body: Buffer | string): string {
  return `t=${timestamp},sha256=${webhookMac(secret, timestamp, body)}`;
}

/** What a receiver does with X-Relaydesk-Signature. */
export function verifyWebhookSignature(secret: string, header: string, body: Buffer | string, nowS: number, toleranceS = WEBHOOK_TOLERANCE_S): boolean {
  const m = /^t=(\d{1,12}),sha256=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return false;
  const timestamp = Number(m[1]);
  if (Math.abs(nowS - timestamp) > toleranceS) return false;
  const expected = Buffer.from(webhookMac(secret, timestamp, body), 'hex');
  const given = Buffer.from(m[2] as string, 'hex');
  return timingSafeEqual(expected, given);
}

function webhookMac(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The headers of one POST of `body` (the queued envelope's bytes), signed at `sentAt` (unix seconds). */
export function webhookHeaders(input: {
  envelope: Pick<WebhookEnvelope, 'id' | 'type'>;
  body: Buffer;
  secret: string;
  sentAt: number;
  userAgent: string;
}): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': input.userAgent,
    'X-Relaydesk-Event': input.envelope.type,
    'X-Relaydesk-Delivery': input.envelope.id,
    'X-Relaydesk-Timestamp': String(input.sentAt),
    'X-Relaydesk-Signature': signWebhook(input.secret, input.sentAt, input.body),
  };
}
