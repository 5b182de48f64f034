import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  // The intake knows a message by its Message-ID and by what it says (its fingerprint), so
  // a different message that reuses a Message-ID is kept instead of dropped as a duplicate.
  // Intakes recorded before have no fingerprint; their dedupe key was the Message-ID itself
  // (or `sha256:` and a hash of the text when there was none).
  await db.schema.alterTable('desk_intake').addColumn('message_id', 'text').execute();
  await db.schema.alterTable('desk_intake').addColumn('fingerprint', 'text').execute();
  await db
    .updateTable('desk_intake')
    .set({ message_id: sql`dedupe_key` })
    .where('dedupe_key', 'not like', 'sha256:%')
    .execute();
  await db.schema.createIndex('desk_intake_message').on('desk_intake').columns(['channel_id', 'message_id']).execute();
  // Set on a received message whose Message-ID an earlier, different message already used.
  await db.schema
    .alterTable('desk_messages')
    .addColumn('message_id_reused', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The email log finds mail the desk set aside or could not process by its queue id.
  await db.schema.createIndex('desk_suspended_queue').on('desk_suspended').column('queue_id').execute();
  await db.schema.createIndex('desk_failed_queue').on('desk_failed').column('queue_id').execute();
}
