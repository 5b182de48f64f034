/**
 * Header text helpers: RFC 2047 encoded words, folding, and the sanitising that keeps
 * a configured or client-supplied value from injecting header lines.
 */

const ASCII_PRINTABLE = /^[\x20-\x7e\t]*$/;

/** One line, no controls: CR and LF (header injection) and other C0/DEL become spaces. */
export function sanitizeHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  return value.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** RFC 5322 field name: printable ASCII except colon. */
export function isValidHeaderName(name: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]+$/.test(name);
}

export function isAscii(text: string): boolean {
  return ASCII_PRINTABLE.test(text);
}

/** At most 45 bytes per word keeps each encoded word under RFC 2047's 75 characters. */
const MAX_WORD_BYTES = 45;

/**
 * Encodes text as UTF-8 "B" encoded words, never splitting a character across words
 * (decoders treat each word on its own). Words are joined with a folding space.
 */
export function encodeWords(text: string, eol: string): string {
  const words: string[] = [];
  let chunk: Buffer[] = [];
  let size = 0;
  for (const ch of text) {
    const bytes = Buffer.from(ch, 'utf8');
    if (size + bytes.length > MAX_WORD_BYTES && chunk.length > 0) {
      words.push(wordOf(chunk));
      chunk = [];
      size = 0;
    }
    chunk.push(bytes);
    size += bytes.length;
  }
  if (chunk.length > 0) words.push(wordOf(chunk));
  return words.join(`${eol} `);
}

function wordOf(bytes: Buffer[]): string {
  return `=?UTF-8?B?${Buffer.concat(bytes).toString('base64')}?=`;
}

const WORD_RE = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decodes encoded words (whitespace between adjacent words is dropped, RFC 2047 §6.2).
 * Unknown charsets fall back to Latin-1 so decoding never fails. Raw 8-bit input must
 * already be decoded (as UTF-8) by the caller.
 */
export function decodeWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(WORD_RE, (_all, charset: string, enc: string, data: string) => {
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          );
    const name = charset.split('*')[0] ?? 'utf-8';
    try {
      return new TextDecoder(name).decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  });
}

/**
 * Folds "Name: value" at spaces so lines stay near 78 characters (RFC 5322 §2.1.1);
 * a single long word is left whole rather than broken.
 */
export function foldHeader(name: string, value: string, eol: string): string {
  const words = value.split(' ');
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > 78 && line.trim().length > name.length + 1) {
      lines.push(line);
      line = '';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join(eol);
}

/**
 * A header line from configured text: sanitised, encoded when not ASCII (unless
 * `encode` is false: addresses under SMTPUTF8 cannot be encoded words), folded.
 */
export function renderHeader(name: string, value: string, eol: string, opts: { encode: boolean } = { encode: true }): string {
  const clean = sanitizeHeaderValue(value).trim();
  if (opts.encode && !isAscii(clean)) return `${name}: ${encodeWords(clean, eol)}`;
  return foldHeader(name, clean, eol);
}
