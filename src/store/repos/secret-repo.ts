import type { Db } from '../db.js';

/** A secret made once per installation (SRS key, session key); the first writer wins. */
export async function loadOrCreateSecret(db: Db, name: string, generate: () => string): Promise<string> {
  const existing = await db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.value;
  await db
    .insertInto('secrets')
    .values({ name, value: generate() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
