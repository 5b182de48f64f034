import { sql, type Kysely } from 'kysely';

/**
 * The traffic rollup reads one minute of attempt outcomes (and of spam holds) each minute.
 * Through the index on `at` alone it read every trace line of the minute, about seven per
 * message, to keep one: at 200 msgs/s that was some 50,000 rows and 90 ms during which the
 * store answered nothing else, every minute. These indexes hold only the lines it counts (one
 * per attempt, one per hold), with what it reads of them. The rollup names the codes as the
 * indexes do, literally, so that both databases use them.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('trace_events_outcomes')
    .on('trace_events')
    .columns(['at', 'code', 'delivery_id'])
    .where(sql.ref('code'), 'in', sql`('queue.delivered', 'queue.deferred', 'queue.bounced', 'queue.expired')`)
    .execute();
  await db.schema
    .createIndex('trace_events_held')
    .on('trace_events')
    .columns(['at', 'queue_id'])
    .where(sql.ref('code'), '=', sql`'queue.held'`)
    .execute();
}
