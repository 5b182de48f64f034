import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../index.js';
import { BACKSTOP_PAGES } from './checkpointer.js';
import { PAGE_SIZE } from './sqlite.js';

// SQLite only: PostgreSQL has no WAL file of ours to checkpoint.
describe("the server's checkpoints on a thread of their own", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies the WAL into the database file while the connection never reaches its own threshold', async () => {
    const store = await openStore({ dataDir: dir }, { relaxed: true });
    const file = path.join(dir, 'relaydesk.sqlite');
    const before = (await stat(file)).size;
    const chunk = Buffer.alloc(256 * 1024, 7);
    // 12 MiB: far below the connection's own threshold, so only the thread can copy it.
    expect(48 * chunk.length).toBeLessThan(BACKSTOP_PAGES * PAGE_SIZE);
    for (let i = 0; i < 48; i++) {
      await store.lazyTransaction((trx) =>
        trx
          .insertInto('blob_chunks')
          .values({ blob_id: `CK${i}`, seq: 0, data: chunk })
          .execute(),
      );
    }
    let size = before;
    for (let t = 0; t < 100 && size < before + 12 * 1024 * 1024; t++) {
      await new Promise((r) => setTimeout(r, 50));
      size = (await stat(file)).size;
    }
    expect(size).toBeGreaterThanOrEqual(before + 12 * 1024 * 1024);
    await store.close();

    // Closed cleanly: the thread let go of the file, and every row is there.
    const raw = new Database(file);
    expect((raw.prepare("select count(*) as n from blob_chunks where blob_id like 'CK%'").get() as { n: number }).n).toBe(48);
    raw.close();
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
