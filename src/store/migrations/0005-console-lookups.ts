import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  // The console follows one message into the desk ("test the route", the email log's trace):
  // what did the intake make of queue id X.
  await db.schema.createIndex('desk_intake_queue').on('desk_intake').column('queue_id').execute();
  await db.schema.createIndex('desk_messages_queue').on('desk_messages').column('queue_id').execute();
  // The case list's views page newest first by number within a status, an assignee or a
  // channel; without these a rare view ("mine", "pending") walks every case to fill a page.
  await db.schema.createIndex('desk_cases_status_number').on('desk_cases').columns(['status', 'number']).execute();
  await db.schema.createIndex('desk_cases_assignee_number').on('desk_cases').columns(['assignee', 'number']).execute();
  await db.schema.createIndex('desk_cases_channel_number').on('desk_cases').columns(['channel_id', 'number']).execute();
}
