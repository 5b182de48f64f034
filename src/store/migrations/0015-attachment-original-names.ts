import type { Kysely } from 'kysely';

/**
 * The name an attachment was sent under, next to the safe base name the desk shows and saves
 * it as: null when the sender gave none, and for attachments stored before this column.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('desk_attachments').addColumn('original_filename', 'text').execute();
}
