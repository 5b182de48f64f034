import type { Kysely } from 'kysely';

/**
 * Pacing per destination (a recipient domain), shared by every node of the store: a row of
 * state per destination (the minute's count, the slow-down after "try later" replies, what
 * the dashboard shows) and one row per connection slot, leased by a node until it expires.
 * Further per-destination state (a destination that does not answer) adds columns here.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('destinations')
    .addColumn('destination', 'text', (c) => c.primaryKey())
    .addColumn('minute_start', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('minute_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('slow_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('slow_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('try_later', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deferred', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_reason', 'text')
    .addColumn('last_reason_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('destination_slots')
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('until', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('destination_slots_pk', ['destination', 'slot'])
    .execute();
}
