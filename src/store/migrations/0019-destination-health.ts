import type { Kysely } from 'kysely';

/**
 * A destination that does not answer: connection failures in a row, and once there are
 * enough of them the time it went down, when it is probed next (and the probe's interval,
 * doubled after each failed probe), and the one node probing it now (under a lease, so a
 * node that dies probing does not keep the destination down).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, type] of [
    ['failures', 'integer'],
    ['probe_interval', 'bigint'],
  ] as const)
    await db.schema
      .alterTable('destinations')
      .addColumn(name, type, (c) => c.notNull().defaultTo(0))
      .execute();
  for (const [name, type] of [
    ['down_since', 'bigint'],
    ['probe_at', 'bigint'],
    ['probe_owner', 'text'],
    ['probe_until', 'bigint'],
  ] as const)
    await db.schema.alterTable('destinations').addColumn(name, type).execute();
}
