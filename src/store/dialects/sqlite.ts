import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver } from 'kysely';
import type { DialectCaps } from './caps.js';

export const sqliteCaps: DialectCaps = { autoIdType: 'integer', blobType: 'blob', skipLocked: false, concurrentWriters: false, relaxedCommits: true, lazyCommitSql: null };

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
export function createSqliteDialect(dataDir: string, relaxed: boolean): { dialect: SqliteDialect; file: string; walFile: string } {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'relaydesk.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(relaxed ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another process (the CLI, a second server) may hold the write lock briefly.
  db.pragma('busy_timeout = 10000');
  return { dialect: new ImmediateSqliteDialect({ database: withStatementCache(db) }), file, walFile: `${file}-wal` };
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
    return driver;
  }
}
