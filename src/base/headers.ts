/** Reading the header block of a raw message: the few things every component needs. */
import libmime from 'libmime';

import { headerEnd } from './header-end.js';

export { headerEnd };

export interface HeaderSummary {
  readonly subject: string | null;
  readonly from: string | null;
  readonly messageId: string | null;
  readonly date: string | null;
}

/** The few header fields we index; decoded for display, capped so a hostile header cannot bloat rows. */
export function summarizeHeaders(raw: Buffer): HeaderSummary {
  const head = raw.subarray(0, Math.min(headerEnd(raw), 256 * 1024)).toString('binary');
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const get = (name: string): string | null => {
    const re = new RegExp(`(?:^|\\r\\n)${name}[ \\t]*:[ \\t]*([^\\r\\n]*)`, 'i');
    const m = unfolded.match(re);
    if (!m || m[1] === undefined) return null;
    // Header bytes are usually ASCII with RFC 2047 words; raw UTF-8 (SMTPUTF8) is allowed too.
    const value = Buffer.from(m[1], 'binary').toString('utf8').trim();
    return value.slice(0, 998);
  };
  const decode = (v: string | null): string | null => {
    if (v === null) return null;
    try {
      return libmime.decodeWords(v).slice(0, 998);
    } catch {
      return v;
    }
  };
  const mid = get('Message-ID');
  return {
    subject: decode(get('Subject')),
    from: decode(get('From')),
    messageId: mid ? (mid.match(/<[^<>\s]+>/)?.[0] ?? mid.split(/\s+/)[0] ?? null) : null,
    date: get('Date'),
  };
}
