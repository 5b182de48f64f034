import { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import type { Db, StoreHandle } from '../db.js';
import type { Database } from '../schema.js';
import { rowIndexes, runCompiledOnce, runCompiledRows } from '../compiled-once.js';
import type { ByteBudget } from '../../base/byte-budget.js';
import { ThreadUnavailable, type ChunkWrite } from '../chunk-write.js';

type Exec = Db | Transaction<Database>;

/**
 * Large values are stored in chunks of about this size: reading or writing one never
 * needs more than a chunk or two in memory, and a row stays small enough for either
 * database to handle without special APIs.
 */
export const BLOB_CHUNK_BYTES = 256 * 1024;
/** A blob larger than this is never kept whole in memory, whatever room a `keep` budget has. */
export const KEEP_PER_BLOB_BYTES = 4 * 1024 * 1024;
/** Chunks fetched by one query while streaming a blob (about 1 MiB). */
const READ_BATCH = 4;

/** Inserts `parts` as chunks `firstSeq`, `firstSeq + 1`, …; returns the next free seq. */
export async function insertChunks(trx: Exec, blobId: string, firstSeq: number, parts: readonly Buffer[]): Promise<number> {
  await insertChunkRows(
    trx,
    parts.map((data, i) => ({ blobId, seq: firstSeq + i, data })),
  );
  return firstSeq + parts.length;
}

/** Chunks in one statement at most: a statement carries no more than about 4 MiB of them. */
const CHUNKS_PER_STATEMENT = 16;

/** Inserts chunks of any blobs, several to a statement. */
export async function insertChunkRows(trx: Exec, chunks: readonly { blobId: string; seq: number; data: Buffer }[]): Promise<void> {
  await runCompiledRows(
    trx,
    'insert-chunk',
    chunks.map((c) => [c.blobId, c.seq, c.data]),
    (p, n) => trx.insertInto('blob_chunks').values(rowIndexes(n).map((i) => ({ blob_id: p(i, 0), seq: p(i, 1), data: p(i, 2) }))),
    CHUNKS_PER_STATEMENT,
  );
}

/**
 * `pieces` cut into whole chunks of `size` bytes, each a list of views (no copy), and the
 * rest (less than a chunk) as views too.
 */
export function cutChunks(pieces: readonly Buffer[], size = BLOB_CHUNK_BYTES): { whole: Buffer[][]; rest: Buffer[] } {
  const whole: Buffer[][] = [];
  let current: Buffer[] = [];
  let bytes = 0;
  for (const piece of pieces) {
    let p = piece;
    while (p.length > 0) {
      const take = Math.min(size - bytes, p.length);
      current.push(take === p.length ? p : p.subarray(0, take));
      bytes += take;
      p = p.subarray(take);
      if (bytes === size) {
        whole.push(current);
        current = [];
        bytes = 0;
      }
    }
  }
  return { whole, rest: current };
}

/** `buffers` cut into chunk-sized pieces (no copy: pieces are views). */
export function toChunks(buffers: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    for (let at = 0; at < b.length; at += BLOB_CHUNK_BYTES) out.push(b.subarray(at, Math.min(b.length, at + BLOB_CHUNK_BYTES)));
  }
  return out;
}

export async function readChunk(db: Exec, blobId: string, seq: number): Promise<Buffer | null> {
  const r = await runCompiledOnce(
    db,
    'read-chunk',
    (p) => db.selectFrom('blob_chunks').select('data').where('blob_id', '=', p('blob_id')).where('seq', '=', p('seq')),
    { blob_id: blobId, seq },
  );
  const row = r.rows[0] as { data: Uint8Array } | undefined;
  return row ? Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength) : null;
}

/**
 * The chunks `fromSeq` … `toSeq` (inclusive; default to the end) of a blob as one byte
 * stream, read a few chunks at a time as the consumer asks. A store error ends the
 * stream with that error.
 */
