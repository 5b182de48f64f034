/**
 * A store with cases opened before service targets, brought up to date: those cases have no
 * targets, no due times and no breach, so the sweep and the breached view leave them alone;
 * a case given a clock afterwards keeps it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgDatabase } from '../../../test/support/postgres.js';
import { DIALECTS } from '../../../test/support/relaydesk.js';
import { createPostgresDialect, postgresCaps } from '../dialects/postgres.js';
import { createSqliteDialect, sqliteCaps } from '../dialects/sqlite.js';
import {
  countBreachedCases,
  findUnrecordedBreaches,
  listCases,
  loadCaseByNumber,
  openStore,
  recordSlaBreach,
  saveCaseSla,
  type StoreHandle,
  type StoreLocation,
} from '../index.js';
import { migrationProvider } from './index.js';

describe.each(DIALECTS)('0017-case-sla on %s', (dialect) => {
  let store: StoreHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let loc: StoreLocation;
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema as it was before 0017 */
    let old: Kysely<any>;
    if (dialect === 'sqlite') {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-0017-'));
      loc = { dataDir };
      old = new Kysely({ dialect: createSqliteDialect(dataDir, false).dialect });
      cleanup = () => rm(dataDir, { recursive: true, force: true });
    } else {
      const pg = await freshPgDatabase();
      loc = { databaseUrl: pg.url };
      old = new Kysely({ dialect: createPostgresDialect(pg.url).dialect });
      cleanup = pg.drop;
    }
    const migrated = await new Migrator({ db: old, provider: migrationProvider(dialect === 'sqlite' ? sqliteCaps : postgresCaps) }).migrateTo(
      '0015-attachment-original-names',
    );
    expect(migrated.error).toBeUndefined();
    for (const number of [1001, 1002]) {
      await old
        .insertInto('desk_cases')
        .values({
          number,
          channel_id: 'ch',
          subject: 'Before targets',
          requester_name: '',
          requester_address: 'aiko@customer.example',
          status: 'open',
          assignee: null,
          linked_to: null,
          original_recipient: null,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
    }
    await old.destroy();
    store = await openStore(loc);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('leaves cases opened before without targets, out of the sweep and the breached view', async () => {
    const c = (await loadCaseByNumber(store.db, 1001))!;
    expect(c.sla).toEqual({
      targets: { firstResponse: null, resolution: null },
      elapsed: 0,
      runningSince: null,
      firstResponseAt: null,
      firstResponseDue: null,
      resolutionDue: null,
      breachedAt: { firstResponse: null, resolution: null },
    });
    expect(await findUnrecordedBreaches(store.db, Date.now(), 10)).toEqual([]);
    expect(await listCases(store.db, { sla: 'breached' })).toEqual([]);
    expect(await countBreachedCases(store.db)).toBe(0);
  });

  it('keeps a clock written afterwards, with instants past 2^31 ms, and records its breach once', async () => {
    const c = (await loadCaseByNumber(store.db, 1002))!;
    const due = Date.parse('2026-12-07T01:00:00Z');
    const clock = {
      targets: { firstResponse: 3_600_000, resolution: 86_400_000 },
      elapsed: 0,
      runningSince: due - 3_600_000,
      firstResponseAt: null,
      firstResponseDue: due,
      resolutionDue: due + 23 * 3_600_000,
    };
    await saveCaseSla(store.db, c.id, clock);
    expect((await loadCaseByNumber(store.db, 1002))!.sla).toEqual({ ...clock, breachedAt: { firstResponse: null, resolution: null } });
    expect(await findUnrecordedBreaches(store.db, due - 1, 10)).toEqual([]);
    expect(await findUnrecordedBreaches(store.db, due, 10)).toEqual([{ caseId: c.id, caseNumber: 1002, target: 'firstResponse', due }]);
    expect(await recordSlaBreach(store.db, c.id, 'firstResponse', due + 5)).toBe(true);
    expect(await recordSlaBreach(store.db, c.id, 'firstResponse', due + 6)).toBe(false);
    expect((await loadCaseByNumber(store.db, 1002))!.sla.breachedAt.firstResponse).toBe(due + 5);
    expect((await listCases(store.db, { sla: 'breached' })).map((x) => x.number)).toEqual([1002]);
  });
});
