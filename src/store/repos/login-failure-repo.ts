import type { Generated, Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Failed console logins (migration 0006-login-failures); declared here like user-repo.ts. */
interface LoginFailureTable {
  id: Generated<number>;
  key: string;
  at: number;
}

type Exec = Kysely<Database>;
const failures = (db: Exec) => db.withTables<{ login_failures: LoginFailureTable }>();

/** The newest failures of a key since `since`, newest first, at most `limit`. */
export async function recentLoginFailures(db: Exec, key: string, since: number, limit: number): Promise<number[]> {
  const rows = await failures(db).selectFrom('login_failures').select('at').where('key', '=', key).where('at', '>', since).orderBy('at', 'desc').limit(limit).execute();
  return rows.map((r) => Number(r.at));
}

/** Records a failure, and drops every failure older than `forgetBefore` (a spray of keys stays bounded). */
export async function recordLoginFailure(db: Exec, key: string, at: number, forgetBefore: number): Promise<void> {
  await failures(db).insertInto('login_failures').values({ key, at }).execute();
  await failures(db).deleteFrom('login_failures').where('at', '<=', forgetBefore).execute();
}

export async function clearLoginFailures(db: Exec, key: string): Promise<void> {
  await failures(db).deleteFrom('login_failures').where('key', '=', key).execute();
}