export function openBlob(db: Db, blobId: string, range: { fromSeq?: number; toSeq?: number } = {}): Readable {
  let next = range.fromSeq ?? 0;
  const last = range.toSeq ?? Number.MAX_SAFE_INTEGER;
  let busy = false;
  let done = false;
  return new Readable({
    highWaterMark: BLOB_CHUNK_BYTES,
    read() {
      if (busy || done) return;
      if (next > last) {
        done = true;
        this.push(null);
        return;
      }
      busy = true;
      const upTo = Math.min(last, next + READ_BATCH - 1);
      runCompiledOnce(
        db,
        'read-chunks',
        (p) =>
          db
            .selectFrom('blob_chunks')
            .select(['seq', 'data'])
            .where('blob_id', '=', p('blob_id'))
            .where('seq', '>=', p('from'))
            .where('seq', '<=', p('to'))
            .orderBy('seq'),
        { blob_id: blobId, from: next, to: upTo },
      ).then(
        (r) => {
          busy = false;
          const rows = r.rows as { seq: number; data: Uint8Array }[];
          // Fewer rows than asked for: the blob ends here. Decided before pushing, since a
          // push may call read() again at once.
          const ends = rows.length < upTo - next + 1 || upTo >= last;
          if (ends) done = true;
          else next = upTo + 1;
          for (const row of rows) this.push(Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength));
          if (ends) this.push(null);
        },
        (e: unknown) => {
          busy = false;
          done = true;
          this.destroy(e as Error);
        },
      );
    },
  });
}

export async function deleteBlob(db: Exec, blobId: string): Promise<void> {
  await db.deleteFrom('blob_chunks').where('blob_id', '=', blobId).execute();
  await db.deleteFrom('spool').where('blob_id', '=', blobId).execute();
}

/** Removes the blobs among `blobIds` that nothing kept (they still carry their spool mark). */
export async function deleteSpooledBlobs(db: Db, blobIds: readonly string[]): Promise<number> {
  if (blobIds.length === 0) return 0;
  const marked = await db.selectFrom('spool').select('blob_id').where('blob_id', 'in', blobIds).execute();
  for (const { blob_id } of marked) await deleteBlob(db, blob_id);
  return marked.length;
}

/** The spool mark goes in the transaction that makes the blob part of something kept. */
export async function unspool(trx: Exec, blobId: string): Promise<void> {
  await runCompiledOnce(trx, 'unspool', (p) => trx.deleteFrom('spool').where('blob_id', '=', p('blob_id')), { blob_id: blobId });
}

/**
 * Writes a blob as it arrives: whole chunks go to the store at once, each in a lazy
 * transaction of its own (the durable commit that later keeps the blob makes them
 * durable too), the first together with a spool mark. The rest waits in memory for the
 * caller's final transaction (`pending`). At most about one chunk is ever held, unless
 * a `keep` budget is given: then the stored chunks of a blob of up to KEEP_PER_BLOB_BYTES
 * stay referenced too while the budget has room for them, so that a message handed
 * straight to delivery is not read back (`takeKept`).
 */
export class BlobWriter {
  #pending: Buffer[] = [];
  /** The stored chunks, still referenced while `keep` has room for them (see `takeKept`). */
  #kept: Buffer[] = [];
  #keptBytes = 0;
  #keeping: boolean;
  /** The store's thread could not take a write: this blob's chunks go through the loop's connection. */
  #ownConnection = false;
  #pendingBytes = 0;
  #nextSeq: number;
  #stored = 0;
  #storedBytes = 0;
  #marked = false;

  constructor(
    private readonly store: Pick<StoreHandle, 'lazyTransaction'> & Partial<Pick<StoreHandle, 'writeChunks'>>,
    readonly blobId: string,
    private readonly spool: { readonly owner: string; readonly now: () => number },
    readonly firstSeq = 0,
    private readonly keep: ByteBudget | null = null,
  ) {
    this.#nextSeq = firstSeq;
    this.#keeping = keep !== null;
  }

  /** Chunks already in the store. */
  get storedChunks(): number {
    return this.#stored;
  }

  get storedBytes(): number {
    return this.#storedBytes;
  }

