/**
 * removeAttachments: every MIME part with `Content-Disposition: attachment` or a file
 * name is replaced by a short text/plain note. Replacing (not deleting) keeps every
 * multipart's boundaries and part count intact, so the structure stays valid and a
 * reader sees that something was removed. Everything else passes byte for byte
 * (mailsplit rebuilds untouched parts exactly). Streams through: a part is never held
 * whole. CPU only: no I/O of its own.
 */
import { createRequire } from 'node:module';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { wholeMessage, type MessageSource } from '../base/message-source.js';

/** The parts of mailsplit's untyped API this file uses. */
interface SplitNode {
  readonly type: 'node';
  readonly multipart: string | false;
  readonly disposition: string | false;
  readonly filename: string | false;
  readonly contentType: string | false;
  readonly headers: { remove(key: string): void; add(key: string, value: string): void };
}
type SplitObject = SplitNode | { readonly type: 'data' | 'body'; readonly value: Buffer };
interface Mailsplit {
  Splitter: new (options: { ignoreEmbedded: boolean; maxHeadSize?: number }) => Transform;
  Joiner: new () => Transform;
}

// mailsplit publishes no types; createRequire keeps the cast to this one line.
const mailsplit = createRequire(import.meta.url)('mailsplit') as Mailsplit;

const CONTENT_HEADERS = ['Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition', 'Content-ID', 'Content-Description', 'Content-Location'];

function isAttachment(node: SplitNode): boolean {
  return !node.multipart && (node.disposition === 'attachment' || Boolean(node.filename));
}

export function renderRemovalNote(node: { filename: string | false; contentType: string | false }): Buffer {
  const name = node.filename ? `"${node.filename.replace(/[\r\n"]+/g, ' ')}"` : 'without a name';
  const type = node.contentType || 'application/octet-stream';
  const text =
    `An attachment (${name}, ${type}) was removed from this message by a routing rule ` +
    `of the mail gateway (removeAttachments). Ask the sender for it by another way if you need it.\r\n`;
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  // No final line break: the CRLF before the next boundary belongs to the boundary.
  return Buffer.from(b64.replace(/.{76}(?!$)/g, '$&\r\n'), 'ascii');
}

/**
 * The message with its attachments replaced, as a new source. The root node's header is
 * worked out now (it changes only when the whole message is one attachment); the body
 * is filtered as it streams, each time it is read.
 */
export async function removeAttachments(src: MessageSource): Promise<MessageSource> {
  const header = await rootHeader(src.header);
  return { header, size: null, body: () => filtered(src, false) };
}

/** The root node's header after the filter: the header block run through it alone. */
async function rootHeader(header: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    filtered({ header, size: null, body: () => Readable.from([]) }, true),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  const out = Buffer.concat(chunks);
  // The root node of a header-only run is all there is; a note, if any, is not header.
  const end = out.indexOf('\r\n\r\n');
  return end >= 0 ? out.subarray(0, end + 4) : out;
}

/** The whole message through splitter → filter → joiner; without the root node's header unless asked. */
function filtered(src: MessageSource, rootOnly: boolean): Readable {
  // An attached message (message/rfc822) is one leaf: it goes as a whole.
  // Our header limit at DATA is 1 MiB, plus the fields we add: never refuse a stored message.
  const splitter = new mailsplit.Splitter({ ignoreEmbedded: true, maxHeadSize: 4 * 1024 * 1024 });
  const joiner = new mailsplit.Joiner();
  let dropping = false;
  let root = true;
  const filter = new Transform({
    objectMode: true,
    transform(obj: SplitObject, _enc, done) {
      const isRoot = obj.type === 'node' && root;
      if (obj.type === 'node') root = false;
      if (rootOnly && !isRoot) return done();
      if (obj.type === 'node') {
        dropping = isAttachment(obj);
        if (dropping) {
          const note = renderRemovalNote(obj);
          for (const key of CONTENT_HEADERS) obj.headers.remove(key);
          // add() puts a header on top, so the last added comes first.
          obj.headers.add('Content-Disposition', 'inline');
          obj.headers.add('Content-Transfer-Encoding', 'base64');
          obj.headers.add('Content-Type', 'text/plain; charset=utf-8');
          if (!isRoot || rootOnly) this.push(obj);
          if (!rootOnly) this.push({ type: 'body', value: note });
          return done();
        }
        if (isRoot && !rootOnly) return done();
      } else if (obj.type === 'data') {
        dropping = false;
      } else if (dropping) {
        return done();
      }
      this.push(obj);
      done();
    },
  });
  const out = new PassThrough();
  pipeline(wholeMessage(src), splitter, filter, joiner, out).catch((e: unknown) => out.destroy(e as Error));
  return out;
}
