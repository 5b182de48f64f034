import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { RelaydeskError } from '../../base/errors.js';
import type { Db } from '../db.js';

export interface StoredConfig {
  readonly version: number;
  readonly yaml: string;
  readonly appliedAt: number;
  readonly appliedBy: string;
}

/** Asked often by a running server: compiled once, not built anew each time. */
const VERSION_QUERY = CompiledQuery.raw('select max(version) as v from config_versions');

/**
 * Versions saved by this process. A reader that remembers the version it last read may
 * keep it while this count is unchanged: a save here shows at once, one by another process
 * only when the reader asks the store again.
 */
let savesHere = 0;

export function configSavesInThisProcess(): number {
  return savesHere;
}

export async function loadConfigVersion(db: Db): Promise<number> {
  const r = await db.executeQuery<{ v: number | null }>(VERSION_QUERY);
  return Number(r.rows[0]?.v ?? 0);
}

export async function loadCurrentConfig(db: Db): Promise<StoredConfig | null> {
  const row = await db.selectFrom('config_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? { version: row.version, yaml: row.yaml, appliedAt: row.applied_at, appliedBy: row.applied_by } : null;
}

/**
 * Saves a new version if nobody else applied one since `basedOn`; the primary key on
 * `version` makes two concurrent applies collide instead of one silently winning.
 */
export async function saveConfigVersion(
  db: Db,
  input: { basedOn: number; yaml: string; appliedBy: string; summary: string; now: number },
  /** More writes that belong to the same change (desk channels), in the same transaction. */
  alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>,
): Promise<number> {
  const version = input.basedOn + 1;
  try {
    await db.transaction().execute(async (trx) => {
      const current = Number(
        (
          await trx
            .selectFrom('config_versions')
            .select((eb) => eb.fn.max('version').as('v'))
            .executeTakeFirst()
        )?.v ?? 0,
      );
      if (current !== input.basedOn) throw new ConflictSignal(current);
      await trx
        .insertInto('config_versions')
        .values({ version, yaml: input.yaml, applied_at: input.now, applied_by: input.appliedBy, summary: input.summary })
        .execute();
      if (alsoInTransaction) await alsoInTransaction(trx);
    });
    savesHere++;
  } catch (e) {
    if (e instanceof ConflictSignal) {
      throw new RelaydeskError(
        'CONFLICT',
        `the configuration changed while this one was prepared (now version ${e.current}, expected ${input.basedOn}); apply again`,
      );
    }
    throw e;
  }
  return version;
}

class ConflictSignal extends Error {
  constructor(readonly current: number) {
    super('conflict');
  }
}

export async function listConfigVersions(db: Db, limit = 50): Promise<{ version: number; appliedAt: number; appliedBy: string; summary: string }[]> {
  const rows = await db
    .selectFrom('config_versions')
    .select(['version', 'applied_at', 'applied_by', 'summary'])
    .orderBy('version', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ version: r.version, appliedAt: r.applied_at, appliedBy: r.applied_by, summary: r.summary }));
}

/** The text of the given versions, for those not read before. */
export async function loadConfigTexts(db: Db, versions: readonly number[]): Promise<Map<number, string>> {
  if (versions.length === 0) return new Map();
  const rows = await db
    .selectFrom('config_versions')
    .select(['version', 'yaml'])
    .where('version', 'in', [...versions])
    .execute();
  return new Map(rows.map((r) => [r.version, r.yaml]));
}