  /** Bytes written and not yet stored, in order: the caller's last transaction stores them. */
  get pending(): readonly Buffer[] {
    return this.#pending;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  async write(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    if (this.#pendingBytes < BLOB_CHUNK_BYTES) return;
    // Whole chunks go now, as the pieces they arrived in (joined where they are written);
    // the rest waits for more.
    const { whole, rest } = cutChunks(this.#pending);
    await this.#store(whole);
    this.#pending = rest;
    this.#pendingBytes -= whole.length * BLOB_CHUNK_BYTES;
  }

  /**
   * Stores what is pending now (with the spool mark if nothing is stored yet): the whole
   * blob is then in the store, and a later transaction keeps it (`unspool`).
   */
  async flush(): Promise<void> {
    if (this.#pendingBytes === 0 && this.#marked) return;
    await this.#store([this.#pending]);
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** Stores `chunks` (each as its pieces) as the next chunks of the blob. */
  async #store(chunks: readonly (readonly Buffer[])[]): Promise<void> {
    const seq = this.#nextSeq;
    const mark = !this.#marked;
    await this.#write(seq, chunks, mark ? { owner: this.spool.owner, startedAt: this.spool.now() } : null);
    this.#marked = true;
    this.#nextSeq = seq + chunks.length;
    this.#stored += chunks.length;
    let bytes = 0;
    for (const c of chunks) for (const p of c) bytes += p.length;
    this.#storedBytes += bytes;
    if (!this.#keeping) return;
    if (this.#keptBytes + bytes <= KEEP_PER_BLOB_BYTES && this.keep!.take(bytes)) {
      for (const c of chunks) this.#kept.push(...c);
      this.#keptBytes += bytes;
    } else {
      this.dropKept();
      this.#keeping = false;
    }
  }

  /**
   * Every stored chunk, still in memory, if the budget had room for all of them: the
   * caller now holds their bytes of the budget and gives them back when done. Null (and
   * nothing held) otherwise. Once only.
   */
  takeKept(): { chunks: readonly Buffer[]; bytes: number } | null {
    if (!this.#keeping || this.#stored === 0) return null;
    const kept = { chunks: this.#kept, bytes: this.#keptBytes };
    this.#kept = [];
    this.#keptBytes = 0;
    this.#keeping = false;
    return kept;
  }

  /** Lets go of the chunks kept in memory and gives their bytes back. */
  dropKept(): void {
    if (this.#keptBytes > 0) this.keep?.give(this.#keptBytes);
    this.#kept = [];
    this.#keptBytes = 0;
  }

  async #write(firstSeq: number, chunks: readonly (readonly Buffer[])[], spoolMark: ChunkWrite['spoolMark']): Promise<void> {
    const offLoop = this.store.writeChunks;
    if (offLoop && !this.#ownConnection) {
      try {
        await offLoop({ blobId: this.blobId, firstSeq, chunks, spoolMark });
        return;
      } catch (e) {
        if (!(e instanceof ThreadUnavailable)) throw e;
        // Nothing was written there: this blob's chunks go through the loop's own connection.
        this.#ownConnection = true;
      }
    }
    await this.store.lazyTransaction(async (trx) => {
      if (spoolMark) await trx.insertInto('spool').values({ blob_id: this.blobId, owner: spoolMark.owner, started_at: spoolMark.startedAt }).execute();
      await insertChunks(
        trx,
        this.blobId,
        firstSeq,
        chunks.map((parts) => (parts.length === 1 ? parts[0]! : Buffer.concat(parts))),
      );
    });
  }

  /** Adds bytes to what the final transaction stores, without writing anything now (a few bytes at the end). */
  hold(data: Buffer): void {
    this.#pending.push(data);
    this.#pendingBytes += data.length;
  }

  /** Stores what is pending in the caller's transaction and drops the spool mark; returns the chunk count. */
  async finish(trx: Exec): Promise<number> {
    const next = await insertChunks(trx, this.blobId, this.#nextSeq, toChunks(this.#pending));
    if (this.#marked) await unspool(trx, this.blobId);
    return next - this.firstSeq;
  }

  /** Removes whatever was stored (the message was refused or the session broke). */
  async abort(db: Db): Promise<void> {
    this.dropKept();
    this.#keeping = false;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#marked) await deleteBlob(db, this.blobId);
  }
}
