/**
 * GTUBE, the Generic Test for Unsolicited Bulk Email: a fixed string that every
 * spam filter treats as spam, so an admin can test the spam path (hold, release,
 * bypassSpamFilter) without sending real spam.
 */

import { findBodyStart } from './parse-headers.js';

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const GTUBE_BYTES = Buffer.from(GTUBE, 'latin1');

/**
 * True when the body holds the GTUBE string as raw bytes. Like SpamAssassin's rule
 * it looks at the body only; unlike it, it does not decode base64 or
 * quoted-printable parts, so the test string must be sent as plain text.
 */
export function containsGtube(raw: Buffer): boolean {
  return raw.indexOf(GTUBE_BYTES, findBodyStart(raw)) !== -1;
}
