import type { Generated, Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/**
 * The console's users, their sessions and the one-time setup token (migration 0004-users).
 * Declared here, like api-repo.ts, so the console can grow without touching the mail schema.
 */
interface UserTable {
  id: Generated<number>;
  email: string;
  role: string;
  password_hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  /** 1: takes new cases (assignment's round-robin); 0: passed over, keeps the cases it has (migration 0018). */
  available: Generated<number>;
}

interface UserSessionTable {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

interface SetupTokenTable {
  hash: string;
  created_at: number;
}

type Exec = Kysely<Database> | Transaction<Database>;
type UsersDb = Database & { users: UserTable; user_sessions: UserSessionTable; setup_tokens: SetupTokenTable };
/** A transaction of these tables (a Transaction is a Kysely). */
type Trx = Kysely<UsersDb>;
const users = (db: Exec): Kysely<UsersDb> => db.withTables<{ users: UserTable; user_sessions: UserSessionTable; setup_tokens: SetupTokenTable }>();

export type UserRole = 'admin' | 'agent';

export interface UserRow {
  readonly id: number;
  readonly email: string;
  readonly role: UserRole;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastLoginAt: number | null;
  /** Takes new cases now (the agent's own toggle, or an admin's). */
  readonly available: boolean;
}

export interface UserWithPassword extends UserRow {
  /** argon2id, PHC string. */
  readonly passwordHash: string;
}

const USER_COLUMNS = ['id', 'email', 'role', 'password_hash', 'disabled', 'created_at', 'updated_at', 'last_login_at', 'available'] as const;

const toUser = (
  r: Pick<UserTable, 'email' | 'role' | 'password_hash' | 'disabled' | 'created_at' | 'updated_at' | 'last_login_at'> & { id: number; available: number },
): UserWithPassword => ({
  id: Number(r.id),
  email: r.email,
  role: r.role === 'admin' ? 'admin' : 'agent',
  disabled: Number(r.disabled) === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  lastLoginAt: r.last_login_at === null ? null : Number(r.last_login_at),
  available: Number(r.available) === 1,
  passwordHash: r.password_hash,
});

const withoutPassword = ({ passwordHash: _drop, ...u }: UserWithPassword): UserRow => u;

export async function countUsers(db: Exec): Promise<number> {
  const r = await users(db)
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** False when a user has that email. */
export async function insertUser(db: Kysely<Database>, u: { email: string; role: UserRole; passwordHash: string; now: number }): Promise<boolean> {
  return (
    (await users(db)
      .transaction()
      .execute(async (trx) => insertUserIn(trx, u))) !== null
  );
}

async function insertUserIn(trx: Trx, u: { email: string; role: UserRole; passwordHash: string; now: number }): Promise<number | null> {
  const t = trx;
  if (await t.selectFrom('users').select('id').where('email', '=', u.email).executeTakeFirst()) return null;
  await t
    .insertInto('users')
    .values({ email: u.email, role: u.role, password_hash: u.passwordHash, disabled: 0, created_at: u.now, updated_at: u.now, last_login_at: null })
    .execute();
  const row = await t.selectFrom('users').select('id').where('email', '=', u.email).executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function listUsers(db: Exec): Promise<UserRow[]> {
  const rows = await users(db).selectFrom('users').select(USER_COLUMNS).orderBy('email').execute();
  return rows.map((r) => withoutPassword(toUser(r)));
}

export async function findUserByEmail(db: Exec, email: string): Promise<UserWithPassword | null> {
  const r = await users(db).selectFrom('users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
  return r ? toUser(r) : null;
}

export type UserChangeResult = { kind: 'changed'; user: UserRow } | { kind: 'not-found' } | { kind: 'last-admin' };

/** Work that must commit with a user's disabling or removal, or not at all (their cases move on). */
export type UserLeaving = (trx: Transaction<Database>, user: UserRow) => Promise<void>;

/**
 * Changes a user's role, disabled flag or password. Refuses ("last-admin") to leave the
 * store without an enabled admin, who alone can let anyone else back in. Disabling a user,
 * or changing a password, ends that user's sessions (all, or all but `keepSession`).
 * `onDisable` runs in the same transaction when the user goes from enabled to disabled.
 */
export async function changeUser(
  db: Kysely<Database>,
  email: string,
  change: { role?: UserRole; disabled?: boolean; passwordHash?: string; keepSession?: string; now: number; onDisable?: UserLeaving },
): Promise<UserChangeResult> {
  return users(db)
    .transaction()
    .execute(async (trx) => {
      const t = trx;
      const row = await t.selectFrom('users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
      if (!row) return { kind: 'not-found' } as const;
      const before = toUser(row);
      const after = { role: change.role ?? before.role, disabled: change.disabled ?? before.disabled };
      const losesAdmin = before.role === 'admin' && !before.disabled && (after.role !== 'admin' || after.disabled);
      if (losesAdmin && (await countOtherEnabledAdmins(trx, before.id)) === 0) return { kind: 'last-admin' } as const;
      await t
        .updateTable('users')
        .set({
          role: after.role,
          disabled: after.disabled ? 1 : 0,
          updated_at: change.now,
          ...(change.passwordHash ? { password_hash: change.passwordHash } : {}),
        })
        .where('id', '=', before.id)
        .execute();
      if (after.disabled && !before.disabled) {
        await t.deleteFrom('user_sessions').where('user_id', '=', before.id).execute();
        if (change.onDisable) await change.onDisable(trx as unknown as Transaction<Database>, withoutPassword({ ...before, ...after }));
      }
      if (change.passwordHash) {
        let q = t.deleteFrom('user_sessions').where('user_id', '=', before.id);
        if (change.keepSession) q = q.where('id_hash', '!=', change.keepSession);
        await q.execute();
      }
      return { kind: 'changed', user: withoutPassword({ ...before, ...after, updatedAt: change.now }) } as const;
    });
}

/** Deletes a user and the user's sessions; the same last-admin rule as `changeUser`; `onDelete` runs in the same transaction. */
export async function deleteUser(db: Kysely<Database>, email: string, onDelete?: UserLeaving): Promise<'deleted' | 'not-found' | 'last-admin'> {
  return users(db)
    .transaction()
    .execute(async (trx) => {
      const t = trx;
      const row = await t.selectFrom('users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
      if (!row) return 'not-found';
      const u = toUser(row);
      if (u.role === 'admin' && !u.disabled && (await countOtherEnabledAdmins(trx, u.id)) === 0) return 'last-admin';
      await t.deleteFrom('user_sessions').where('user_id', '=', u.id).execute();
      await t.deleteFrom('users').where('id', '=', u.id).execute();
      if (onDelete) await onDelete(trx as unknown as Transaction<Database>, withoutPassword(u));
      return 'deleted';
    });
}

/**
 * Enabled admins other than `id`, counted under a write lock on every enabled admin: two
 * admins demoting each other at once on PostgreSQL would otherwise both count the other
 * and both succeed. The no-op update takes the rows' locks on any database (SQLite has one
 * writer anyway); the second transaction waits, then counts what the first committed.
 */
async function countOtherEnabledAdmins(trx: Trx, id: number): Promise<number> {
  await trx
    .updateTable('users')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .execute();
  const r = await trx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .where('id', '!=', id)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Whether the user takes new cases; null when there is no such user. */
export async function setUserAvailability(db: Exec, email: string, available: boolean, now: number): Promise<UserRow | null> {
  const r = await users(db)
    .updateTable('users')
    .set({ available: available ? 1 : 0, updated_at: now })
    .where('email', '=', email)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return null;
  const u = await findUserByEmail(db, email);
  return u ? withoutPassword(u) : null;
}

export async function recordLogin(db: Exec, userId: number, now: number): Promise<void> {
  await users(db).updateTable('users').set({ last_login_at: now }).where('id', '=', userId).execute();
}

export interface SessionRow {
  readonly idHash: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly user: UserRow;
}

export async function insertSession(db: Exec, s: { idHash: string; userId: number; csrfToken: string; now: number; expiresAt: number }): Promise<void> {
  await users(db)
    .insertInto('user_sessions')
    .values({ id_hash: s.idHash, user_id: s.userId, csrf_token: s.csrfToken, created_at: s.now, last_seen_at: s.now, expires_at: s.expiresAt })
    .execute();
}

/** The session and its user as they are now (a role change applies at the next request). */
export async function findSession(db: Exec, idHash: string): Promise<SessionRow | null> {
  const r = await users(db)
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id_hash',
      's.csrf_token',
      's.created_at as s_created_at',
      's.last_seen_at',
      's.expires_at',
      'u.id',
      'u.email',
      'u.role',
      'u.password_hash',
      'u.disabled',
      'u.created_at',
      'u.updated_at',
      'u.last_login_at',
      'u.available',
    ])
    .where('s.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!r) return null;
  return {
    idHash: r.id_hash,
    csrfToken: r.csrf_token,
    createdAt: Number(r.s_created_at),
    lastSeenAt: Number(r.last_seen_at),
    expiresAt: Number(r.expires_at),
    user: withoutPassword(toUser(r)),
  };
}

export async function touchSession(db: Exec, idHash: string, now: number): Promise<void> {
  await users(db).updateTable('user_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Exec, idHash: string): Promise<void> {
  await users(db).deleteFrom('user_sessions').where('id_hash', '=', idHash).execute();
}

/** Sessions past their absolute expiry or idle since `idleSince`. */
export async function deleteStaleSessions(db: Exec, now: number, idleSince: number): Promise<number> {
  const r = await users(db)
    .deleteFrom('user_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleSince)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function countSessionsOfUser(db: Exec, email: string): Promise<number> {
  const r = await users(db)
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('u.email', '=', email)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The `secrets` row that holds the setup token while no user exists (see `shareSetupToken`). */
const SETUP_SECRET = 'setup-link';

/**
 * The setup token of the store, the same for every node that asks until the first admin
 * exists: the first to ask creates it (insert-if-absent on the secret's unique name), the
 * others read it. Only its hash is a valid token (`setup_tokens`); a hash left by an
 * earlier release, which made one per start, stops working.
 */
export async function shareSetupToken(db: Kysely<Database>, input: { generate: () => string; hash: (token: string) => string; now: number }): Promise<string> {
  await db
    .insertInto('secrets')
    .values({ name: SETUP_SECRET, value: input.generate() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const token = (await db.selectFrom('secrets').select('value').where('name', '=', SETUP_SECRET).executeTakeFirstOrThrow()).value;
  const hash = input.hash(token);
  await users(db)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('setup_tokens').where('hash', '<>', hash).execute();
      await trx
        .insertInto('setup_tokens')
        .values({ hash, created_at: input.now })
        .onConflict((oc) => oc.column('hash').doNothing())
        .execute();
    });
  return token;
}

/** Once a user exists no setup link is needed: nothing of one stays in the store. */
export async function dropSetupToken(db: Kysely<Database>): Promise<void> {
  await users(db)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('setup_tokens').execute();
      await trx.deleteFrom('secrets').where('name', '=', SETUP_SECRET).execute();
    });
}

export async function hasSetupToken(db: Exec): Promise<boolean> {
  return (await users(db).selectFrom('setup_tokens').select('hash').limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Creates the first admin with the setup token, in one transaction: the token is used up
 * (deleted) by the one request that wins, and only while the store has no users.
 */
export async function createFirstAdmin(
  db: Kysely<Database>,
  input: { tokenHash: string; email: string; passwordHash: string; now: number },
): Promise<'created' | 'users-exist' | 'bad-token'> {
  return users(db)
    .transaction()
    .execute(async (trx) => {
      if (
        Number(
          (
            await trx
              .selectFrom('users')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirst()
          )?.n ?? 0,
        ) > 0
      )
        return 'users-exist';
      const used = await trx.deleteFrom('setup_tokens').where('hash', '=', input.tokenHash).executeTakeFirst();
      if (Number(used.numDeletedRows) !== 1) return 'bad-token';
      await trx.deleteFrom('secrets').where('name', '=', SETUP_SECRET).execute();
      await insertUserIn(trx, { email: input.email, role: 'admin', passwordHash: input.passwordHash, now: input.now });
      return 'created';
    });
}
