import { Kysely, Migrator } from 'kysely';
import { RelaydeskError } from '../base/errors.js';
import type { DialectCaps } from './dialects/caps.js';
import { createPostgresDialect, postgresCaps } from './dialects/postgres.js';
import { createSqliteDialect, sqliteCaps } from './dialects/sqlite.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface StoreHandle {
  readonly db: Db;
  readonly caps: DialectCaps;
  /** Where the data lives, for messages to the user (never includes a password). */
  readonly where: string;
  close(): Promise<void>;
}

export type StoreLocation = { readonly dataDir: string } | { readonly databaseUrl: string };

/** Opens the store and brings its schema up to date (migrations lock, so nodes never race). */
export async function openStore(loc: StoreLocation): Promise<StoreHandle> {
  let db: Db;
  let caps: DialectCaps;
  let where: string;
  if ('databaseUrl' in loc) {
    const { dialect } = createPostgresDialect(loc.databaseUrl);
    db = new Kysely<Database>({ dialect });
    caps = postgresCaps;
    where = redactUrl(loc.databaseUrl);
  } else {
    try {
      const { dialect, file } = createSqliteDialect(loc.dataDir);
      db = new Kysely<Database>({ dialect });
      where = file;
    } catch (e) {
      throw new RelaydeskError('STORE_UNAVAILABLE', `cannot open the data directory ${loc.dataDir}: ${(e as Error).message}. Check that it exists and is writable, or pass --data DIR.`, [], { cause: e });
    }
    caps = sqliteCaps;
  }
  try {
    const migrator = new Migrator({ db, provider: migrationProvider(caps) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new RelaydeskError('STORE_UNAVAILABLE', `migration ${failed} failed on ${where}: ${(error as Error).message}`, [], { cause: error });
    }
  } catch (e) {
    await db.destroy().catch(() => undefined);
    if (e instanceof RelaydeskError) throw e;
    throw new RelaydeskError('STORE_UNAVAILABLE', `cannot reach the database at ${where}: ${(e as Error).message}. Check that it is running and the URL is right.`, [], { cause: e });
  }
  return { db, caps, where, close: () => db.destroy() };
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
