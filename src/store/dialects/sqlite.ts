import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver } from 'kysely';
import type { DialectCaps } from './caps.js';

export const sqliteCaps: DialectCaps = { autoIdType: 'integer', blobType: 'blob', skipLocked: false, concurrentWriters: false };

/**
 * The embedded default: one file in the data directory, WAL so the CLI can read and
 * write while the server runs, and synchronous=FULL so a commit is on disk (fsync)
 * before we answer 250.
 */
export function createSqliteDialect(dataDir: string): { dialect: SqliteDialect; file: string } {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'relaydesk.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another process (the CLI, a second server) may hold the write lock briefly.
  db.pragma('busy_timeout = 10000');
  return { dialect: new ImmediateSqliteDialect({ database: db }), file };
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
