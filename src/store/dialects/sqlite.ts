import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver } from 'kysely';
import type { DialectCaps } from './caps.js';
import { BACKSTOP_PAGES, Checkpointer } from './checkpointer.js';

export const sqliteCaps: DialectCaps = {
  autoIdType: 'integer',
  blobType: 'blob',
  skipLocked: false,
  concurrentWriters: false,
  relaxedCommits: true,
  lazyCommitSql: null,
  incrementalVacuum: true,
  sizeSource: 'file',
};

/**
 * The embedded default: one file in the data directory, in WAL mode so the CLI can
 * read and write while the server runs.
 *
 * Durability is chosen per transaction. A server's connection runs with
 * synchronous=NORMAL: a commit survives a crash of the process (it is in the WAL), not
 * of the machine. That is enough for queue bookkeeping, where a lost "delivered" mark
 * means one more delivery (at-least-once). Accepting a message is different:
 * `durableTransaction` commits and then waits for an fsync of the WAL (see WalSync),
 * so the message is on disk before we answer 250. Short-lived processes (the CLI)
 * open the store unrelaxed: synchronous=FULL, every commit of theirs is fsync'd.
 */
export function createSqliteDialect(
  dataDir: string,
  relaxed: boolean,
  walQuietMs?: number,
): {
  dialect: SqliteDialect;
  file: string;
  walFile: string;
  returnFreePages: (maxPages: number) => number;
  checkpointer: Checkpointer | null;
} {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'relaydesk.sqlite');
  const db = new Database(file);
  // The page size and the vacuum mode are fixed by the first table, so a new store gets
  // them before anything else (the page size first: setting auto_vacuum fixes it too).
  if (isEmpty(db)) {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    // Space that retention frees goes back to the file system (see returnFreePages).
    db.pragma('auto_vacuum = INCREMENTAL');
  }
  db.pragma('journal_mode = WAL');
  db.pragma(relaxed ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another process (the CLI, another worker) may hold the write lock briefly. SQLite waits
  // for it on the calling thread, which is the server's event loop: the server waits between
  // turns of the loop instead (ImmediateSqliteDialect).
  db.pragma(`busy_timeout = ${relaxed ? LOOP_BUSY_WAIT_MS : BUSY_WAIT_MS}`);
  // A burst (a purge, a flood of mail) can grow the WAL; it shrinks back to this after a checkpoint.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  if (relaxed) switchToIncrementalVacuum(db);
  // The server's checkpoints run on a thread of their own; its connection checkpoints only
  // as a backstop.
  if (relaxed) db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  return {
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(db) }),
    file,
    walFile: `${file}-wal`,
    returnFreePages: (maxPages) => returnFreePages(db, maxPages),
    checkpointer: relaxed ? new Checkpointer(file, walQuietMs) : null,
  };
}

const WAL_SIZE_LIMIT = 64 * 1024 * 1024;
/**
 * The page size of a new store: SQLite's default. SQLite writes and reads a page per system
 * call, and 16 KiB pages cut those of a 1 MiB message from about 850 pwrite and 500 pread
 * calls to 270 and 110 (strace under bench/profile.sh), but beside the checkpoint thread that
 * gained nothing the benchmark could tell from its noise, and small rows cost more (every
 * commit writes whole pages). Side by side in single runs, 16 KiB against 4 KiB pages:
 * 4 KiB messages 381 vs 361 msgs/s, 100 KiB 230 vs 272, 1 MiB 74 vs 77.
 */
export const PAGE_SIZE = 4 * 1024;
/** How long a statement waits for another process's write lock before it fails with SQLITE_BUSY. */
const BUSY_WAIT_MS = 10_000;
/**
 * The server's wait inside SQLite, which stalls every session of the process: none, the
 * retries wait between turns of the loop. Two workers under SMTP load (2,000 messages, 20
 * sessions) spent 1.0-1.2 s per worker blocked in BEGIN IMMEDIATE with a 10 s wait (max 150 ms:
 * SQLite's sleeps grow to 100 ms), 0.1 s with none.
 */
const LOOP_BUSY_WAIT_MS = 0;
/**
 * A store made before it had incremental auto-vacuum is switched over by one VACUUM when the
 * server opens it, if it is small enough for that to take seconds; a larger one is left as it
 * is and the retention job says how to switch it by hand (`freeSpaceMode`). Its page size
 * stays as it was: a VACUUM to change it would stall the start for a gain that, beside the
 * checkpoint thread, was within the noise of the benchmark.
 */
const VACUUM_AT_OPEN_MAX_BYTES = 1024 ** 3;

function isEmpty(db: Database.Database): boolean {
  return (db.prepare('select count(*) as n from sqlite_schema').get() as { n: number }).n === 0;
}

function switchToIncrementalVacuum(db: Database.Database): void {
  if (db.pragma('auto_vacuum', { simple: true }) !== 0) return;
  const bytes = Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
  if (bytes > VACUUM_AT_OPEN_MAX_BYTES) return;
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('vacuum');
  } catch {
    // Another process has the store open, or the disk is short of room for the copy: the
    // store works as before, and the next start tries again.
  }
}

/**
 * Gives up to `maxPages` free pages back to the file system. Through better-sqlite3's pragma
 * call, which steps the statement to its end: run once as an ordinary statement (as Kysely
 * runs a statement without result columns), it frees a single page. The file shrinks when a
 * checkpoint has copied the WAL back; a passive one is tried at once (it never waits for
 * readers, so it cannot stall the event loop; an incomplete one is finished by the next).
 */
function returnFreePages(db: Database.Database, maxPages: number): number {
  const free = () => Number(db.pragma('freelist_count', { simple: true }));
  const before = free();
  if (before === 0) return 0;
  try {
    db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
  } catch (e) {
    // Another process is writing (the server does not wait inside SQLite): the next run frees them.
    if (isBusy(e)) return 0;
    throw e;
  }
  const returned = before - free();
  db.pragma('wal_checkpoint(PASSIVE)');
  return returned;
}

/** Distinct statements kept prepared; multi-row inserts make a few shapes each. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing costs more than running the small
 * queries of the mail path. Statements are reused by their SQL text (LRU).
 */
function withStatementCache(db: Database.Database): { prepare: (sql: string) => Database.Statement; close: () => void } {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close: () => db.close(),
  };
}

/**
 * Transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then
 * writes can fail at once with SQLITE_BUSY when another process writes, which
 * busy_timeout does not cover.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    const acquire = driver.acquireConnection.bind(driver);
    const retrying = new WeakSet<DatabaseConnection>();
    driver.acquireConnection = async () => {
      const connection = await acquire();
      if (!retrying.has(connection)) {
        retrying.add(connection);
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = (query) => untilNotBusy(() => execute(query));
      }
      return connection;
    };
    return driver;
  }
}

/**
 * Runs a statement again while another process holds the write lock, waiting between turns
 * of the event loop, for up to BUSY_WAIT_MS in all. A statement that failed with SQLITE_BUSY
 * changed nothing; with BEGIN IMMEDIATE, a transaction meets it only at its BEGIN.
 */
async function untilNotBusy<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
    try {
      return await run();
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/**
 * SQLITE_BUSY and its extended codes: SQLITE_BUSY_RECOVERY is met while another connection
 * (the checkpoint thread's, opening the store) rebuilds the WAL index, and passes as soon.
 */
function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
