import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutPieces } from '../../test/support/cut-pieces.js';
import { countFields, DataReader, type DataLimits } from './data-reader.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const roomy: DataLimits = { maxSize: 1 << 30, maxHeaderBytes: 1 << 20, maxHeaderFields: 1000 };

/** The whole message at once, the obvious way: every bare LF and lone CR becomes CRLF. */
function normalizedAtOnce(raw: Buffer): Buffer {
  return b(raw.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'));
}

function readInPieces(pieces: readonly Buffer[], limits = roomy): { header: Buffer; body: Buffer; size: number; problem: string | null; fields: number } {
  const r = new DataReader(limits);
  const body: Buffer[] = [];
  for (const p of pieces) body.push(...r.push(p));
  const end = r.end();
  return { header: end.header, body: Buffer.concat([...body, ...end.tail]), size: end.size, problem: end.problem, fields: end.headerFields };
}

const cut = cutPieces;

describe('DataReader line endings', () => {
  it('passes CRLF mail through without a copy', () => {
    const piece = Buffer.alloc(15); // not from the shared pool, which a copy could come from too
    piece.write('A: 1\r\n\r\nbody\r\n', 'latin1');
    const r = new DataReader(roomy);
    const body = r.push(piece);
    expect(body[0]!.buffer).toBe(piece.buffer);
  });

  it.each([
    ['bare LF', 'A: 1\n\nx\n', 'A: 1\r\n\r\nx\r\n'],
    ['lone CR', 'A: 1\r\n\r\nx\ry\r\n', 'A: 1\r\n\r\nx\r\ny\r\n'],
    ['smuggled end of data', 'S: a\r\n\r\nbody\n.\nMAIL FROM:<x@y>\r\n', 'S: a\r\n\r\nbody\r\n.\r\nMAIL FROM:<x@y>\r\n'],
    ['CR then LF-dot', 'x\r.\r\n', 'x\r\n.\r\n'],
  ])('%s becomes CRLF', (_, input, out) => {
    const r = readInPieces([b(input)]);
    expect(Buffer.concat([r.header, r.body]).toString('latin1')).toBe(out);
  });

  it('passes CRLF mail cut anywhere through without a copy', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a.map((c) => (c === 0x0d || c === 0x0a ? 0x41 : c)))),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        (lines, at) => {
          const text = Buffer.concat([b('A: 1\r\n\r\n'), ...lines.flatMap((l) => [l, b('\r\n')])]);
          // Buffer.alloc never takes from the shared pool, so a copy could not share its buffer.
          const raw = Buffer.alloc(text.length);
          text.copy(raw);
          const r = new DataReader(roomy);
          for (const piece of cut(raw, at)) {
            for (const out of r.push(piece)) expect(out.buffer).toBe(piece.buffer);
          }
          expect(r.end().tail).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('joins a CRLF cut between two chunks, and ends a lone CR cut there', () => {
    const r = readInPieces([b('A: 1\r'), b('\n\r\nx\r'), b('y')]);
    expect(Buffer.concat([r.header, r.body]).toString('latin1')).toBe('A: 1\r\n\r\nx\r\ny');
  });

  it('reads any message in any chunks as it would read it whole', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a.map((c) => [0x0d, 0x0a, 0x41, 0x3a, 0x20, c][c % 6]!))),
        fc.array(fc.nat(), { maxLength: 8 }),
        (raw, at) => {
          const whole = normalizedAtOnce(raw);
          const r = readInPieces(cut(raw, at));
          expect(Buffer.concat([r.header, r.body]).equals(whole)).toBe(true);
          expect(r.size).toBe(whole.length);
          const blank = whole[0] === 0x0d && whole[1] === 0x0a ? 2 : whole.indexOf('\r\n\r\n') >= 0 ? whole.indexOf('\r\n\r\n') + 4 : whole.length;
          expect(r.header.length).toBe(blank);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('DataReader header and limits', () => {
  it('keeps the header apart, blank line included, and hands on the body', () => {
    const r = readInPieces([b('Subject: x\r\nFrom: a@b\r\n\r\nhello\r\n')]);
    expect(r.header.toString()).toBe('Subject: x\r\nFrom: a@b\r\n\r\n');
    expect(r.body.toString()).toBe('hello\r\n');
    expect(r.fields).toBe(2);
  });

  it('finds a blank line cut by chunk boundaries in every place', () => {
    const raw = b('A: 1\r\nB: 2\r\n\r\nbody\r\n');
    for (let i = 1; i < raw.length; i++) {
      const r = readInPieces([raw.subarray(0, i), raw.subarray(i)]);
      expect(r.header.toString()).toBe('A: 1\r\nB: 2\r\n\r\n');
      expect(r.body.toString()).toBe('body\r\n');
    }
  });

  it('takes a message with no header fields (blank first line)', () => {
    const r = readInPieces([b('\r'), b('\nbody\r\n')]);
    expect(r.header.toString()).toBe('\r\n');
    expect(r.body.toString()).toBe('body\r\n');
  });

  it('stops storing past the size limit but keeps counting', () => {
    const r = new DataReader({ ...roomy, maxSize: 20 });
    expect(r.push(b('A: 1\r\n\r\n0123456789'))).toHaveLength(1);
    expect(r.push(b('0123456789'))).toHaveLength(0);
    expect(r.push(b('more'))).toHaveLength(0);
    expect(r.end()).toMatchObject({ problem: 'too-big', size: 32 });
  });

  it('refuses a header block past its limit, without holding it', () => {
    const r = new DataReader({ ...roomy, maxHeaderBytes: 64 });
    for (let i = 0; i < 100; i++) expect(r.push(b(`X-Filler-${i}: ${'y'.repeat(30)}\r\n`))).toEqual([]);
    expect(r.end()).toMatchObject({ problem: 'header-too-big', header: Buffer.alloc(0) });
  });

  it('refuses more header fields than allowed, counting folded lines once', () => {
    const fields = Array.from({ length: 11 }, (_, i) => `X-${i}: a\r\n b\r\n`).join('');
    expect(readInPieces([b(`${fields}\r\nbody`)], { ...roomy, maxHeaderFields: 10 }).problem).toBe('too-many-header-fields');
    expect(readInPieces([b(`${fields}\r\nbody`)], { ...roomy, maxHeaderFields: 11 }).problem).toBeNull();
    expect(countFields(b('A: 1\r\n\tcont\r\nB: 2\r\n\r\n'))).toBe(2);
  });
});
