/**
 * A store with intakes recorded before fingerprints were kept, brought up to date: the
 * intake still finds them by Message-ID (or, without one, by the stored message's queue id).
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
import { findEarlierIntakes, openStore, type StoreHandle, type StoreLocation } from '../index.js';
import { migrationProvider } from './index.js';

describe.each(DIALECTS)('0009-intake-fingerprint on %s', (dialect) => {
  let store: StoreHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let loc: StoreLocation;
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema as it was before 0009 */
    let old: Kysely<any>;
    if (dialect === 'sqlite') {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-0009-'));
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
      '0007-webhook-deliveries',
    );
    expect(migrated.error).toBeUndefined();
    await old
      .insertInto('desk_intake')
      .values([
        { channel_id: 'ch', dedupe_key: '<old@customer.example>', queue_id: 'OLDQ1', effect: 'new-case', target: '1', created_at: 1 },
        { channel_id: 'ch', dedupe_key: 'sha256:0123abcd', queue_id: 'OLDQ2', effect: 'new-case', target: '2', created_at: 2 },
      ])
      .execute();
    await old
      .insertInto('desk_messages')
      .values({
        case_id: 1,
        lead_id: null,
        direction: 'in',
        message_id: '<old@customer.example>',
        in_reply_to: null,
        from_name: null,
        from_address: null,
        recipients: '{"to":[],"cc":[]}',
        subject: 's',
        text: 't',
        html: null,
        queue_id: 'OLDQ1',
        author: null,
        machine_kind: null,
        created_at: 1,
      })
      .execute();
    await old.destroy();
    store = await openStore(loc);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('finds an intake recorded before by its Message-ID, without a fingerprint', async () => {
    const found = await findEarlierIntakes(store.db, 'ch', {
      messageId: '<old@customer.example>',
      dedupeKey: '<old@customer.example> sha256:ffff',
      queueId: 'NEWQ',
    });
    expect(found).toEqual([{ id: expect.any(Number), queueId: 'OLDQ1', fingerprint: null }]);
  });

  it('finds an intake of mail without a Message-ID recorded before by its queue id only', async () => {
    expect(await findEarlierIntakes(store.db, 'ch', { messageId: null, dedupeKey: 'sha256:ffff', queueId: 'NEWQ' })).toEqual([]);
    expect(await findEarlierIntakes(store.db, 'ch', { messageId: null, dedupeKey: 'sha256:ffff', queueId: 'OLDQ2' })).toEqual([
      { id: expect.any(Number), queueId: 'OLDQ2', fingerprint: null },
    ]);
  });

  it('marks messages stored before as not reusing a Message-ID', async () => {
    const row = await store.db.selectFrom('desk_messages').select('message_id_reused').executeTakeFirstOrThrow();
    expect(Number(row.message_id_reused)).toBe(0);
  });
});
