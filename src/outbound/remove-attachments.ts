/**
 * removeAttachments: every MIME part with `Content-Disposition: attachment` or a file
 * name is replaced by a short text/plain note. Replacing (not deleting) keeps every
 * multipart's boundaries and part count intact, so the structure stays valid and a
 * reader sees that something was removed. Everything else passes byte for byte
 * (mailsplit rebuilds untouched parts exactly). In memory only: no I/O.
 */
import { createRequire } from 'node:module';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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
  Splitter: new (options: { ignoreEmbedded: boolean }) => Transform;
  Joiner: new () => Transform;
}

// mailsplit publishes no types; createRequire keeps the cast to this one line.
const mailsplit = createRequire(import.meta.url)('mailsplit') as Mailsplit;

const CONTENT_HEADERS = [
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-Disposition',
  'Content-ID',
  'Content-Description',
  'Content-Location',
];

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

export async function removeAttachments(raw: Buffer): Promise<Buffer> {
  // An attached message (message/rfc822) is one leaf: it goes as a whole.
  const splitter = new mailsplit.Splitter({ ignoreEmbedded: true });
  const joiner = new mailsplit.Joiner();
  let dropping = false;
  const filter = new Transform({
    objectMode: true,
    transform(obj: SplitObject, _enc, done) {
      if (obj.type === 'node') {
        dropping = isAttachment(obj);
        if (dropping) {
          const note = renderRemovalNote(obj);
          for (const key of CONTENT_HEADERS) obj.headers.remove(key);
          // add() puts a header on top, so the last added comes first.
          obj.headers.add('Content-Disposition', 'inline');
          obj.headers.add('Content-Transfer-Encoding', 'base64');
          obj.headers.add('Content-Type', 'text/plain; charset=utf-8');
          this.push(obj);
          this.push({ type: 'body', value: note });
          return done();
        }
      } else if (obj.type === 'data') {
        dropping = false;
      } else if (dropping) {
        return done();
      }
      this.push(obj);
      done();
    },
  });
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(Readable.from([raw]), splitter, filter, joiner, sink);
  return Buffer.concat(chunks);
}
