/**
 * A store with attachments kept before their names as sent were, brought up to date: they
 * read with no name as sent, and new attachments keep theirs.
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
import { insertDeskMessage, loadDeskMessages, openStore, type StoreHandle, type StoreLocation } from '../index.js';
import { migrationProvider } from './index.js';

describe.each(DIALECTS)('0015-attachment-original-names on %s', (dialect) => {
  let store: StoreHandle;
  let cleanup: () => Promise<void>;
  let oldMessage: number;

  beforeAll(async () => {
    let loc: StoreLocation;
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema as it was before 0015 */
    let old: Kysely<any>;
    if (dialect === 'sqlite') {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-0015-'));
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
      '0013-destinations',
    );
    expect(migrated.error).toBeUndefined();
    const row = await old
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
        queue_id: null,
        author: null,
        machine_kind: null,
        created_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    oldMessage = Number(row.id);
    await old
      .insertInto('desk_attachments')
      .values({ desk_message_id: oldMessage, filename: 'scan.png', content_type: 'image/png', size: 0, content_id: null, inline: 0, blob_id: null })
      .execute();
    await old.destroy();
    store = await openStore(loc);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('reads an attachment kept before with no name as sent, and keeps the name of a new one', async () => {
    await insertDeskMessage(store.db, {
      caseId: 1,
      leadId: null,
      direction: 'in',
      messageId: '<new@customer.example>',
      inReplyTo: null,
      from: null,
      recipients: { to: [], cc: [] },
      subject: 's',
      text: 't',
      html: null,
      queueId: null,
      author: null,
      machineKind: null,
      now: 2,
      attachments: [
        {
          filename: 'scan.png',
          originalFilename: 'C:\\TEMP\\scan.png',
          contentType: 'image/png',
          size: 1,
          contentId: null,
          inline: false,
          content: { bytes: Buffer.from('x') },
        },
      ],
    });
    const [before, after] = await loadDeskMessages(store.db, { caseId: 1 });
    expect(before!.id).toBe(oldMessage);
    expect(before!.attachments.map((a) => [a.filename, a.originalFilename])).toEqual([['scan.png', null]]);
    expect(after!.attachments.map((a) => [a.filename, a.originalFilename])).toEqual([['scan.png', 'C:\\TEMP\\scan.png']]);
  });
});
