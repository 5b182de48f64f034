/** BlobWriter's chunks kept in memory under a budget, on both dialects: what is kept, what is given back. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { ByteBudget } from '../../base/byte-budget.js';
import { BLOB_CHUNK_BYTES, BlobWriter, cutChunks, KEEP_PER_BLOB_BYTES, openBlob } from './blob-repo.js';

const spool = { owner: 'test/1', now: () => Date.now() };
const piece = (fill: number, bytes = BLOB_CHUNK_BYTES) => Buffer.alloc(bytes, fill);

async function readBlob(ts: TestStore, blobId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of openBlob(ts.store.db, blobId, { fromSeq: 1 })) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

describe.each(DIALECTS)('BlobWriter keeping stored chunks on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('keeps every stored chunk while the budget has room, and hands them over with their bytes', async () => {
    const budget = new ByteBudget(4 * BLOB_CHUNK_BYTES);
    const w = new BlobWriter(ts.store, 'keep-1', spool, 1, budget);
    await w.write(piece(1));
    await w.write(piece(2));
    await w.write(piece(3, 100));
    expect(w.storedChunks).toBe(2);
    expect(budget.used).toBe(2 * BLOB_CHUNK_BYTES);
    const kept = w.takeKept();
    expect(kept?.bytes).toBe(2 * BLOB_CHUNK_BYTES);
    expect(Buffer.concat(kept!.chunks).equals(Buffer.concat([piece(1), piece(2)]))).toBe(true);
    // Handed over: the taker gives the bytes back, not the writer.
    w.dropKept();
    expect(budget.used).toBe(2 * BLOB_CHUNK_BYTES);
    expect(w.takeKept()).toBeNull();
    // What was kept is what the store holds.
    expect((await readBlob(ts, 'keep-1')).equals(Buffer.concat(kept!.chunks))).toBe(true);
    budget.give(kept!.bytes);
    expect(budget.used).toBe(0);
  });

  it('stores pieces of any sizes as whole chunks, byte for byte, and keeps the same bytes', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 12 }), async (sizes) => {
        const blobId = `pieces-${n++}`;
        const budget = new ByteBudget(64 * BLOB_CHUNK_BYTES);
        const w = new BlobWriter(ts.store, blobId, spool, 1, budget);
        const pieces = sizes.map((size, i) => Buffer.alloc(size, i + 1));
        for (const p of pieces) await w.write(p);
        const all = Buffer.concat(pieces);
        const stored = Math.floor(all.length / BLOB_CHUNK_BYTES);
        expect(w.storedChunks).toBe(stored);
        expect(w.pendingBytes).toBe(all.length - stored * BLOB_CHUNK_BYTES);
        expect(Buffer.concat(w.pending).equals(all.subarray(stored * BLOB_CHUNK_BYTES))).toBe(true);
        expect((await readBlob(ts, blobId)).equals(all.subarray(0, stored * BLOB_CHUNK_BYTES))).toBe(true);
        const kept = w.takeKept();
        if (stored > 0) expect(Buffer.concat(kept!.chunks).equals(all.subarray(0, stored * BLOB_CHUNK_BYTES))).toBe(true);
        if (kept) budget.give(kept.bytes);
        expect(budget.used).toBe(0);
      }),
      { numRuns: 15 },
    );
  });

  it('stops keeping, and gives back what it kept, at the first chunk the budget has no room for', async () => {
    const budget = new ByteBudget(BLOB_CHUNK_BYTES + 10);
    const w = new BlobWriter(ts.store, 'keep-2', spool, 1, budget);
    await w.write(piece(1));
    expect(budget.used).toBe(BLOB_CHUNK_BYTES);
    await w.write(piece(2));
    expect(budget.used).toBe(0);
    await w.write(piece(3));
    expect(budget.used).toBe(0);
    expect(w.takeKept()).toBeNull();
    expect((await readBlob(ts, 'keep-2')).length).toBe(3 * BLOB_CHUNK_BYTES);
  });

  it('never keeps a blob larger than KEEP_PER_BLOB_BYTES whole, however roomy the budget', async () => {
    const budget = new ByteBudget(4 * KEEP_PER_BLOB_BYTES);
    const w = new BlobWriter(ts.store, 'keep-big', spool, 1, budget);
    for (let i = 0; i < KEEP_PER_BLOB_BYTES / BLOB_CHUNK_BYTES; i++) await w.write(piece(i));
    expect(budget.used).toBe(KEEP_PER_BLOB_BYTES);
    await w.write(piece(99));
    expect(budget.used).toBe(0);
    expect(w.takeKept()).toBeNull();
  });

  it('gives back what it kept when the message is dropped or aborted, and keeps nothing without a budget', async () => {
    const budget = new ByteBudget(8 * BLOB_CHUNK_BYTES);
    const dropped = new BlobWriter(ts.store, 'keep-3', spool, 1, budget);
    await dropped.write(piece(1));
    dropped.dropKept();
    dropped.dropKept();
    expect(budget.used).toBe(0);
    const aborted = new BlobWriter(ts.store, 'keep-4', spool, 1, budget);
    await aborted.write(piece(1));
    expect(budget.used).toBe(BLOB_CHUNK_BYTES);
    await aborted.abort(ts.store.db);
    expect(budget.used).toBe(0);
    expect(aborted.takeKept()).toBeNull();
    const plain = new BlobWriter(ts.store, 'keep-5', spool, 1);
    await plain.write(piece(1));
    expect(plain.takeKept()).toBeNull();
  });
});

describe('ByteBudget', () => {
  it('takes only what fits and never goes below zero', () => {
    const b = new ByteBudget(10);
    expect(b.take(6)).toBe(true);
    expect(b.take(5)).toBe(false);
    expect(b.used).toBe(6);
    expect(b.take(4)).toBe(true);
    expect(b.take(-1)).toBe(false);
    b.give(20);
    expect(b.used).toBe(0);
  });
});

describe('cutChunks', () => {
  it('cuts any pieces into whole chunks of views and a rest, losing and copying nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 10 }), fc.integer({ min: 1, max: 40 }), (sizes, size) => {
        const pieces = sizes.map((n, i) => Buffer.alloc(n, i));
        const { whole, rest } = cutChunks(pieces, size);
        for (const c of whole) expect(c.reduce((a, p) => a + p.length, 0)).toBe(size);
        expect(rest.reduce((a, p) => a + p.length, 0)).toBeLessThan(size);
        expect(Buffer.concat([...whole.flat(), ...rest]).equals(Buffer.concat(pieces))).toBe(true);
        for (const p of [...whole.flat(), ...rest]) expect(pieces.some((q) => q.buffer === p.buffer)).toBe(true);
      }),
    );
  });
});
