/**
 * store — the durable state of the product.
 *
 * JOB      Holds messages (with their raw bodies), deliveries, the trace, mailboxes,
 *          configuration versions and secrets; the only place with SQL.
 * INPUTS   Typed records from the components; OUTPUTS typed rows, never SQL rows.
 * TRUSTS   Nothing: every value arrives validated by its component.
 * SECURITY Holds message bodies and secrets; the database URL's password is never
 *          printed (see `StoreHandle.where`).
 * EVENTS   store.unavailable and store.recovered (StoreHealth, in the log); callers record
 *          trace events through `appendTrace`.
 *
 * SQLite (WAL) is the embedded default: the server commits with synchronous=NORMAL and
 * fsyncs the WAL before a 250 (durableTransaction), the CLI with synchronous=FULL; PostgreSQL
 * serves several nodes. Differences live in `dialects/` as capability flags.
 */
export { openStore, type Db, type DbTransaction, type StoreHandle, type StoreLocation, type StoreOptions } from './db.js';
export type { DialectCaps } from './dialects/caps.js';
export type { DeliveryStatus } from './schema.js';
export { ReceiveWriter } from './receive-writer.js';
export { describeStoreError, isTransientStoreError, isUniqueViolation } from './errors.js';
export { StoreHealth, type StoreHealthState } from './health.js';
export { GroupCommit } from './group-commit.js';
export { backupSqliteStore, checkSqliteStoreFile, liveNodesInFile, restoreSqliteStore, SQLITE_STORE_FILE, type BackupProgress, type StoreFileCheck } from './sqlite-backup.js';
export * from './repos/config-repo.js';
export * from './repos/delivery-repo.js';
export * from './repos/mailbox-repo.js';
export * from './repos/message-repo.js';
export * from './repos/blob-repo.js';
export * from './repos/node-repo.js';
export * from './repos/secret-repo.js';
export * from './repos/trace-repo.js';
export * from './repos/desk-channel-repo.js';
export * from './repos/desk-case-repo.js';
export * from './repos/desk-intake-repo.js';
export * from './repos/desk-lead-repo.js';
export * from './repos/desk-inbox-repo.js';
export * from './repos/api-repo.js';
export * from './repos/user-repo.js';
export * from './repos/login-failure-repo.js';
export * from './repos/retention-repo.js';
export type { DeliverySummary } from './repos/delivery-summary.js';
export * from './repos/store-stats-repo.js';
export * from './repos/traffic-repo.js';
