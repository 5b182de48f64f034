/**
 * Give every text part of a message the charset its bytes are really in, before mailparser
 * decodes it.
 *
 * mailparser reads a text part without a charset label as UTF-8, so the Shift_JIS, EUC-JP and
 * ISO-2022-JP mail that old Japanese mailers send unlabelled turns into U+FFFD or escape-code
 * garbage, and a part whose label contradicts its bytes (UTF-8 labelled ISO-8859-1) into
 * mojibake. We walk the MIME tree with mailsplit (mailparser's own splitter), look at each
 * inline text part's decoded bytes, and rewrite only its Content-Type charset parameter.
 */
import { createRequire } from 'node:module';

// mailsplit (mailparser's own splitter, a direct dependency) ships no types: this is the
// small surface we use to relabel text parts before mailparser reads them.
interface SplitNode {
  type: 'node';
  multipart: string | false;
  contentType: string | false;
  charset: string | false;
  encoding: string;
  disposition: string | false;
  filename: string | false;
  setCharset(charset: string): void;
  getHeaders(): Buffer;
}
type SplitChunk = SplitNode | { type: 'body' | 'data' | 'none'; node?: SplitNode; value?: Buffer };
interface SplitterStream {
  on(event: 'data', cb: (chunk: SplitChunk) => void): void;
  on(event: 'end', cb: () => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  end(data: Buffer): void;
}
const { Splitter } = createRequire(import.meta.url)('mailsplit') as {
  Splitter: new (opts: { maxHeadSize?: number; maxChildNodes?: number }) => SplitterStream;
};

/**
 * Returns the message with the charset of every inline text part whose label is missing,
 * unknown or contradicted by its bytes set to the guess of sniffCharset (an HTML part's
 * <meta> charset first). Each relabelling is noted in `problems`. Throws when the MIME tree
 * cannot be walked (more than 1000 parts, a part header over 1 MB); the caller goes on
 * without relabelling.
 */
export async function relabelCharsets(raw: Buffer, problems: string[]): Promise<Buffer> {
  const chunks: SplitChunk[] = [];
  await new Promise<void>((resolve, reject) => {
    const splitter = new Splitter({ maxChildNodes: 1000 });
    splitter.on('data', (chunk) => chunks.push(chunk));
    splitter.on('end', resolve);
    splitter.on('error', reject);
    splitter.end(raw);
  });
  const bodies = new Map<SplitNode, Buffer[]>();
  for (const chunk of chunks) {
    if (chunk.type === 'body' && chunk.node && chunk.value) {
      const list = bodies.get(chunk.node) ?? [];
      list.push(chunk.value);
      bodies.set(chunk.node, list);
    }
  }
  for (const [node, parts] of bodies) {
    const type = node.contentType || 'text/plain';
    if (node.multipart || !/^text\/(plain|html)$/.test(type) || node.disposition === 'attachment' || node.filename) continue;
    const bytes = decodeTransfer(Buffer.concat(parts), node.encoding);
    const label = node.charset ? String(node.charset) : null;
    const chosen = chooseCharset(bytes, label, type === 'text/html', problems);
    if (chosen) node.setCharset(chosen);
  }
  return Buffer.concat(chunks.map((c) => (c.type === 'node' ? c.getHeaders() : (c.value ?? Buffer.alloc(0)))));
}

const SINGLE_BYTE_LABEL = /^(us-?ascii|ascii|iso[-_]?8859-\d+|latin-?\d|windows-125\d|cp125\d)$/i;
// eslint-disable-next-line no-control-regex -- ISO-2022-JP is recognised by its escape sequences
const ISO_2022_JP_ESCAPE = /\x1b\$[@B]|\x1b\(J/;

function chooseCharset(bytes: Buffer, label: string | null, html: boolean, problems: string[]): string | null {
  const eightBit = bytes.some((b) => b >= 0x80);
  const escaped = ISO_2022_JP_ESCAPE.test(bytes.toString('latin1'));
  if (label) {
    if (!knownCharset(label)) {
      problems.push(`unknown charset label "${label.slice(0, 40)}"`);
      return sniffCharset(bytes);
    }
    if (/^utf-?8$/i.test(label)) {
      if (isUtf8(bytes)) return null;
      const guess = sniffCharset(bytes);
      problems.push(`part labelled ${label} is not UTF-8 (read as ${guess})`);
      return guess;
    }
    if (SINGLE_BYTE_LABEL.test(label) && (escaped || (eightBit && isUtf8(bytes)))) {
      const guess = escaped ? 'iso-2022-jp' : 'utf-8';
      problems.push(`part labelled ${label} is ${guess}`);
      return guess;
    }
    if (/^(us-?)?ascii$/i.test(label) && eightBit) {
      const guess = sniffCharset(bytes);
      problems.push(`part labelled ${label} has 8-bit bytes (read as ${guess})`);
      return guess;
    }
    return null;
  }
  if (!eightBit && !escaped) return null;
  const meta = html ? metaCharset(bytes) : null;
  const guess = meta ?? sniffCharset(bytes);
  problems.push(`text part without charset label (read as ${guess})`);
  return guess;
}

function metaCharset(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 4096).toString('latin1');
  const label = /<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.-]+)/i.exec(head)?.[1] ?? null;
  return label && knownCharset(label) ? label : null;
}

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

function knownCharset(label: string): boolean {
  const normal = label.trim().toLowerCase();
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

/** Decodes with the WHATWG decoders built into Node (full ICU); Latin-1 when the label is unknown. */
export function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(CHARSET_ALIASES[charset] ?? charset).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function decodeTransfer(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (encoding !== 'quoted-printable') return body;
  const text = body.toString('latin1').replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? /^[0-9A-Fa-f]{2}/.exec(text.slice(i + 1, i + 3)) : null;
    if (hex) {
      out.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      out.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(out);
}
