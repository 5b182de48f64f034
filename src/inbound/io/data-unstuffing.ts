/**
 * The end of DATA and its escape dots, found with Buffer.indexOf instead of a loop over
 * every byte. smtp-server's parser (`SMTPStream`, version pinned in package.json) looks
 * at each byte of a message body in JavaScript for a dot that starts a line; that loop
 * was about an eighth of the CPU a 1 MiB message costs. A dot can only start a line
 * right after a LF, so searching natively for "\n." visits the few places that matter
 * and skips the rest of the line.
 *
 * `unstuffingFeed` is a drop-in for the parser's `_feedDataStream`: the same state
 * (`_lastBytes`, `_atDataStart`, `_dataStream`), the same calls (`_countDataBytes`,
 * `_endDataMode`), the same output for any input and any way it is cut into chunks.
 * `data-unstuffing.test.ts` holds it to the library's own method on random input.
 */

const LF_DOT = Buffer.from('\n.');
const DOT = 0x2e;
/** What the parser keeps back from each chunk: a terminator may straddle chunks. */
const KEEP = 4;

type Done = (err?: Error | null) => void;

/** The members of smtp-server's SMTPStream the feed reads and writes. */
export interface DataModeParser {
  _dataStream: NodeJS.WritableStream & { writable: boolean; destroyed: boolean };
  _lastBytes: Buffer | false;
  _atDataStart: boolean;
  _countDataBytes(length: number): void;
  _endDataMode(chunk: Buffer | false, remainder: Buffer, done: Done): void;
  _feedDataStream(chunk: Buffer, done: Done): void;
}

export function unstuffingFeed(this: DataModeParser, input: Buffer, done: Done): void {
  let chunk = input;
  const kept = this._lastBytes;
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
  for (let lf = chunk.indexOf(LF_DOT, 1); lf !== -1 && lf + 1 < len - 2; lf = chunk.indexOf(LF_DOT, lf + 1)) {
    const at = lf + 1;
    if (chunk[at - 2] === 0x0d && chunk[at + 1] === 0x0d && chunk[at + 2] === 0x0a) {
      const body = chunk.subarray(0, at);
      this._countDataBytes(body.length);
      this._endDataMode(body, chunk.subarray(at + 3), done);
      return;
    }
    if (chunk[at + 1] === DOT) {
      // Emit up to the escape dot and go on after it, on a later turn of the loop.
      const before = chunk.subarray(0, at);
      this._lastBytes = false;
      this._countDataBytes(before.length);
      if (this._dataStream.writable) this._dataStream.write(before);
      const rest = chunk.subarray(at + 1);
      setImmediate(() => this._feedDataStream(rest, done));
      return;
    }
  }

  this._lastBytes = chunk.length < KEEP ? chunk : chunk.subarray(chunk.length - KEEP);
  if (this._lastBytes.length >= chunk.length) {
    done();
    return;
  }
  const out = chunk.subarray(0, chunk.length - this._lastBytes.length);
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
