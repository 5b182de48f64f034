/**
 * What differs between the databases, as capability flags (never "is it PostgreSQL?").
 */
export interface DialectCaps {
  /** Column type of an auto-incrementing integer key in migrations. */
  readonly autoIdType: 'integer' | 'bigserial';
  readonly blobType: 'blob' | 'bytea';
  /** Claims can skip rows another node holds locked (FOR UPDATE SKIP LOCKED). */
  readonly skipLocked: boolean;
  /** Several processes may write at once (PostgreSQL), or one writer at a time (SQLite). */
  readonly concurrentWriters: boolean;
  /** Ordinary commits are not fsync'd (SQLite synchronous=NORMAL); durableTransaction is. */
  readonly relaxedCommits: boolean;
  /**
   * Run first in a transaction whose commit need not wait for the disk because a later
   * durable commit covers it (PostgreSQL: one WAL, flushed in order); null where
   * ordinary commits are relaxed already.
   */
  readonly lazyCommitSql: string | null;
  /**
   * Freed pages stay in the file until `PRAGMA incremental_vacuum` returns them (SQLite with
   * auto_vacuum=INCREMENTAL); false where the database reuses and returns space itself.
   */
  readonly incrementalVacuum: boolean;
  /**
   * Where sizes on disk are read: `file` (SQLite: the file, its WAL, page counts and the
   * dbstat table) or `catalog` (PostgreSQL: pg_total_relation_size, pg_database_size).
   */
  readonly sizeSource: 'file' | 'catalog';
}
