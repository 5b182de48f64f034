import type { Kysely } from 'kysely';

/**
 * A case's service targets (SLA): the targets it opened with, its clock (business time counted,
 * running since when), its first answer, its due times and when each breach was recorded.
 * The due times are indexed for the sweep that finds breaches, the breach times for the
 * breached view and its count. Cases opened before have no targets.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, type] of [
    ['sla_first_response_target', 'bigint'],
    ['sla_resolution_target', 'bigint'],
    ['sla_running_since', 'bigint'],
    ['first_response_at', 'bigint'],
    ['sla_first_response_due', 'bigint'],
    ['sla_resolution_due', 'bigint'],
    ['sla_first_response_breached_at', 'bigint'],
    ['sla_resolution_breached_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('desk_cases').addColumn(name, type).execute();
  }
  await db.schema
    .alterTable('desk_cases')
    .addColumn('sla_elapsed', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('desk_cases_sla_first_response_due').on('desk_cases').column('sla_first_response_due').execute();
  await db.schema.createIndex('desk_cases_sla_resolution_due').on('desk_cases').column('sla_resolution_due').execute();
  await db.schema.createIndex('desk_cases_sla_first_response_breached').on('desk_cases').column('sla_first_response_breached_at').execute();
  await db.schema.createIndex('desk_cases_sla_resolution_breached').on('desk_cases').column('sla_resolution_breached_at').execute();
}
