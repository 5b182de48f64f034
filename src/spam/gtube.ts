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

/**
 * The same test over a body that arrives in pieces: the string may be cut by a piece
 * boundary, so the end of each piece is kept until the next one.
 */
export class GtubeScanner {
  #tail: Buffer = Buffer.alloc(0);
  #found = false;

  get found(): boolean {
    return this.#found;
  }

  push(piece: Buffer): void {
    if (this.#found || piece.length === 0) return;
    const keep = GTUBE_BYTES.length - 1;
    // Across the boundary: the kept end and the start of this piece, a short copy; the
    // piece itself is searched where it is (a body of megabytes is never copied here).
    const seam = this.#tail.length > 0 ? Buffer.concat([this.#tail, piece.subarray(0, keep)]) : null;
    if ((seam && seam.indexOf(GTUBE_BYTES) !== -1) || piece.indexOf(GTUBE_BYTES) !== -1) {
      this.#found = true;
      return;
    }
    const end = piece.length >= keep ? piece.subarray(piece.length - keep) : Buffer.concat([this.#tail, piece]);
    this.#tail = Buffer.from(end.subarray(Math.max(0, end.length - keep)));
  }
}
