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

/** Secrets the configuration names (IMAP passwords), by name; absent names are not in the map. */
export async function loadSecrets(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('secrets').select(['name', 'value']).where('name', 'in', names).execute();
  return new Map(rows.map((r) => [r.name, r.value]));
}

/** Stores and drops secrets in the caller's transaction (the configuration version that names them). */
export async function writeSecrets(db: Db, put: readonly { name: string; value: string }[], drop: readonly string[]): Promise<void> {
  if (drop.length > 0) await db.deleteFrom('secrets').where('name', 'in', drop).execute();
  for (const s of put) {
    await db
      .insertInto('secrets')
      .values(s)
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: s.value }))
      .execute();
  }
}
