import type { Kysely } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  const table = db.schema.createTable('login_failures');
  await (
    caps.autoIdType === 'integer'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey())
  )
    // "email:…" or "ip:…": the login limit counts failures per address and per client, in the
    // store so that every node behind one name counts the same failures.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_failures_key').on('login_failures').columns(['key', 'at']).execute();
  await db.schema.createIndex('login_failures_at').on('login_failures').column('at').execute();
}
