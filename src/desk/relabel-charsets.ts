/**
 * Give every text part of a message the charset its bytes are really in, before mailparser
 * decodes it; and every part's Content-Type and Content-Disposition fields a form mailparser
 * reads right.
 *
 * mailparser reads a text part without a charset label as UTF-8, so the Shift_JIS, EUC-JP and
 * ISO-2022-JP mail that old Japanese mailers send unlabelled turns into U+FFFD or escape-code
 * garbage, and a part whose label contradicts its bytes (UTF-8 labelled ISO-8859-1) into
 * mojibake. We walk the MIME tree with mailsplit (mailparser's own splitter), look at each
 * inline text part's decoded bytes, and rewrite only its Content-Type charset parameter. A
 * UTF-7 part, which libmime refuses to decode, is rewritten as UTF-8 in base64. In the part
 * fields, raw 8-bit text and UTF-7 words are decoded (see header-bytes.ts), and a quoted file
 * name written with Windows backslashes unescaped (`"C:\TEMP\scan.png"`, as old Windows
 * mailers do) has them escaped, so the name keeps its path instead of losing the separators.
 */
import { createRequire } from 'node:module';
import { decodeBytes, ISO_2022_JP_ESCAPE, isUtf7, isUtf8, knownCharset, sniffCharset } from './charsets.js';
import { normalizeHeaderBytes } from './header-bytes.js';

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
  headers: { getList(): { key: string; line: string }[]; update(key: string, value: Buffer): void };
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
  const bodies = new Map<SplitNode, { value?: Buffer }[]>();
  for (const chunk of chunks) {
    if (chunk.type === 'body' && chunk.node && chunk.value) {
      const list = bodies.get(chunk.node) ?? [];
      list.push(chunk);
      bodies.set(chunk.node, list);
    }
  }
  for (const chunk of chunks) if (chunk.type === 'node') repairPartFields(chunk, problems);
  for (const [node, parts] of bodies) {
    const type = node.contentType || 'text/plain';
    if (node.multipart || !/^text\/(plain|html)$/.test(type) || node.disposition === 'attachment' || node.filename) continue;
    const bytes = decodeTransfer(Buffer.concat(parts.map((p) => p.value ?? Buffer.alloc(0))), node.encoding);
    const label = node.charset ? String(node.charset) : null;
    const chosen = chooseCharset(bytes, label, type === 'text/html', problems) ?? label;
    if (chosen && isUtf7(chosen)) {
      const utf8 = Buffer.from(decodeBytes(bytes, chosen), 'utf8');
      parts.forEach((p, i) => (p.value = i === 0 ? Buffer.from(`${utf8.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`, 'latin1') : Buffer.alloc(0)));
      node.headers.update('Content-Transfer-Encoding', Buffer.from('base64'));
      node.setCharset('utf-8');
      problems.push(`text part in UTF-7 (${chosen}) rewritten as UTF-8`);
    } else if (chosen && chosen !== label) node.setCharset(chosen);
  }
  return Buffer.concat(chunks.map((c) => (c.type === 'node' ? c.getHeaders() : (c.value ?? Buffer.alloc(0)))));
}

const PART_FIELDS = [
  ['content-type', 'Content-Type'],
  ['content-disposition', 'Content-Disposition'],
] as const;

function repairPartFields(node: SplitNode, problems: string[]): void {
  const lines = node.headers.getList();
  for (const [key, name] of PART_FIELDS) {
    const line = lines.find((l) => l.key === key)?.line;
    if (line === undefined) continue;
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n/g, '');
    const literal = literalBackslashes(value);
    const normal = normalizeHeaderBytes(Buffer.from(literal, 'latin1'), node.charset ? String(node.charset) : null);
    if (normal.note) problems.push(`${name} of a part: ${normal.note}`);
    if (literal !== value || normal.note) node.headers.update(name, normal.bytes);
  }
}

/**
 * A quoted `name` or `filename` whose backslashes are not escapes (one is followed by
 * something other than `\` or `"`) was written by a mailer that does not escape them: each
 * is doubled so that quoted-string unescaping gives the name back as written.
 */
export function literalBackslashes(value: string): string {
  return value.replace(/(\b(?:file)?name(?:\*\d+)?[ \t]*=[ \t]*)"((?:[^"\\]|\\.)*)"/gi, (whole, head: string, quoted: string) =>
    /\\[^\\"]/.test(quoted.replace(/\\\\/g, '')) ? `${head}"${quoted.replace(/\\(?!")/g, '\\\\')}"` : whole,
  );
}

const SINGLE_BYTE_LABEL = /^(us-?ascii|ascii|iso[-_]?8859-\d+|latin-?\d|windows-125\d|cp125\d)$/i;

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
