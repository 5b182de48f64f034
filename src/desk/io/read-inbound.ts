import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { MessageSource } from '../../base/message-source.js';
import type { BlobWriter } from '../../store/index.js';
import { isTextPart, renderStoredPart, STORED_PART_HEADER, type PartBudget, type StoredPart } from '../stored-parts.js';

/** The parts of mailsplit's untyped API used here. */
interface SplitNode {
  readonly type: 'node';
  readonly multipart: string | false;
  readonly contentType: string | false;
  readonly disposition: string | false;
  readonly filename: string | false;
  readonly parentNode: SplitNode | null;
  readonly headers: { remove(key: string): void; add(key: string, value: string): void };
  getHeaders(): Buffer;
  getDecoder(): Transform;
}
type SplitObject = SplitNode | { readonly type: 'data' | 'body'; readonly value: Buffer };
interface Mailsplit {
  Splitter: new (options: { ignoreEmbedded: boolean; maxHeadSize: number }) => Transform;
}
const mailsplit = createRequire(import.meta.url)('mailsplit') as Mailsplit;

export interface ReadInbound {
  /** The message as the parser reads it: large parts stored apart, long texts cut. */
  readonly message: Buffer;
  readonly stored: ReadonlyMap<string, StoredPart & { readonly sha256: string }>;
  readonly problems: string[];
  /** Why the message is beyond the desk's limits (too many parts, too deep), or null. */
  readonly refused: string | null;
}

type Leaf =
  | { mode: 'hold'; node: SplitNode; text: boolean; parts: Buffer[]; bytes: number }
  | { mode: 'store'; node: SplitNode; writer: BlobWriter; decoder: Transform; consumed: Promise<{ size: number; sha256: string }> };

/**
 * Reads an inbound message once, as a stream, for the desk: large non-text parts are
 * decoded straight into the store (`newBlob`), texts are kept up to their budget, and the
 * rest of the message is kept as it is. Memory stays within the budget whatever the
 * message's size. Blobs written for a message the caller then drops are the caller's to
 * remove (`stored`).
 */
