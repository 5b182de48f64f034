import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutPieces } from '../../../test/support/cut-pieces.js';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';
import { installDataStuffing, needsNoStuffing } from './data-stuffing.js';

// The library's own transform, taken before the check is put in front of it.
const libraryTransform = (DataStream.prototype as unknown as { _transform: unknown })._transform;
installDataStuffing();

/** What a DataStream sends for `pieces`: with the check, or with the library's loop alone. */
async function stuffed(pieces: readonly Buffer[], withCheck: boolean): Promise<{ bytes: string; inCount: number; outCount: number }> {
  const stream = new DataStream();
  if (!withCheck) (stream as unknown as { _transform: unknown })._transform = libraryTransform;
  const out: Buffer[] = [];
  stream.on('data', (b: Buffer) => out.push(b));
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  for (const p of pieces) stream.write(p);
  stream.end();
  await ended;
  const counts = stream as unknown as { inByteCount: number; outByteCount: number };
  return { bytes: Buffer.concat(out).toString('latin1'), inCount: counts.inByteCount, outCount: counts.outByteCount };
}

function cut(raw: Buffer, at: readonly number[]): Buffer[] {
  return cutPieces(raw, at).filter((b) => b.length > 0);
}

const b = (s: string) => Buffer.from(s, 'latin1');
const message = fc
  .array(fc.constantFrom('.', '..', '\r', '\n', '\r\n', '\r\n.', '\n.', 'a', 'line ', '\r\r\n', 'é'), { maxLength: 60 })
  .map((parts) => b(parts.join('')));

describe('the dot-stuffing check in front of nodemailer’s DataStream', () => {
  it('sends the same bytes and counts as the library alone, for any message cut into any pieces', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.array(fc.nat(), { maxLength: 10 }), async (raw, at) => {
        const pieces = cut(raw, at);
        expect(await stuffed(pieces, true)).toEqual(await stuffed(pieces, false));
      }),
      { numRuns: 500 },
    );
  });

  it('passes clean CRLF text through and sends the rest to the library', () => {
    expect(needsNoStuffing(b('Subject: x\r\n\r\nbody\r\n'), false)).toBe(true);
    expect(needsNoStuffing(b('\nmore\r\n'), 0x0d)).toBe(true);
    expect(needsNoStuffing(b('bare\nlf'), false)).toBe(false);
    expect(needsNoStuffing(b('\nafter a lone CR? no: after a letter'), 0x61)).toBe(false);
    expect(needsNoStuffing(b('a\r\n.dot'), false)).toBe(false);
    expect(needsNoStuffing(b('.first'), false)).toBe(false);
    expect(needsNoStuffing(b('.after a line end'), 0x0a)).toBe(false);
    expect(needsNoStuffing(b('.mid-line'), 0x61)).toBe(true);
  });

  it('stuffs a leading dot and ends with the terminator either way', async () => {
    expect((await stuffed([b('.a\r\n'), b('.b\r\n')], true)).bytes).toBe('..a\r\n..b\r\n.\r\n');
    expect((await stuffed([b('x\r\n')], true)).bytes).toBe('x\r\n.\r\n');
  });
});
