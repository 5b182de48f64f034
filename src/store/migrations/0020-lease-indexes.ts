import { sql, type Kysely } from 'kysely';

/**
 * Claimable deliveries by when they are due: a claim reads the first few in order and stops,
 * where the index on (status, next_attempt_at) made it gather every due row of both
 * statuses and sort them (a backlog of thousands, for each claim of a few hundred). The
 * claim names the statuses as the index does, literally, so that both databases use it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('deliveries_claimable')
    .on('deliveries')
    .column('next_attempt_at')
    .where(sql.ref('status'), 'in', sql`('queued', 'deferred')`)
    .execute();
}
