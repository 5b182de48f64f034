import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sqliteCaps } from './dialects/sqlite.js';
import { migrationProvider } from './migrations/index.js';

/** The embedded store's file inside a data directory (dialects/sqlite.ts opens it). */
export const SQLITE_STORE_FILE = 'relaydesk.sqlite';

export interface BackupProgress {
  readonly totalBytes: number;
  readonly doneBytes: number;
}

/** Pages copied per step while nothing writes; small enough to report progress often. */
const PAGES_PER_STEP = 4096;
/** "Everything in one step." */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the store in `dataDir` to `dest` with SQLite's online backup while the server may be
 * writing to it: the copy is one consistent state of the store. The copy is written beside
 * `dest` and renamed at the end, so `dest` is either whole or absent. It is a single file
 * (rollback journal), with nothing beside it to carry along.
 */
export async function backupSqliteStore(dataDir: string, dest: string, onProgress?: (p: BackupProgress) => void): Promise<{ bytes: number }> {
  const source = new Database(path.join(dataDir, SQLITE_STORE_FILE), { fileMustExist: true });
  const partial = `${dest}.partial`;
  rmSync(partial, { force: true });
  try {
    source.pragma('busy_timeout = 10000');
    const pageSize = Number(source.pragma('page_size', { simple: true }));
    let lastRemaining = Infinity;
    let rate = PAGES_PER_STEP;
    await source.backup(partial, {
      progress({ totalPages, remainingPages }) {
        // A write by another process (the server) restarts a backup copied in steps; the
        // rest then goes in one step, a read transaction that in WAL mode holds no writer up.
        if (remainingPages > lastRemaining) rate = ALL_PAGES;
        lastRemaining = remainingPages;
        onProgress?.({ totalBytes: totalPages * pageSize, doneBytes: (totalPages - remainingPages) * pageSize });
        return rate;
      },
    });
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, dest);
    return { bytes: statSync(dest).size };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    source.close();
  }
}

export type StoreFileCheck = { readonly ok: true; readonly migrations: readonly string[] } | { readonly ok: false; readonly reason: string };

/**
 * Whether `file` is a whole Relaydesk store: SQLite, passes integrity_check, and has the
 * migrations table with the first migration; migrations this version does not know mean a
 * newer Relaydesk wrote it.
 */
export async function checkSqliteStoreFile(file: string): Promise<StoreFileCheck> {
  const knownMigrations = Object.keys(await migrationProvider(sqliteCaps).getMigrations());
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    return { ok: false, reason: `cannot open it: ${(e as Error).message}` };
  }
  try {
    let integrity: string[];
    try {
      integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (e) {
      return { ok: false, reason: `it is not an SQLite database (${(e as Error).message})` };
    }
    if (integrity.join() !== 'ok') return { ok: false, reason: `it fails SQLite's integrity check: ${integrity.slice(0, 3).join('; ')}` };
    const table = db.prepare("select name from sqlite_schema where type = 'table' and name = 'kysely_migration'").get();
    if (!table) return { ok: false, reason: 'it is an SQLite database, but not a Relaydesk store (it has no migrations table)' };
    const migrations = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
    if (!migrations.includes(knownMigrations[0]!))
      return { ok: false, reason: `it is not a Relaydesk store (its migrations table lacks ${knownMigrations[0]})` };
    const unknown = migrations.filter((m) => !knownMigrations.includes(m));
    if (unknown.length)
      return {
        ok: false,
        reason: `a newer Relaydesk made it (migrations this version does not know: ${unknown.join(', ')}); restore it with that version or a later one`,
      };
    return { ok: true, migrations };
  } finally {
    db.close();
  }
}

/** Nodes whose heartbeat in the store at `file` is newer than `since` (a running server). */
export function liveNodesInFile(file: string, since: number): { name: string; pid: number; seenAt: number }[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (!db.prepare("select name from sqlite_schema where type = 'table' and name = 'nodes'").get()) return [];
    return (
      db.prepare('select name, pid, seen_at from nodes where seen_at > ? order by name').all(since) as { name: string; pid: number; seen_at: number }[]
    ).map((r) => ({ name: r.name, pid: r.pid, seenAt: Number(r.seen_at) }));
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** Copies a checked store file into `dataDir` (which must hold no store), whole or not at all. */
export async function restoreSqliteStore(from: string, dataDir: string): Promise<{ file: string; bytes: number }> {
  const file = path.join(dataDir, SQLITE_STORE_FILE);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial, { progress: () => ALL_PAGES });
    renameSync(partial, file);
    return { file, bytes: statSync(file).size };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    source.close();
  }
}
