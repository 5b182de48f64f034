import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../index.js';
import { BACKSTOP_PAGES, TRUNCATE_AT_BYTES } from './checkpointer.js';
import { TEST_WAL_QUIET_MS } from '../../../test/support/relaydesk.js';
import { StatementsNotApplied, ThreadUnavailable } from '../chunk-write.js';
import { BlobWriter, openBlob } from '../repos/blob-repo.js';
import { PAGE_SIZE } from './sqlite.js';

// SQLite only: PostgreSQL has no WAL file of ours to checkpoint.
const CHUNKS = 24;
describe("the server's checkpoints on a thread of their own", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes `chunks` × 256 KiB into the store and waits until its database file has grown by that much. */
  async function fillAndWaitForCopy(store: StoreHandle, file: string, tag: string, chunks: number): Promise<void> {
    const before = (await stat(file)).size;
    const chunk = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < chunks; i++) {
      await store.lazyTransaction((trx) =>
        trx
          .insertInto('blob_chunks')
          .values({ blob_id: `${tag}${i}`, seq: 0, data: chunk })
          .execute(),
      );
    }
    const goal = before + chunks * chunk.length;
    let size = before;
    for (let t = 0; t < 100 && size < goal; t++) {
      await new Promise((r) => setTimeout(r, 50));
      size = (await stat(file)).size;
    }
    expect(size).toBeGreaterThanOrEqual(goal);
    // Copied and nothing writing: the thread empties the WAL file.
    const wal = async () => (await stat(`${file}-wal`).catch(() => ({ size: 0 }))).size;
    for (let t = 0; t < 100 && (await wal()) > TRUNCATE_AT_BYTES; t++) await new Promise((r) => setTimeout(r, 50));
    expect(await wal()).toBeLessThanOrEqual(TRUNCATE_AT_BYTES);
  }

  it('copies the WAL into the database file while the connection never reaches its own threshold', async () => {
    // 6 MiB a round: below the connection's own threshold, so only the thread can copy it, and
    // above the size past which the thread empties the WAL file.
    expect(CHUNKS * 256 * 1024).toBeLessThan(BACKSTOP_PAGES * PAGE_SIZE - 1024 * 1024);
    expect(CHUNKS * 256 * 1024).toBeGreaterThan(TRUNCATE_AT_BYTES);
    const dirs = [path.join(dir, 'a'), path.join(dir, 'b')];
    const files = dirs.map((d) => path.join(d, 'relaydesk.sqlite'));
    // Two stores in one process share the thread; closing one leaves the other served.
    const [a, b] = [
      await openStore({ dataDir: dirs[0]! }, { relaxed: true, walQuietMs: TEST_WAL_QUIET_MS }),
      await openStore({ dataDir: dirs[1]! }, { relaxed: true, walQuietMs: TEST_WAL_QUIET_MS }),
    ];
    await fillAndWaitForCopy(a, files[0]!, 'A', CHUNKS);
    await fillAndWaitForCopy(b, files[1]!, 'B', CHUNKS);
    await a.close();
    await fillAndWaitForCopy(b, files[1]!, 'C', CHUNKS);
    await b.close();

    // Closed cleanly: the thread let go of the files, and every row is there.
    for (const [file, n] of [
      [files[0]!, CHUNKS],
      [files[1]!, 2 * CHUNKS],
    ] as const) {
      const raw = new Database(file);
      expect((raw.prepare('select count(*) as n from blob_chunks').get() as { n: number }).n).toBe(n);
      raw.close();
    }
  });

  it('keeps a large WAL file while writes go on (written over in place), and empties it once they stop', async () => {
    const d = path.join(dir, 'steady');
    const file = path.join(d, 'relaydesk.sqlite');
    const store = await openStore({ dataDir: d }, { relaxed: true, walQuietMs: TEST_WAL_QUIET_MS });
    try {
      const wal = async () => (await stat(`${file}-wal`).catch(() => ({ size: 0 }))).size;
      const chunk = Buffer.alloc(256 * 1024, 3);
      for (let i = 0; i < CHUNKS; i++) {
        await store.lazyTransaction((trx) =>
          trx
            .insertInto('blob_chunks')
            .values({ blob_id: `S${i}`, seq: 0, data: chunk })
            .execute(),
        );
      }
      expect(await wal()).toBeGreaterThan(TRUNCATE_AT_BYTES);
      // Small commits every 20 ms for five times the quiet time: the thread copies them as
      // they come (nothing is left to copy between them), yet never empties the file.
      let smallest = Infinity;
      const until = Date.now() + 5 * TEST_WAL_QUIET_MS;
      for (let i = 0; Date.now() < until; i++) {
        await store.lazyTransaction((trx) =>
          trx
            .insertInto('blob_chunks')
            .values({ blob_id: `s${i}`, seq: 0, data: Buffer.alloc(100) })
            .execute(),
        );
        smallest = Math.min(smallest, await wal());
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(smallest).toBeGreaterThan(TRUNCATE_AT_BYTES);
      // Quiet now: emptied after the quiet time and a round.
      for (let t = 0; t < 100 && (await wal()) > TRUNCATE_AT_BYTES; t++) await new Promise((r) => setTimeout(r, 50));
      expect(await wal()).toBeLessThanOrEqual(TRUNCATE_AT_BYTES);
    } finally {
      await store.close();
    }
  });

  it('keeps copying the WAL while a batch of statements waits on its own thread for the write lock', async () => {
    const d = path.join(dir, 'apart');
    const file = path.join(d, 'relaydesk.sqlite');
    const store = await openStore({ dataDir: d }, { relaxed: true, walQuietMs: TEST_WAL_QUIET_MS });
    const reader = new Database(file, { readonly: true });
    try {
      const before = (await stat(file)).size;
      const chunk = Buffer.alloc(256 * 1024, 4);
      let ran = false;
      let run: Promise<unknown> | undefined;
      // A reader's snapshot from before a commit of 6 MiB keeps any checkpoint from copying it.
      reader.prepare('begin').run();
      reader.prepare('select count(*) from spool').get();
      await store.lazyTransaction((trx) =>
        trx
          .insertInto('blob_chunks')
          .values(Array.from({ length: CHUNKS }, (_, i) => ({ blob_id: `apart${i}`, seq: 0, data: chunk })))
          .execute(),
      );
      let copiedWhileHeld = 0;
      await store.lazyTransaction(async (trx) => {
        await trx.insertInto('spool').values({ blob_id: 'held', owner: 'test/1', started_at: 1 }).execute();
        run = store.durableStatements!([{ sql: 'insert into spool (blob_id, owner, started_at) values (?, ?, ?)', params: ['after', 'test/1', 2] }]).then(
          () => {
            ran = true;
          },
        );
        // The batch now waits on the writing thread for the lock. The reader lets go: the
        // checkpoint thread copies the 6 MiB meanwhile, since the batch's wait is not its wait.
        await new Promise((r) => setTimeout(r, 150));
        reader.prepare('commit').run();
        for (let t = 0; t < 60 && copiedWhileHeld < CHUNKS * chunk.length; t++) {
          await new Promise((r) => setTimeout(r, 50));
          copiedWhileHeld = (await stat(file)).size - before;
        }
        expect(ran).toBe(false);
      });
      expect(copiedWhileHeld).toBeGreaterThanOrEqual(CHUNKS * chunk.length);
      await run;
      expect(ran).toBe(true);
      expect(await store.db.selectFrom('spool').select('blob_id').orderBy('blob_id').execute()).toEqual([{ blob_id: 'after' }, { blob_id: 'held' }]);
    } finally {
      reader.close();
      await store.close();
    }
  });

  it("fails a batch whose WAL it cannot fsync with the file system's code, its statements committed but not called durable", async () => {
    const d = path.join(dir, 'nowal');
    const store = await openStore({ dataDir: d }, { relaxed: true });
    try {
      // The WAL file gone from its path (SQLite writes on through its open handle): the thread
      // cannot open it to fsync, so the batch is not reported as on disk.
      await rm(path.join(d, 'relaydesk.sqlite-wal'));
      const insert = { sql: 'insert into spool (blob_id, owner, started_at) values (?, ?, ?)', params: ['x', 'test/1', 3] };
      await expect(store.durableStatements!([insert])).rejects.toMatchObject({ code: 'ENOENT' });
      // Statements that need not be on disk when they resolve do not fsync: the same WAL is no obstacle.
      await expect(store.lazyStatements!([{ ...insert, params: ['y', 'test/1', 4] }])).resolves.toEqual([[]]);
      expect((await store.db.selectFrom('spool').select('blob_id').orderBy('blob_id').execute()).map((r) => r.blob_id)).toEqual(['x', 'y']);
    } finally {
      await store.close();
    }
  });

  it('rolls a batch back when a statement returns or changes other rows than it expects, and writes all of one that matches', async () => {
    const d = path.join(dir, 'expect');
    const store = await openStore({ dataDir: d }, { relaxed: true });
    try {
      const insert = (id: string) => ({ sql: 'insert into spool (blob_id, owner, started_at) values (?, ?, ?)', params: [id, 'test/1', 5] });
      const move = (owner: string, expectRows: number) => ({
        sql: 'update spool set started_at = 6 where owner = ? returning blob_id',
        params: [owner],
        expectRows,
      });
      await store.lazyStatements!([insert('e1'), insert('e2')]);
      // The RETURNING statement finds three rows (e3 is the batch's own) where it expects two: nothing of the batch stays.
      const wrong = store.lazyStatements!([insert('e3'), move('test/1', 2)]);
      await expect(wrong).rejects.toBeInstanceOf(StatementsNotApplied);
      await expect(wrong).rejects.toMatchObject({ code: 'STATEMENTS_NOT_APPLIED' });
      // A statement without RETURNING is counted by the rows it changed.
      await expect(
        store.lazyStatements!([insert('e4'), { sql: 'delete from spool where owner = ?', params: ['nobody'], expectRows: 1 }]),
      ).rejects.toBeInstanceOf(StatementsNotApplied);
      const spool = () => store.db.selectFrom('spool').select(['blob_id', 'started_at']).orderBy('blob_id').execute();
      expect(await spool()).toEqual([
        { blob_id: 'e1', started_at: 5 },
        { blob_id: 'e2', started_at: 5 },
      ]);
      const [, moved] = await store.lazyStatements!([insert('e3'), move('test/1', 3)]);
      expect(moved).toHaveLength(3);
      expect((await spool()).map((r) => r.started_at)).toEqual([6, 6, 6]);
    } finally {
      await store.close();
    }
  });

  it("leaves the server's connection a backstop only, and a short-lived (CLI) open SQLite's own threshold", async () => {
    const threshold = async (relaxed: boolean) => {
      const store = await openStore({ dataDir: path.join(dir, 'threshold') }, { relaxed });
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      await store.close();
      return rows[0]?.wal_autocheckpoint;
    };
    expect(await threshold(true)).toBe(BACKSTOP_PAGES);
    expect(await threshold(false)).toBe(1000);
  });

  describe('chunk writes on the thread', () => {
    const chunk = (fill: number) => Buffer.alloc(256 * 1024, fill);
    const rows = (file: string, query: string) => {
      const raw = new Database(file, { readonly: true });
      try {
        return raw.prepare(query).all();
      } finally {
        raw.close();
      }
    };

    it('stores chunks and their spool mark in one transaction, seen at once by the server’s connection', async () => {
      const dataDir = path.join(dir, 'writes');
      const store = await openStore({ dataDir }, { relaxed: true });
      expect(store.writeChunks).not.toBeNull();
      const pieces = [[chunk(1)], [chunk(2).subarray(0, 1000), chunk(2).subarray(1000)]];
      await store.writeChunks!({ blobId: 'w1', firstSeq: 1, chunks: pieces, spoolMark: { owner: 'test/1', startedAt: 5 } });
      // What is handed to the thread is a copy: the caller's pieces are whole and unchanged.
      expect(pieces.map((c) => c.map((p) => p.length))).toEqual([[256 * 1024], [1000, 256 * 1024 - 1000]]);
      expect(Buffer.concat(pieces[1]!).equals(chunk(2))).toBe(true);
      const seen = await store.db.selectFrom('blob_chunks').select(['seq', 'data']).where('blob_id', '=', 'w1').orderBy('seq').execute();
      expect(seen.map((r) => r.seq)).toEqual([1, 2]);
      expect(Buffer.from(seen[1]!.data).equals(chunk(2))).toBe(true);
      expect(await store.db.selectFrom('spool').selectAll().where('blob_id', '=', 'w1').execute()).toEqual([{ blob_id: 'w1', owner: 'test/1', started_at: 5 }]);

      // A write that fails (its second chunk is there already) leaves nothing of itself, and says why.
      await store.writeChunks!({ blobId: 'w2', firstSeq: 1, chunks: [[chunk(3)]], spoolMark: { owner: 'test/1', startedAt: 6 } });
      const clash = store.writeChunks!({ blobId: 'w2', firstSeq: 0, chunks: [[chunk(4)], [chunk(4)]], spoolMark: null });
      await expect(clash).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) });
      await expect(clash).rejects.not.toBeInstanceOf(ThreadUnavailable);
      await store.close();
      expect(rows(path.join(dataDir, 'relaydesk.sqlite'), "select seq from blob_chunks where blob_id = 'w2'")).toEqual([{ seq: 1 }]);
    });

    it('waits on the thread while the server’s connection holds the write lock, then writes', async () => {
      const store = await openStore({ dataDir: path.join(dir, 'busy') }, { relaxed: true });
      let written = false;
      let write: Promise<void> | undefined;
      await store.lazyTransaction(async (trx) => {
        await trx.insertInto('spool').values({ blob_id: 'held', owner: 'test/1', started_at: 1 }).execute();
        write = store.writeChunks!({ blobId: 'w4', firstSeq: 1, chunks: [[chunk(5)]], spoolMark: null }).then(() => {
          written = true;
        });
        await new Promise((r) => setTimeout(r, 300));
        expect(written).toBe(false);
      });
      await write;
      expect(written).toBe(true);
      await store.close();
    });

    it('BlobWriter writes through the thread, and on its own connection once the thread cannot take it', async () => {
      const store = await openStore({ dataDir: path.join(dir, 'writer') }, { relaxed: true });
      const spool = { owner: 'test/1', now: () => 9 };
      let viaThread = 0;
      const counting = {
        lazyTransaction: store.lazyTransaction,
        writeChunks: (w: Parameters<NonNullable<StoreHandle['writeChunks']>>[0]) => {
          viaThread++;
          return store.writeChunks!(w);
        },
      };
      const w = new BlobWriter(counting, 'w5', spool, 1);
      await w.write(chunk(6));
      expect(viaThread).toBe(1);

      let refused = 0;
      const unavailable = {
        lazyTransaction: store.lazyTransaction,
        writeChunks: () => {
          refused++;
          return Promise.reject(new ThreadUnavailable('stopped'));
        },
      };
      const fallback = new BlobWriter(unavailable, 'w6', spool, 1);
      await fallback.write(chunk(7));
      await fallback.write(chunk(8));
      expect(refused).toBe(1);
      const body: Buffer[] = [];
      for await (const b of openBlob(store.db, 'w6', { fromSeq: 1 })) body.push(b as Buffer);
      expect(Buffer.concat(body).equals(Buffer.concat([chunk(7), chunk(8)]))).toBe(true);
      expect(await store.db.selectFrom('spool').select('blob_id').where('blob_id', 'in', ['w5', 'w6']).orderBy('blob_id').execute()).toEqual([
        { blob_id: 'w5' },
        { blob_id: 'w6' },
      ]);
      await store.close();
      // Closed: the thread no longer writes for it, and says so without writing.
      await expect(store.writeChunks!({ blobId: 'w7', firstSeq: 1, chunks: [[chunk(9)]], spoolMark: null })).rejects.toBeInstanceOf(ThreadUnavailable);
    });
  });
});
