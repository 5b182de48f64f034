/**
 * The end of DATA and its escape dots, found with Buffer.indexOf instead of a loop over
 * every byte. smtp-server's parser (`SMTPStream`, version pinned in package.json) looks
 * at each byte of a message body in JavaScript for a dot that starts a line; that loop
 * was about an eighth of the CPU a 1 MiB message costs. A dot can only start a line
 * right after a LF, so searching natively for "\n." visits the few places that matter
 * and skips the rest of the line.
 *
 * A chunk's last bytes are kept back only when a line may start among them (a LF in its last
 * three bytes, or the very start of the data): the library keeps back four bytes of every
 * chunk and joins them to the next one, which copied the whole message once more. Otherwise
 * the chunk goes on whole and only its last byte is remembered (`_lastByte`), for a
 * terminator whose CR ends one chunk and whose LF starts the next.
 *
 * `unstuffingFeed` is a drop-in for the parser's `_feedDataStream`: the same state
 * (`_lastBytes`, `_atDataStart`, `_dataStream`), the same calls (`_countDataBytes`,
 * `_endDataMode`), the same output for any input and any way it is cut into chunks.
 * `data-unstuffing.test.ts` holds it to the library's own method on random input.
 */

const LF_DOT = Buffer.from('\n.');
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
/** What the parser keeps back of a chunk a line may start at the end of: a terminator may straddle chunks. */
const KEEP = 4;

type Done = (err?: Error | null) => void;

/** The members of smtp-server's SMTPStream the feed reads and writes. */
export interface DataModeParser {
  _dataStream: NodeJS.WritableStream & { writable: boolean; destroyed: boolean };
  _lastBytes: Buffer | false;
  _atDataStart: boolean;
  /** Ours: the last byte passed on (the one before what is kept back, if anything is). */
  _lastByte?: number;
  _countDataBytes(length: number): void;
  _endDataMode(chunk: Buffer | false, remainder: Buffer, done: Done): void;
  _feedDataStream(chunk: Buffer, done: Done): void;
}

export function unstuffingFeed(this: DataModeParser, input: Buffer, done: Done): void {
  if (input.length === 0) {
    done();
    return;
  }
  let chunk = input;
  const kept = this._lastBytes;
  // Where a dot after a LF may be decided in this chunk. The library keeps back four bytes: the
  // dots among the first two of them were decided with the chunk before. Fewer bytes kept back
  // after the data began are a whole short chunk, and a chunk that went on whole kept none: a
  // LF at 0 may then be followed by a line's first dot (the byte before it is `_lastByte`).
  const from = this._atDataStart || (kept && kept.length >= KEEP) ? 1 : 0;
  if (kept && kept.length > 0) {
    chunk = Buffer.concat([kept, chunk], kept.length + chunk.length);
    this._lastBytes = false;
  }

  if (this._atDataStart) {
    // "." alone on the first line: an empty message.
    if (chunk.length >= 3 && chunk[0] === DOT && chunk[1] === 0x0d && chunk[2] === 0x0a) {
      this._endDataMode(false, chunk.subarray(3), done);
      return;
    }
    // The first line's escape dot; the dot after it is content.
    if (chunk.length >= 2 && chunk[0] === DOT && chunk[1] === DOT) {
      chunk = chunk.subarray(1);
      this._atDataStart = false;
    }
  }

  const len = chunk.length;
  // A dot at `at` (2 ≤ at < len - 2) right after a LF: the terminator, an escape dot, or
  // (a stray dot) content. Dots nearer the end are decided with the next chunk.
  for (let lf = chunk.indexOf(LF_DOT, from); lf !== -1 && lf + 1 < len - 2; lf = chunk.indexOf(LF_DOT, lf + 1)) {
    const at = lf + 1;
    const beforeLf = lf > 0 ? chunk[lf - 1] : this._lastByte;
    if (beforeLf === CR && chunk[at + 1] === CR && chunk[at + 2] === LF) {
      const body = chunk.subarray(0, at);
      this._countDataBytes(body.length);
      this._endDataMode(body, chunk.subarray(at + 3), done);
      return;
    }
    if (chunk[at + 1] === DOT) {
      // Emit up to the escape dot and go on after it, on a later turn of the loop.
      const before = chunk.subarray(0, at);
      this._lastBytes = false;
      this._lastByte = LF;
      this._countDataBytes(before.length);
      if (this._dataStream.writable) this._dataStream.write(before);
      const rest = chunk.subarray(at + 1);
      setImmediate(() => this._feedDataStream(rest, done));
      return;
    }
  }

  // No LF among the last three bytes: no line starts there, and a dot in the next chunk is
  // at a line's start only after a LF of its own. The chunk goes on whole.
  const holdBack = this._atDataStart || chunk[len - 1] === LF || chunk[len - 2] === LF || chunk[len - 3] === LF;
  this._lastBytes = !holdBack ? false : len < KEEP ? chunk : chunk.subarray(len - KEEP);
  const keptBack = this._lastBytes ? this._lastBytes.length : 0;
  if (keptBack >= len) {
    done();
    return;
  }
  const out = keptBack === 0 ? chunk : chunk.subarray(0, len - keptBack);
  this._lastByte = out[out.length - 1];
  this._countDataBytes(out.length);
  const stream = this._dataStream;
  if (!stream.writable) {
    done();
    return;
  }
  if (stream.write(out) || stream.destroyed) {
    done();
    return;
  }
  // Wait for the consumer; a stream destroyed meanwhile never drains, it only closes.
  const resume = (): void => {
    stream.removeListener('drain', resume);
    stream.removeListener('close', resume);
    done();
  };
  stream.once('drain', resume);
  stream.once('close', resume);
}