export async function readInbound(source: MessageSource, newBlob: () => BlobWriter, budget: PartBudget): Promise<ReadInbound> {
  const out: Buffer[] = [];
  let outBytes = 0;
  const stored = new Map<string, StoredPart & { sha256: string }>();
  const problems: string[] = [];
  let refused: string | null = null;
  let parts = 0;
  let leaf: Leaf | null = null;
  // The top header block can be huge (a 10,000-address To) and mailsplit reads headers
  // slowly: it sees only the MIME fields, and the block goes to the parser as it came.
  const top = withoutMarkers(source.header);
  let root: SplitNode | null = null;
  const headerOf = (node: SplitNode, marker: string | null): Buffer => {
    if (node !== root) return node.getHeaders();
    if (!marker) return top;
    const blank = top.length >= 2 && top.subarray(-4).toString('latin1') === '\r\n\r\n' ? top.length - 2 : top.length;
    return Buffer.concat([top.subarray(0, blank), Buffer.from(`${STORED_PART_HEADER}: ${marker}\r\n`, 'latin1'), top.subarray(blank)]);
  };

  const emit = (b: Buffer) => {
    if (refused || b.length === 0) return;
    // Headers and boundaries are all that is left past the budget: thousands of huge part
    // headers are not mail anyone wrote.
    if (outBytes + b.length > budget.maxMessageBytes * 2) {
      refused = `part headers and structure over ${budget.maxMessageBytes * 2} bytes`;
      return;
    }
    out.push(b);
    outBytes += b.length;
  };

  const startStoring = async (l: Extract<Leaf, { mode: 'hold' }>): Promise<Leaf> => {
    const writer = newBlob();
    const decoder = l.node.getDecoder();
    const hash = createHash('sha256');
    const consumed = (async () => {
      let size = 0;
      for await (const chunk of decoder) {
        const b = chunk as Buffer;
        hash.update(b);
        size += b.length;
        await writer.write(b);
      }
      return { size, sha256: hash.digest('hex') };
    })();
    // Failures surface where `consumed` is awaited; until then nothing may go unheard.
    consumed.catch(() => undefined);
    const next: Leaf = { mode: 'store', node: l.node, writer, decoder, consumed };
    for (const p of l.parts) await feed(next, p);
    return next;
  };

  const feed = async (l: Extract<Leaf, { mode: 'store' }>, b: Buffer): Promise<void> => {
    if (!l.decoder.write(b)) await Promise.race([once(l.decoder, 'drain'), l.consumed]);
  };

  const finishLeaf = async (): Promise<void> => {
    const l = leaf;
    leaf = null;
    if (!l) return;
    if (l.mode === 'hold') {
      emit(headerOf(l.node, null));
      for (const p of l.parts) emit(p);
      return;
    }
    l.decoder.end();
    const { size, sha256 } = await l.consumed;
    // All of it in the store now, under a spool mark that the intake's transaction lifts.
    await l.writer.flush();
    const part = { blobId: l.writer.blobId, size, sha256 };
    stored.set(part.blobId, part);
    if (l.node !== root) l.node.headers.add(STORED_PART_HEADER, renderStoredPart(part));
    emit(headerOf(l.node, renderStoredPart(part)));
  };

  const onNode = async (node: SplitNode): Promise<void> => {
    await finishLeaf();
    if (!root && !node.parentNode) root = node;
    else node.headers.remove(STORED_PART_HEADER);
    if (refused) return;
    parts++;
    let depth = 0;
    for (let p = node.parentNode; p; p = p.parentNode) depth++;
    if (parts > budget.maxParts) refused = `more than ${budget.maxParts} MIME parts`;
    else if (depth > budget.maxDepth) refused = `MIME parts nested deeper than ${budget.maxDepth} levels`;
    if (refused) return;
    if (node.multipart) {
      emit(headerOf(node, null));
      return;
    }
    const facts = { contentType: node.contentType || 'text/plain', disposition: node.disposition || null, filename: node.filename || null };
    leaf = { mode: 'hold', node, text: isTextPart(facts), parts: [], bytes: 0 };
  };

  const onBody = async (value: Buffer): Promise<void> => {
    const l = leaf;
    if (!l || refused) return;
    if (l.mode === 'store') return feed(l, value);
    if (l.text) {
      const room = Math.min(budget.maxTextPartBytes - l.bytes, budget.maxMessageBytes - outBytes - l.bytes);
      if (room <= 0) return;
      if (value.length > room) problems.push(`a text part was cut at ${l.bytes + room} bytes`);
      const kept = value.length > room ? value.subarray(0, room) : value;
      l.parts.push(kept);
      l.bytes += kept.length;
      return;
    }
    l.parts.push(value);
    l.bytes += value.length;
    if (l.bytes > budget.maxInlinePartBytes || outBytes + l.bytes > budget.maxMessageBytes) leaf = await startStoring(l);
  };

  const walker = new Writable({
    objectMode: true,
    write(obj: SplitObject, _enc, done) {
      let step: Promise<void>;
      if (obj.type === 'node') step = onNode(obj);
      else if (obj.type === 'body') step = onBody(obj.value);
      else step = finishLeaf().then(() => emit(obj.value));
      step.then(() => done(), done);
    },
    final(done) {
      finishLeaf().then(() => done(), done);
    },
  });

  try {
    const mime = Readable.from(
      (async function* () {
        yield mimeFieldsOf(top);
        yield* source.body();
      })(),
      { objectMode: false },
    );
    await pipeline(mime, new mailsplit.Splitter({ ignoreEmbedded: true, maxHeadSize: 4 * 1024 * 1024 }), walker);
  } catch (e) {
    const l = leaf as Leaf | null;
    if (l?.mode === 'store') l.decoder.destroy();
    throw e;
  }
  return { message: Buffer.concat(out, outBytes), stored, problems, refused };
}

/** Header fields split at their starts (continuation lines stay with their field). */
function fieldsOf(header: Buffer): string[] {
  const text = header.toString('latin1');
  return text.split(/\r\n(?![ \t])/).filter((f) => f !== '');
}

/** The header block without our stored-part field, which only we may write. */
function withoutMarkers(header: Buffer): Buffer {
  const marker = new RegExp(`^${STORED_PART_HEADER}[ \\t]*:`, 'i');
  const fields = fieldsOf(header);
  const kept = fields.filter((f) => !marker.test(f));
  if (kept.length === fields.length) return header;
  return Buffer.from(kept.map((f) => `${f}\r\n`).join('') + '\r\n', 'latin1');
}

/** Just what MIME parsing needs of the top header block, ending with the blank line. */
function mimeFieldsOf(header: Buffer): Buffer {
  const mime = fieldsOf(header).filter((f) => /^(content-[a-z-]*|mime-version)[ \t]*:/i.test(f));
  return Buffer.from(mime.map((f) => `${f}\r\n`).join('') + '\r\n', 'latin1');
}
