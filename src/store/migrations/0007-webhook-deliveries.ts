import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  // A webhook's deliveries are queue deliveries whose recipient is the subscription's id:
  // the console shows each subscription's latest one without reading the whole queue.
  await db.schema.createIndex('deliveries_transport_recipient').on('deliveries').columns(['transport', 'recipient', 'id']).execute();
}
