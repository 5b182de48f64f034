/**
 * What charset bytes are in, and how to decode them: the primitives the header and body
 * readers share. Node's WHATWG decoders (full ICU) do the work; UTF-7, which they lack, goes
 * through iconv-lite. Pure: CPU only.
 */
import iconv from 'iconv-lite';

// eslint-disable-next-line no-control-regex -- ISO-2022-JP is recognised by its escape sequences
export const ISO_2022_JP_ESCAPE = /\x1b\$[@B]|\x1b\(J/;

const JAPANESE_CANDIDATES = ['shift_jis', 'euc-jp'] as const;

/**
 * The charset of bytes that carry no trustworthy label, in this order: ISO-2022-JP escape
 * sequences in 7-bit text; valid UTF-8 (a Japanese or Latin legacy text is almost never valid
 * UTF-8 by chance); Shift_JIS or EUC-JP when one decodes without error into text that scores as
 * Japanese; else windows-1252, which maps every byte and is what unlabelled Western mail
 * almost always is. Japanese comes first because the desk's seed customers write Japanese.
 */
export function sniffCharset(bytes: Buffer): string {
  // 7-bit ISO-2022-JP is valid UTF-8 too, so its escapes are looked for first.
  if (ISO_2022_JP_ESCAPE.test(bytes.toString('latin1')) && !bytes.some((b) => b >= 0x80)) return 'iso-2022-jp';
  if (isUtf8(bytes)) return 'utf-8';
  let best: { charset: string; score: number } = { charset: 'windows-1252', score: 0 };
  for (const charset of JAPANESE_CANDIDATES) {
    let text: string;
    try {
      text = new TextDecoder(charset, { fatal: true }).decode(bytes);
    } catch {
      continue;
    }
    const score = japaneseScore(text);
    if (score > best.score) best = { charset, score };
  }
  return best.charset;
}

/** Kana weigh most; half-width kana and private-use code points are what a wrong guess produces. */
function japaneseScore(text: string): number {
  let score = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) continue;
    if (c >= 0x3040 && c <= 0x30ff) score += 2;
    else if (c >= 0x4e00 && c <= 0x9fff) score += 0.5;
    else if ((c >= 0x3000 && c <= 0x303f) || (c >= 0xff01 && c <= 0xff5e)) score += 1;
    else if (c >= 0xff61 && c <= 0xff9f) score -= 1;
    else score -= 2;
  }
  return score;
}

const CHARSET_ALIASES: Record<string, string> = { cp932: 'shift_jis', 'ms-932': 'shift_jis', 'x-euc-jp': 'euc-jp', cp936: 'gbk' };

const UTF7 = /^(utf-?7|unicode-1-1-utf-7|x-unicode-2-0-utf-7|csunicode11utf7)$/i;

/** UTF-7 (RFC 2152) under any of its names: libmime refuses it, so the desk decodes it itself. */
export function isUtf7(label: string): boolean {
  return UTF7.test(label.trim());
}

export function knownCharset(label: string): boolean {
  const normal = label.trim().toLowerCase();
  if (isUtf7(normal)) return true;
  if (/^(utf-?8|us-?ascii|ascii|cp\d{3,4}|ibm\d{3,4}|iso-?2022-jp(-\d)?)$/.test(normal)) return true;
  try {
    new TextDecoder(CHARSET_ALIASES[normal] ?? normal);
    return true;
  } catch {
    return false;
  }
}

export function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Decodes with the WHATWG decoders built into Node (full ICU), UTF-7 with iconv-lite; Latin-1 when the label is unknown. */
export function decodeBytes(bytes: Buffer, charset: string): string {
  if (isUtf7(charset)) return iconv.decode(bytes, 'utf7');
  try {
    return new TextDecoder(CHARSET_ALIASES[charset] ?? charset).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
