import type { Kysely } from 'kysely';

/**
 * A case opened by the console's route test: kept (the route test panel links to it, and an
 * admin may want to see what the desk made of the mail) but closed at once and left out of
 * the case views and counts agents work from.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('desk_cases')
    .addColumn('is_test', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
