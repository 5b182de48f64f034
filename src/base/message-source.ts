/**
 * A message as the components pass it around: its header block in memory (bounded
 * when received) and its body as a stream, so that no component needs a whole message
 * in memory. A source may be read any number of times; each `body()` starts afresh.
 */
import { Readable } from 'node:stream';
import { headerEnd } from './headers.js';

export interface MessageSource {
  /** The header block, ending with its blank line when the message has a body. */
  readonly header: Buffer;
  /** Bytes of the whole message (header and body), when known. */
  readonly size: number | null;
  /** The body from its first byte (after the blank line), as a new stream. */
  body(): Readable;
}

/** A message held in memory (one we wrote, or a small one just received). */
export function sourceOf(raw: Buffer): MessageSource {
  const end = headerEnd(raw);
  return bufferedSource(raw.subarray(0, end), [raw.subarray(end)]);
}

/** A source from a header and body pieces held in memory. */
export function bufferedSource(header: Buffer, body: readonly Buffer[]): MessageSource {
  const size = body.reduce((n, b) => n + b.length, header.length);
  return {
    header,
    size,
    body: () =>
      Readable.from(
        body.filter((b) => b.length > 0),
        { objectMode: false },
      ),
  };
}

/** The same body under another header (header edits, a signature on top). */
export function withHeader(src: MessageSource, header: Buffer): MessageSource {
  return { header, size: src.size === null ? null : src.size - src.header.length + header.length, body: () => src.body() };
}

/** Header and body as one stream: what goes over the wire. */
export function wholeMessage(src: MessageSource): Readable {
  const header = src.header;
  return Readable.from(
    (async function* () {
      if (header.length > 0) yield header;
      yield* src.body();
    })(),
    { objectMode: false },
  );
}

/**
 * Reads a stream whole, for the few places that need a value in memory (a webhook's
 * JSON, a test). Past `limit` bytes it fails rather than grow without bound.
 */
export async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > limit) {
      stream.destroy();
      throw new Error(`more than ${limit} bytes where at most that many were expected`);
    }
    parts.push(b);
  }
  return Buffer.concat(parts, n);
}
