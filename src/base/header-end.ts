// Apart from headers.ts, whose header decoding loads the MIME libraries: the store needs only this.

/** Offset of the first byte of the body (after the blank line), or raw.length when there is none. */
export function headerEnd(raw: Buffer): number {
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf >= 0) return crlf + 4;
  return raw.length;
}
