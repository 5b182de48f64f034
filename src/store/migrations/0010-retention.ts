import { sql, type Kysely } from 'kysely';

/**
 * Retention: a purged message keeps its row in the email log with a summary of how each
 * delivery ended (`delivery_summary`, JSON), and one row per maintenance job holds the
 * lease that lets one node at a time run it, and the figures of its last run.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('delivery_summary', 'text').execute();
  // The purge looks for the oldest messages that still have a body. Purged rows stay in the
  // log for weeks; a partial index leaves them out, so no run walks past them.
  await db.schema.createIndex('messages_unpurged').on('messages').column('received_at').where(sql.ref('body_purged_at'), 'is', null).execute();
  await db.schema
    .createTable('maintenance')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_started_at', 'bigint')
    .addColumn('last_duration_ms', 'bigint')
    .addColumn('last_holder', 'text')
    .addColumn('last_counts', 'text')
    .execute();
  await db.insertInto('maintenance').values({ job: 'retention' }).execute();
}
