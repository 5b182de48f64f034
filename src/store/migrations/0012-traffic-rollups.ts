import type { Kysely } from 'kysely';

/**
 * The dashboard's figures: one row per minute (counts rolled up from the messages, the trace
 * and the cases, and the queue as it was sampled), and the health of each next hop. The
 * rollup job writes them under a lease of its own; retention drops them after `retention.stats`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('traffic_minutes')
    .addColumn('minute', 'bigint', (c) => c.primaryKey())
    .addColumn('accepted', 'integer', (c) => c.notNull())
    .addColumn('delivered', 'integer', (c) => c.notNull())
    .addColumn('deferred', 'integer', (c) => c.notNull())
    .addColumn('bounced', 'integer', (c) => c.notNull())
    .addColumn('spam_held', 'integer', (c) => c.notNull())
    .addColumn('cases_opened', 'integer', (c) => c.notNull())
    .addColumn('queue_size', 'integer')
    .addColumn('oldest_deferred_ms', 'bigint')
    .addColumn('rolled_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('traffic_hops')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('deferred', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('traffic_hops_pk', ['kind', 'name'])
    .execute();
  // A rollup reads one minute of the trace and of the cases at a time; without these it
  // would read the whole table every minute.
  await db.schema.createIndex('trace_events_at').on('trace_events').column('at').execute();
  await db.schema.createIndex('desk_cases_created_at').on('desk_cases').column('created_at').execute();
  await db.insertInto('maintenance').values({ job: 'traffic-rollup' }).execute();
}
