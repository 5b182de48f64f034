import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutPieces } from '../../../test/support/cut-pieces.js';
// The parser whose data-mode feed is replaced; its own method is the reference.
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { unstuffingFeed } from './data-unstuffing.js';

interface Seen {
  /** Each message's bytes as the data stream gave them. */
  readonly messages: string[];
  /** Command lines, in order, with "DATA" where a message was read. */
  readonly commands: string[];
  /** How many writes each data stream received (a message arrives in pieces). */
  readonly writes: number[];
  /** Bytes of each message that reached the data stream in memory of their own: copies of the input. */
  readonly copied: number[];
}

/**
 * Feeds `pieces` to a fresh parser, as a connection does: DATA switches it to data mode,
 * the end of the message lets it go on with the commands after it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the parser is untyped */
async function parse(pieces: readonly Buffer[], fast: boolean): Promise<Seen> {
  const parser: any = new SMTPStream();
  if (fast) parser._feedDataStream = unstuffingFeed;
  const seen: Seen = { messages: [], commands: [], writes: [], copied: [] };
  const input = new Set(pieces.map((p) => p.buffer));
  parser.oncommand = (line: Buffer, callback: () => void) => {
    const command = line.toString('latin1');
    seen.commands.push(command);
    if (command === 'DATA') {
      const stream = parser.startDataMode();
      const parts: Buffer[] = [];
      stream.on('data', (b: Buffer) => parts.push(b));
      stream.on('end', () => {
        seen.messages.push(Buffer.concat(parts).toString('latin1'));
        seen.writes.push(parts.length);
        seen.copied.push(parts.reduce((n, p) => n + (input.has(p.buffer) ? 0 : p.length), 0));
        // Later, as a connection does once the message is stored.
        setImmediate(() => parser.continue());
      });
    }
    callback();
  };
  const fed = (async () => {
    for (const p of pieces) await new Promise<void>((resolve, reject) => parser.write(p, (e: Error | null | undefined) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve) => parser.end(resolve));
  })();
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the parser did not finish: ${JSON.stringify(pieces.map((p) => p.toString('latin1')))}`)), 2000);
  });
  try {
    await Promise.race([fed, stuck]);
  } finally {
    clearTimeout(timer);
  }
  return seen;
}
/* eslint-enable @typescript-eslint/no-explicit-any -- the parser is untyped */

function cut(raw: Buffer, at: readonly number[]): Buffer[] {
  return cutPieces(raw, at).filter((b) => b.length > 0);
}

const b = (s: string) => Buffer.from(s, 'latin1');

/** Bodies made of the pieces that matter: dots, line ends, the terminator itself. */
const body = fc
  .array(fc.constantFrom('.', '..', '\r', '\n', '\r\n', '\r\n.', '\r\n..', '\r\n.\r\n', 'a', 'text ', '\r\n.x', 'ü'), { maxLength: 60 })
  .map((parts) => parts.join(''));

describe('unstuffingFeed, against smtp-server’s own data mode', () => {
  it('gives the same messages and commands for any session cut into any pieces', async () => {
    await fc.assert(
      // One message a session: a client waits for 354 before it sends the next one's data.
      fc.asyncProperty(body, fc.array(fc.nat(), { maxLength: 12 }), async (message, at) => {
        const session = b(`EHLO x\r\nDATA\r\n${message}\r\n.\r\nNOOP\r\nQUIT\r\n`);
        const pieces = cut(session, at);
        const fast = await parse(pieces, true);
        const reference = await parse(pieces, false);
        expect(fast.messages).toEqual(reference.messages);
        expect(fast.commands).toEqual(reference.commands);
      }),
      { numRuns: 300 },
    );
  });

  it('unstuffs escape dots and stops at the terminator, whichever piece they fall in', async () => {
    const session = b('DATA\r\n..first\r\nline\r\n..\r\n...three\r\n.\r\nQUIT\r\n');
    for (let i = 1; i < session.length; i++) {
      const seen = await parse([session.subarray(0, i), session.subarray(i)], true);
      expect(seen.messages).toEqual(['.first\r\nline\r\n.\r\n..three\r\n']);
      expect(seen.commands).toEqual(['DATA', 'QUIT']);
    }
  });

  it('agrees with the library for every cut into three pieces around short pieces, bare LFs and CRs', async () => {
    // Short pieces are kept back whole, and a piece that goes on whole leaves only its last byte
    // behind: every seam where a line's first dot, or the terminator's CR and LF, could fall.
    const session = b('DATA\r\n\n.\n..\r\nx\r\n\n..y\r\r\n.z\r\n.\r\nQUIT\r\n');
    for (let i = 1; i < session.length; i++) {
      for (let j = i + 1; j < session.length; j++) {
        const pieces = [session.subarray(0, i), session.subarray(i, j), session.subarray(j)];
        const fast = await parse(pieces, true);
        const reference = await parse(pieces, false);
        expect(fast.messages, `cut at ${i}, ${j}`).toEqual(reference.messages);
        expect(fast.commands, `cut at ${i}, ${j}`).toEqual(reference.commands);
      }
    }
  });

  it('reads an empty message and a first line that is a lone escaped dot', async () => {
    expect((await parse([b('DATA\r\n.\r\nQUIT\r\n')], true)).messages).toEqual(['']);
    expect((await parse([b('DATA\r\n'), b('..\r\n.\r\n')], true)).messages).toEqual(['.\r\n']);
  });

  it('passes a large body through in the pieces it came in, not byte by byte', async () => {
    const line = 'x'.repeat(74) + '\r\n';
    const big = line.repeat(14_000);
    const raw = b(`DATA\r\n${big}.\r\nQUIT\r\n`);
    const pieces = cut(
      raw,
      Array.from({ length: 16 }, (_, i) => (i + 1) * 65_536),
    );
    const seen = await parse(pieces, true);
    expect(seen.messages[0]!.length).toBe(big.length);
    expect(seen.messages[0] === big).toBe(true);
    expect(seen.writes[0]).toBeLessThanOrEqual(pieces.length + 1);
    // Passed on as views of what arrived: only a piece after one whose last bytes were kept back
    // (a LF among them) is joined to them, a copy. Every piece was copied before.
    expect(seen.copied[0]).toBeLessThan(big.length / 4);
  });
});
