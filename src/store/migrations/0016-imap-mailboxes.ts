import type { Kysely } from 'kysely';

/**
 * The IMAP mailbox a desk channel takes mail from: the UIDVALIDITY and the last UID taken
 * (written in the transaction that stores the message, so a UID is taken once), the node
 * that holds the mailbox now (a lease: one node at a time reads it) and how the last
 * attempts went, for the console.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imap_mailboxes')
    .addColumn('channel_id', 'text', (c) => c.primaryKey())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('uid_validity', 'bigint')
    .addColumn('last_uid', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('connected_at', 'bigint')
    .addColumn('last_taken_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
