/**
 * Header fields as real mailers write them, turned into what mailparser reads right: raw UTF-8,
 * and RFC 2047 words in charsets libmime decodes.
 *
 * Three things go wrong otherwise. Text outside encoded words in a legacy charset (Latin-1,
 * Shift_JIS, EUC-JP, and 7-bit ISO-2022-JP with its escape sequences) is read as UTF-8 or not
 * at all. A mailer that pastes raw 8-bit text inside an encoded word (`=?iso-8859-1?Q?Frö…?=`
 * with UTF-8 bytes) gets it decoded twice, once as UTF-8 and again as the word's charset. And
 * libmime leaves UTF-7 words encoded on purpose: a UTF-7 word can hide markup from a filter
 * that looks at the encoded form. The desk decodes before it sanitises, so it reads them.
 *
 * Each raw run is decoded once: as UTF-8 when it is valid UTF-8, else in the declared charset
 * (the word's own, then the message's) when the bytes are valid in it, else in the charset
 * sniffCharset guesses. Pure: CPU only.
 */
import { decodeBytes, isUtf7, isUtf8, knownCharset, sniffCharset } from './charsets.js';

// Latin-1 view of the bytes: each char is one byte. `?` ends the encoded text; raw 8-bit is allowed in it.
const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=/g;
// eslint-disable-next-line no-control-regex -- ISO-2022-JP is recognised by its escape sequences
const ISO_2022_JP_ESCAPE = /\x1b[$(][@BJ]/;
const EIGHT_BIT = /[\x80-\xff]/;

export interface HeaderBytes {
  bytes: Buffer;
  /** What was decoded here, for the message's problems; null when the field was left as it was. */
  note: string | null;
}

/**
 * `value`: a field's value (after the colon), raw bytes. `declared`: the message's charset, or
 * null. Returns UTF-8 bytes in which only ASCII encoded words remain, each one libmime decodes.
 */
export function normalizeHeaderBytes(value: Buffer, declared: string | null): HeaderBytes {
  const text = value.toString('latin1');
  const words = [...text.matchAll(ENCODED_WORD)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    charset: m[1]!.replace(/\*.*$/, ''),
    b: m[2]!.toLowerCase() === 'b',
    payload: m[3]!,
  }));
  const ours = (w: (typeof words)[number]): boolean => isUtf7(w.charset) || EIGHT_BIT.test(w.payload);
  const rawRuns: string[] = [];
  let at = 0;
  for (const w of words) {
    rawRuns.push(text.slice(at, w.start));
    at = w.end;
  }
  rawRuns.push(text.slice(at));
  const legacy = rawRuns.filter((r) => EIGHT_BIT.test(r) || ISO_2022_JP_ESCAPE.test(r));
  // Valid UTF-8 outside the words is RFC 6532's raw UTF-8, which mailparser reads as it is.
  const rawCharset = legacy.length ? chooseRawCharset(Buffer.from(legacy.join(' '), 'latin1'), [declared]) : null;
  if ((rawCharset === null || rawCharset === 'utf-8') && !words.some(ours)) return { bytes: value, note: null };
  const out: string[] = [];
  const decodeRun = (run: string): string =>
    rawCharset !== null && (EIGHT_BIT.test(run) || ISO_2022_JP_ESCAPE.test(run)) ? decodeBytes(Buffer.from(run, 'latin1'), rawCharset) : run;
  at = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const between = text.slice(at, w.start);
    if (!ours(w)) {
      out.push(decodeRun(between), text.slice(w.start, w.end));
      at = w.end;
      continue;
    }
    // Adjacent words of one charset are decoded together: a UTF-7 run or a character may be split across them.
    let j = i;
    while (
      j + 1 < words.length &&
      ours(words[j + 1]!) &&
      words[j + 1]!.charset.toLowerCase() === w.charset.toLowerCase() &&
      /^[ \t\r\n]*$/.test(text.slice(words[j]!.end, words[j + 1]!.start))
    )
      j++;
    const decoded = decodeWordGroup(words.slice(i, j + 1), declared);
    out.push(decodeRun(between), `=?utf-8?B?${Buffer.from(decoded, 'utf8').toString('base64')}?=`);
    at = words[j]!.end;
    i = j;
  }
  out.push(decodeRun(text.slice(at)));
  const notes = [
    ...(rawCharset === 'iso-2022-jp' ? ['raw ISO-2022-JP text without RFC 2047 (read as iso-2022-jp)'] : []),
    ...(rawCharset && rawCharset !== 'utf-8' && rawCharset !== 'iso-2022-jp' ? [`raw 8-bit header text not in UTF-8 (read as ${rawCharset})`] : []),
    ...(words.some((w) => EIGHT_BIT.test(w.payload)) ? ['raw 8-bit bytes inside an encoded word'] : []),
    ...(words.some((w) => isUtf7(w.charset)) ? ['UTF-7 encoded word'] : []),
  ];
  return { bytes: Buffer.from(out.join(''), 'utf8'), note: notes.join('; ') };
}

