import type { Kysely } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';

/**
 * Automatic assignment: whether a console account takes new cases now (`available`, on by
 * default so that nothing changes for existing accounts), each channel's round-robin turn,
 * and the case's history of who was given it and why.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('available', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // One row per channel; the assigning transaction locks it, so two nodes never give the same turn twice.
  await db.schema
    .createTable('desk_assignment_turns')
    .addColumn('channel_id', 'text', (c) => c.primaryKey())
    .addColumn('last_agent', 'text')
    .addColumn('turns', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  const events =
    caps.autoIdType === 'integer'
      ? db.schema.createTable('desk_case_events').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : db.schema.createTable('desk_case_events').addColumn('id', 'bigserial', (c) => c.primaryKey());
  await events
    .addColumn('case_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .execute();
  await db.schema.createIndex('desk_case_events_case').on('desk_case_events').columns(['case_id', 'id']).execute();
}
