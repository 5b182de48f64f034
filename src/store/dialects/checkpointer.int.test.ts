import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../index.js';
import { BACKSTOP_PAGES, TRUNCATE_AT_BYTES } from './checkpointer.js';
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
    const [a, b] = [await openStore({ dataDir: dirs[0]! }, { relaxed: true }), await openStore({ dataDir: dirs[1]! }, { relaxed: true })];
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
});