/** The words' text: their encoded bytes in their charset, raw 8-bit runs inside them decoded once on their own. */
function decodeWordGroup(group: readonly { charset: string; b: boolean; payload: string }[], declared: string | null): string {
  const charset = group[0]!.charset;
  const pieces: { raw: boolean; bytes: number[] }[] = [];
  const push = (raw: boolean, byte: number): void => {
    const last = pieces[pieces.length - 1];
    if (last && last.raw === raw) last.bytes.push(byte);
    else pieces.push({ raw, bytes: [byte] });
  };
  for (const w of group) {
    if (w.b && !EIGHT_BIT.test(w.payload)) {
      for (const byte of Buffer.from(w.payload.replace(/[^A-Za-z0-9+/]/g, ''), 'base64')) push(false, byte);
      continue;
    }
    // Nothing base64-encodes into 8-bit bytes: such a B word holds its text as is.
    for (let k = 0; k < w.payload.length; k++) {
      const code = w.payload.charCodeAt(k);
      const hex = !w.b && w.payload[k] === '=' ? /^[0-9A-Fa-f]{2}/.exec(w.payload.slice(k + 1, k + 3)) : null;
      if (hex) {
        push(false, parseInt(hex[0], 16));
        k += 2;
      } else if (code >= 0x80) push(true, code);
      else push(false, !w.b && w.payload[k] === '_' ? 0x20 : code);
    }
  }
  return pieces
    .map((p) =>
      p.raw ? decodeBytes(Buffer.from(p.bytes), chooseRawCharset(Buffer.from(p.bytes), [charset, declared])) : decodeBytes(Buffer.from(p.bytes), charset),
    )
    .join('');
}

/** UTF-8 when valid; else the first declared charset the bytes are valid in; else a guess. */
export function chooseRawCharset(bytes: Buffer, declared: readonly (string | null)[]): string {
  if (ISO_2022_JP_ESCAPE.test(bytes.toString('latin1')) && !EIGHT_BIT.test(bytes.toString('latin1'))) return 'iso-2022-jp';
  if (isUtf8(bytes)) return 'utf-8';
  for (const label of declared) {
    if (!label || !knownCharset(label) || /^(utf-?8|(us-?)?ascii)$/i.test(label) || isUtf7(label)) continue;
    if (validIn(bytes, label)) return label.toLowerCase();
  }
  return sniffCharset(bytes);
}

function validIn(bytes: Buffer, label: string): boolean {
  try {
    new TextDecoder(label.toLowerCase() === 'cp932' ? 'shift_jis' : label, { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The charset a message declares for its text: the top-level Content-Type's, or, for a
 * multipart, the first text part's (looked for in the first 64 KiB of the body).
 */
export function declaredCharset(contentType: string | null, body: Buffer): string | null {
  const top = contentType === null ? null : charsetParam(contentType);
  if (top) return top;
  if (contentType === null || !/^\s*multipart\//i.test(contentType)) return null;
  const head = body.subarray(0, 64 * 1024).toString('latin1');
  const part = /^content-type:[ \t]*text\/[a-z]+[ \t]*;((?:[^\r\n]|\r?\n[ \t])*)/im.exec(head);
  return part ? charsetParam(part[1]!) : null;
}

function charsetParam(value: string): string | null {
  const label = /charset[ \t]*=[ \t]*"?([A-Za-z0-9_:.+-]+)/i.exec(value)?.[1] ?? null;
  return label && knownCharset(label) ? label : null;
}
