/**
 * DATA as it arrives, one chunk at a time: line endings made CRLF, the header block
 * kept apart (bounded), the body handed on at once, and the message's size counted.
 * Pure: the caller decides where the body goes (see io/incoming.ts).
 */

/**
 * A header block is a few KB (50 Received hops stay under 64 KB); a 10,000-address
 * To is about 300 KB. Past this the message is refused, so a message that is "all
 * header" costs bounded memory.
 */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** Header fields; real mail has well under a hundred. */
export const MAX_HEADER_FIELDS = 1000;

export interface DataLimits {
  readonly maxSize: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaderFields: number;
}

export type DataProblem = 'too-big' | 'header-too-big' | 'too-many-header-fields';

export interface DataRead {
  /** The header block, ending with its blank line when there is a body. */
  readonly header: Buffer;
  /** Bytes after normalisation, header included (what would be stored). */
  readonly size: number;
  readonly headerFields: number;
  readonly problem: DataProblem | null;
  /** Body bytes that only the end completes (the LF of a lone CR at the very end). */
  readonly tail: readonly Buffer[];
}

const CR = 0x0d;
const LF = 0x0a;
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

export class DataReader {
  #size = 0;
  #problem: DataProblem | null = null;
  /** The previous chunk ended with CR: its LF may start the next one. */
  #openCr = false;
  #header: Buffer[] = [];
  #headerBytes = 0;
  #headerDone = false;
  /** The last bytes of the header so far, to find a blank line cut by a chunk boundary. */
  #tail = EMPTY;

  constructor(private readonly limits: DataLimits) {}

  get problem(): DataProblem | null {
    return this.#problem;
  }

  get headerDone(): boolean {
    return this.#headerDone;
  }

  /**
   * Takes the next chunk of DATA (dot-unstuffed); returns the body bytes it completes,
   * in order. Once the message is refused (too big) nothing more is returned, but
   * chunks are still taken: the client is still sending.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    const piece = this.#normalize(chunk);
    this.#size += piece.length;
    if (this.#problem) return [];
    if (this.#size > this.limits.maxSize) {
      this.#fail('too-big');
      return [];
    }
    if (this.#headerDone) return [piece];
    const body = this.#feedHeader(piece);
    return body && body.length > 0 ? [body] : [];
  }

  /** The end of DATA: what was read, and the one problem that refuses it, if any. */
  end(): DataRead {
    // A lone CR at the very end is a line ending too.
    const tail = this.#openCr && !this.#problem ? this.push(Buffer.from([LF])) : [];
    this.#openCr = false;
    const header = this.#problem ? EMPTY : this.#header.length === 1 ? this.#header[0]! : Buffer.concat(this.#header, this.#headerBytes);
    const headerFields = countFields(header);
    if (!this.#problem && headerFields > this.limits.maxHeaderFields) this.#problem = 'too-many-header-fields';
    return { header, size: this.#size, headerFields, problem: this.#problem, tail };
  }

  #fail(problem: DataProblem): void {
    this.#problem = problem;
    this.#header = [];
    this.#headerBytes = 0;
  }

  /** Returns the body part of `piece` once the header block is complete, else null. */
  #feedHeader(piece: Buffer): Buffer | null {
    let cut = -1;
    if (this.#headerBytes < 2) {
      // A blank first line: the message has no header fields at all.
      const start = this.#headerBytes === 0 ? piece : Buffer.concat([this.#header[0]!, piece.subarray(0, 1)]);
      if (start[0] === CR && start[1] === LF) cut = 2 - this.#headerBytes;
    }
    if (cut < 0) {
      const probe = this.#tail.length > 0 ? Buffer.concat([this.#tail, piece]) : piece;
      const at = probe.indexOf(BLANK_LINE);
      if (at >= 0) cut = at + 4 - this.#tail.length;
    }
    const head = cut >= 0 ? piece.subarray(0, cut) : piece;
    if (this.#headerBytes + head.length > this.limits.maxHeaderBytes) {
      this.#fail('header-too-big');
      return null;
    }
    this.#header.push(head);
    this.#headerBytes += head.length;
    if (cut >= 0) {
      this.#headerDone = true;
      this.#tail = EMPTY;
      return piece.subarray(cut);
    }
    const joined = piece.length >= 3 ? piece : Buffer.concat([this.#tail, piece]);
    this.#tail = Buffer.from(joined.subarray(Math.max(0, joined.length - 3)));
    return null;
  }

  /**
   * Bare LF and lone CR become CRLF, so no client can hide a second message behind
   * "<LF>.<LF>" for a lenient next hop (SMTP smuggling). Clean input (the usual case)
   * is returned as it is, without a copy.
   */
  #normalize(chunk: Buffer): Buffer {
    const openCr = this.#openCr;
    const n = chunk.length;
    this.#openCr = chunk[n - 1] === CR;
    if (isClean(chunk, openCr)) return chunk;
    const out = Buffer.allocUnsafe(n * 2 + 1);
    let o = 0;
    if (openCr && chunk[0] !== LF) out[o++] = LF;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (c === CR) {
        out[o++] = CR;
        if (i + 1 < n) {
          out[o++] = LF;
          if (chunk[i + 1] === LF) i++;
        }
      } else if (c === LF) {
        if (i === 0 && openCr) {
          out[o++] = LF;
        } else {
          out[o++] = CR;
          out[o++] = LF;
        }
      } else {
        out[o++] = c;
      }
    }
    return out.subarray(0, o);
  }
}

/**
 * Whether every line ending in `chunk` is CRLF already (a CR at its very end may be
 * completed by the next chunk; `openCr`: the one before ended so). Buffer.indexOf jumps
 * from line end to line end natively, about three times as fast as a loop over the bytes:
 * every LF must follow a CR, and then CRs other than those and a last open one are lone.
 */
function isClean(chunk: Buffer, openCr: boolean): boolean {
  const n = chunk.length;
  let lf = 0;
  for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) {
    if (at === 0 ? !openCr : chunk[at - 1] !== CR) return false;
    lf++;
  }
  if (openCr && chunk[0] !== LF) return false;
  // The LFs found (less one that completes the previous chunk's CR) each follow a CR.
  const paired = openCr ? lf - 1 : lf;
  let cr = 0;
  for (let at = chunk.indexOf(CR); at !== -1; at = chunk.indexOf(CR, at + 1)) cr++;
  return cr === paired || (cr === paired + 1 && chunk[n - 1] === CR);
}

/** Header fields in a header block: lines that do not continue the one before. */
export function countFields(header: Buffer): number {
  let fields = 0;
  let at = 0;
  while (at < header.length) {
    const eol = header.indexOf('\r\n', at);
    const end = eol < 0 ? header.length : eol;
    if (end > at && header[at] !== 0x20 && header[at] !== 0x09) fields++;
    at = end + 2;
  }
  return fields;
}
