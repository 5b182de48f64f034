import type { Generated, Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Console login attempts that failed, or are being checked right now (migration
 * 0006-login-failures); declared here like user-repo.ts.
 */
interface LoginFailureTable {
  id: Generated<number>;
  key: string;
  at: number;
}

type Exec = Kysely<Database>;
const failures = (db: Exec) => db.withTables<{ login_failures: LoginFailureTable }>();

/** Failures are kept this long at least, whatever the limits: pruning never shortens a window. */
const KEEP_MS = 24 * 60 * 60 * 1000;

/** The newest failures of a key since `since`, newest first, at most `limit`, leaving out row `except`. */
export async function recentLoginFailures(db: Exec, key: string, since: number, limit: number, except?: number): Promise<number[]> {
  let q = failures(db).selectFrom('login_failures').select('at').where('key', '=', key).where('at', '>', since);
  if (except !== undefined) q = q.where('id', '!=', except);
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => Number(r.at));
}

/** Records an attempt (a failure until it is forgotten); returns its row id. Drops rows past any window. */
export async function recordLoginFailure(db: Exec, key: string, at: number): Promise<number> {
  const row = await failures(db).insertInto('login_failures').values({ key, at }).returning('id').executeTakeFirstOrThrow();
  await failures(db)
    .deleteFrom('login_failures')
    .where('at', '<=', at - KEEP_MS)
    .execute();
  return Number(row.id);
}

/** Forgets attempts that turned out not to be failures. */
export async function forgetLoginAttempts(db: Exec, ids: readonly number[]): Promise<void> {
  if (ids.length > 0)
    await failures(db)
      .deleteFrom('login_failures')
      .where('id', 'in', [...ids])
      .execute();
}

export async function clearLoginFailures(db: Exec, key: string): Promise<void> {
  await failures(db).deleteFrom('login_failures').where('key', '=', key).execute();
}
