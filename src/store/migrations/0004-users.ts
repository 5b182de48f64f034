import type { Kysely } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  const autoId = (name: string) =>
    caps.autoIdType === 'integer'
      ? db.schema.createTable(name).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : db.schema.createTable(name).addColumn('id', 'bigserial', (c) => c.primaryKey());

  // The console's people. Emails are kept lowercased; the password is an argon2id PHC string.
  await autoId('users')
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint')
    .execute();

  // Only the SHA-256 of a session id is kept, so a copy of the database opens no session.
  // The CSRF token is kept as it is: the console reads it back with GET /api/session.
  await db.schema
    .createTable('user_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();

  // The one-time link that creates the first admin: its hash, replaced at each start
  // while the store has no users, deleted when used.
  await db.schema
    .createTable('setup_tokens')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
