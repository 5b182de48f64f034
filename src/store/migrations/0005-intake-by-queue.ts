import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  // The console follows one message into the desk ("test the route", the email log's trace):
  // what did the intake make of queue id X.
  await db.schema.createIndex('desk_intake_queue').on('desk_intake').column('queue_id').execute();
}
