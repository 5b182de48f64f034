/**
 * The mark on the console's route test mail. The route test sends a real message through the
 * SMTP listener, and its case must not be worked like a customer's: no acknowledgement, closed
 * at once. Anyone can write a header, so the mark is signed with the desk's secret (which any
 * node of the store can check, whichever node takes the mail in), binds the message's own
 * Message-ID, and expires: a customer who copies a seen mark onto their mail gets no test.
 */

export const ROUTE_TEST_HEADER = 'X-Relaydesk-Route-Test';

/** How long after it was sent a route test mail is still taken for one; the panel watches it for a minute. */
export const ROUTE_TEST_VALID_MS = 60 * 60_000;
/** Clocks of two nodes may differ a little. */
const CLOCK_SKEW_MS = 5 * 60_000;

type Sign = (data: string) => string;

const signed = (nonce: string, sentAt: number, messageId: string) => `${nonce}.${sentAt}.${messageId.trim().toLowerCase()}`;

export function routeTestMark(sign: Sign, x: { nonce: string; sentAt: number; messageId: string }): string {
  return `n=${x.nonce}; t=${x.sentAt}; s=${sign(signed(x.nonce, x.sentAt, x.messageId))}`;
}

/** Whether the header value is our own, unexpired mark for the message with this Message-ID. */
export function isRouteTestMark(sign: Sign, value: string | null, messageId: string | null, now: number): boolean {
  if (value === null || messageId === null) return false;
  const m = /^n=([A-Za-z0-9]{1,64});\s*t=([0-9]{1,15});\s*s=([a-z2-7]{1,64})$/.exec(value.trim());
  if (!m) return false;
  const sentAt = Number(m[2]);
  if (sentAt > now + CLOCK_SKEW_MS || now - sentAt > ROUTE_TEST_VALID_MS) return false;
  return sameText(sign(signed(m[1]!, sentAt, messageId)), m[3]!);
}

// Compared in time that does not depend on where the texts first differ, so a forger cannot learn the signature byte by byte.
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
