import { statSync } from 'node:fs';
import { Kysely, Migrator, sql, type Transaction } from 'kysely';
import { RelaydeskError } from '../base/errors.js';
import type { DialectCaps } from './dialects/caps.js';
import { WalSync } from './dialects/wal-sync.js';
import type { Checkpointer } from './dialects/checkpointer.js';
import type { ChunkWrite, ThreadStatement } from './chunk-write.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
/** The open transaction a repository function runs in, for callers that add to it. */
export type DbTransaction = Transaction<Database>;

export interface StoreHandle {
  readonly db: Db;
  readonly caps: DialectCaps;
  /** Where the data lives, for messages to the user (never includes a password). */
  readonly where: string;
  /**
   * A transaction whose commit is on disk (fsync) when it resolves: for accepting
   * messages. Other transactions may be relaxed (see dialects/sqlite.ts).
   */
  durableTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * A transaction whose commit may return before it is on disk: for data that a later
   * `durableTransaction` makes durable (chunks of a message still arriving).
   */
  lazyTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Writes chunks of a blob still arriving off the event loop, where the store can (the
   * embedded store's thread, see dialects/checkpointer.ts); like `lazyTransaction`, a later
   * durable commit makes them durable. Null: write them in a `lazyTransaction`. Rejects
   * with a `ThreadUnavailable` (nothing written) when the thread cannot take them now.
   */
  readonly writeChunks: ((write: ChunkWrite) => Promise<void>) | null;
  /**
   * Runs statements compiled on the event loop in one transaction off it, where the store
   * can (the embedded store's thread), and resolves with each one's rows once the
   * transaction is on disk, as `durableTransaction` would. Null: use `durableTransaction`.
   * Rejects with a `ThreadUnavailable` (nothing written) when the thread cannot take them.
   */
  readonly durableStatements: ((statements: readonly ThreadStatement[]) => Promise<unknown[][]>) | null;
  /**
   * `durableStatements` that resolves after the commit without waiting for the fsync, as a
   * relaxed commit on the connection would: for outcomes of delivery attempts, which a crash
   * may lose (the attempt is made again). Null where `durableStatements` is.
   */
  readonly lazyStatements: ((statements: readonly ThreadStatement[]) => Promise<unknown[][]>) | null;
  /** Fails when the store cannot be used now: the database does not answer, or its file is gone. */
  ping(): Promise<void>;
  /**
   * Gives up to `maxPages` free pages back to the file system and says how many it gave
   * (SQLite with incremental auto-vacuum; 0 where the database manages its own space).
   */
  returnFreePages(maxPages: number): Promise<number>;
  close(): Promise<void>;
}

export type StoreLocation = { readonly dataDir: string } | { readonly databaseUrl: string };

/** Opens the store and brings its schema up to date (migrations lock, so nodes never race). */
export interface StoreOptions {
  /**
   * Commits outside `durableTransaction` may skip the fsync (SQLite synchronous=NORMAL):
   * for the server's queue bookkeeping. Off by default, so the CLI's changes are on disk.
   */
  readonly relaxed?: boolean;
  /**
   * SQLite, relaxed: how long the WAL must go unwritten before the checkpoint thread empties
   * it (default a minute, TRUNCATE_QUIET_MS in dialects/checkpointer.ts); tests shorten it.
   */
  readonly walQuietMs?: number;
}

export async function openStore(loc: StoreLocation, opts: StoreOptions = {}): Promise<StoreHandle> {
  let db: Db;
  let caps: DialectCaps;
  let where: string;
  let walSync: WalSync | null = null;
  let stillThere: () => void = () => undefined;
  let freePages: ((maxPages: number) => number) | null = null;
  let checkpointer: Checkpointer | null = null;
  // Each dialect's driver is loaded only by the stores that use it (a CLI command starts faster).
  if ('databaseUrl' in loc) {
    const { createPostgresDialect, postgresCaps } = await import('./dialects/postgres.js');
    const { dialect } = createPostgresDialect(loc.databaseUrl);
    db = new Kysely<Database>({ dialect });
    caps = postgresCaps;
    where = redactUrl(loc.databaseUrl);
  } else {
    const { createSqliteDialect, sqliteCaps } = await import('./dialects/sqlite.js');
    try {
      const sqlite = createSqliteDialect(loc.dataDir, opts.relaxed ?? false, opts.walQuietMs);
      const { dialect, file, walFile } = sqlite;
      db = new Kysely<Database>({ dialect });
      freePages = sqlite.returnFreePages;
      checkpointer = sqlite.checkpointer;
      where = file;
      stillThere = fileStillThere(file);
      if (opts.relaxed) walSync = new WalSync(walFile);
    } catch (e) {
      throw new RelaydeskError(
        'STORE_UNAVAILABLE',
        `cannot open the data directory ${loc.dataDir}: ${(e as Error).message}. Check that it exists and is writable, or pass --data DIR.`,
        [],
        { cause: e },
      );
    }
    caps = { ...sqliteCaps, relaxedCommits: opts.relaxed ?? false };
  }
  try {
    const migrator = new Migrator({ db, provider: migrationProvider(caps) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      // No migration named: the database was never reached.
      if (!failed) throw error;
      throw new RelaydeskError('STORE_UNAVAILABLE', `migration ${failed} failed on ${where}: ${(error as Error).message}`, [], { cause: error });
    }
  } catch (e) {
    await checkpointer?.close();
    await db.destroy().catch(() => undefined);
    if (e instanceof RelaydeskError) throw e;
    throw new RelaydeskError(
      'STORE_UNAVAILABLE',
      `cannot reach the database at ${where}: ${(e as Error).message}. Check that it is running and the URL is right.`,
      [],
      { cause: e },
    );
  }
  const wal = walSync;
  // A message committed into a file that is no longer on disk would be lost at the next
  // start: refuse to accept it (451) rather than answer 250 for it.
  const durableTransaction = wal
    ? async <T>(fn: (trx: Transaction<Database>) => Promise<T>) => {
        stillThere();
        const result = await db.transaction().execute(fn);
        await wal.sync();
        return result;
      }
    : <T>(fn: (trx: Transaction<Database>) => Promise<T>) => {
        stillThere();
        return db.transaction().execute(fn);
      };
  const lazySql = caps.lazyCommitSql;
  const lazyTransaction = lazySql
    ? <T>(fn: (trx: Transaction<Database>) => Promise<T>) =>
        db.transaction().execute(async (trx) => {
          await sql.raw(lazySql).execute(trx);
          return fn(trx);
        })
    : <T>(fn: (trx: Transaction<Database>) => Promise<T>) => db.transaction().execute(fn);
  return {
    db,
    caps,
    where,
    durableTransaction,
    lazyTransaction,
    writeChunks: checkpointer ? (w) => checkpointer.writeChunks(w) : null,
    durableStatements:
      checkpointer && wal
        ? async (statements) => {
            stillThere();
            // On disk when it resolves: the thread fdatasyncs the WAL after its commit.
            return checkpointer.runStatements(statements);
          }
        : null,
    lazyStatements: checkpointer && wal ? (statements) => checkpointer.runStatements(statements, false) : null,
    ping: async () => {
      stillThere();
      await sql`select 1`.execute(db);
    },
    // On the store's one connection, taken as a query would take it: never inside a transaction.
    returnFreePages: freePages ? (maxPages) => db.connection().execute(async () => freePages(maxPages)) : async () => 0,
    close: async () => {
      await checkpointer?.close();
      await wal?.close();
      await db.destroy();
    },
  };
}

/**
 * A check that the database file is still the one opened: an open SQLite file that was
 * deleted (a data directory removed by mistake) keeps working for this process, but
 * nothing written to it survives a restart.
 */
function fileStillThere(file: string): () => void {
  const { ino, dev } = statSync(file);
  return () => {
    let now: { ino: number; dev: number } | undefined;
    try {
      now = statSync(file);
    } catch {
      now = undefined;
    }
    if (!now || now.ino !== ino || now.dev !== dev) {
      throw new RelaydeskError(
        'STORE_UNAVAILABLE',
        `the store file ${file} was removed or replaced while the server runs; mail already accepted is still delivered, new mail is refused with 451 until the server is restarted on a data directory that is in place`,
      );
    }
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured database';
  }
}
