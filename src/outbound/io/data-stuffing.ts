/**
 * A native pass over message bytes before nodemailer's dot-stuffing loop. nodemailer
 * (version pinned in package.json) sends every message through its DataStream, which
 * looks at each byte in JavaScript for a dot that starts a line and for a LF without its
 * CR; that loop was about an eighth of the CPU a 1 MiB message costs. Messages from our
 * store already have CRLF line ends (the inbound reader makes them so), and a dot
 * starts a line only after a LF, so a chunk can be checked by jumping from LF to LF with
 * Buffer.indexOf: when every LF follows a CR and none is followed by a dot (and the
 * chunk does not itself start a line with one), the library would send the chunk as it
 * is, and so it is sent as it is. Any other chunk goes through the library's own loop.
 *
 * `installDataStuffing()` puts this in front of DataStream's `_transform`, once per
 * process; `data-stuffing.test.ts` holds the result to the library's on random input.
 */
import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';
import type { TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** The members of nodemailer's DataStream the check reads and writes. */
interface Counted {
  inByteCount: number;
  outByteCount: number;
  /** The last byte of the chunk before, or false before the first. */
  lastByte: number | false;
  push(chunk: Buffer): boolean;
}

type Transform = (this: Counted, chunk: Buffer | string, encoding: BufferEncoding, done: TransformCallback) => void;

/**
 * Whether the library would pass `chunk` on unchanged: no LF without a CR before it and
 * no dot at the start of a line (`lastByte`: the byte before the chunk, false if none).
 */
export function needsNoStuffing(chunk: Buffer, lastByte: number | false): boolean {
  if (chunk.length === 0) return true;
  if (chunk[0] === DOT && (lastByte === false || lastByte === LF)) return false;
  for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) {
    if ((at === 0 ? lastByte : chunk[at - 1]) !== CR) return false;
    if (chunk[at + 1] === DOT) return false;
  }
  return true;
}

const INSTALLED = Symbol.for('relaydesk.dataStuffing');

/** Puts the check in front of the library's `_transform` (once; later calls do nothing). */
export function installDataStuffing(): void {
  const proto = DataStream.prototype as unknown as { _transform: Transform; [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const original = proto._transform;
  proto._transform = function (this: Counted, chunk, encoding, done) {
    if (Buffer.isBuffer(chunk) && chunk.length > 0 && needsNoStuffing(chunk, this.lastByte)) {
      this.inByteCount += chunk.length;
      this.outByteCount += chunk.length;
      this.push(chunk);
      this.lastByte = chunk[chunk.length - 1]!;
      done();
      return;
    }
    original.call(this, chunk, encoding, done);
  };
  proto[INSTALLED] = true;
}
