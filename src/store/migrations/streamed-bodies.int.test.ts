/**
 * 0008 moves every stored body and attachment into chunks: nothing accepted before the
 * upgrade is lost, on either database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { readAll, wholeMessage } from '../../base/message-source.js';
import { freshPgDatabase } from '../../../test/support/postgres.js';
import { DIALECTS } from '../../../test/support/relaydesk.js';
import { createPostgresDialect, postgresCaps } from '../dialects/postgres.js';
import { createSqliteDialect, sqliteCaps } from '../dialects/sqlite.js';
import { openBlob } from '../repos/blob-repo.js';
import { loadSource } from '../repos/message-repo.js';
import { openStore, type StoreLocation } from '../db.js';
import { migrationProvider } from './index.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the schema as it was before 0008 */
describe.each(DIALECTS)('migration 0008 on %s', (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('moves message bodies and attachments into chunks, byte for byte', async () => {
    let loc: StoreLocation;
    let old: Kysely<any>;
    if (dialect === 'sqlite') {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-mig-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      loc = { dataDir };
      old = new Kysely<any>({ dialect: createSqliteDialect(dataDir, false).dialect });
    } else {
      const pg = await freshPgDatabase();
      cleanups.push(pg.drop);
      loc = { databaseUrl: pg.url };
      old = new Kysely<any>({ dialect: createPostgresDialect(pg.url).dialect });
    }
    const caps = dialect === 'sqlite' ? { ...sqliteCaps, relaxedCommits: false } : postgresCaps;
    const to0007 = await new Migrator({ db: old, provider: migrationProvider(caps) }).migrateTo('0007-webhook-deliveries');
    expect(to0007.error).toBeUndefined();

    const big = Buffer.concat([Buffer.from('Subject: big\r\nFrom: a@b\r\n\r\n'), randomBytes(700 * 1024)]);
    const small = Buffer.from('Subject: small\r\n\r\nhello\r\n');
    const bodies: [string, Buffer][] = [
      ['Q1BIG', big],
      ['Q2SMALL', small],
    ];
    for (const [queueId, raw] of bodies) {
      await old
        .insertInto('messages')
        .values({
          queue_id: queueId,
          message_id: null,
          mail_from: 'a@b',
          helo: 'h',
          client_ip: '127.0.0.1',
          size: raw.length,
          subject: null,
          header_from: null,
          received_at: 1,
          config_version: 1,
          spam: 0,
          spam_score: 0,
          spam_reasons: '[]',
          auth_results: '{}',
        })
        .execute();
      await old.insertInto('message_bodies').values({ queue_id: queueId, raw }).execute();
    }
    const attachment = randomBytes(300 * 1024);
    await old
      .insertInto('desk_attachments')
      .values({
        desk_message_id: 1,
        filename: 'a.bin',
        content_type: 'application/octet-stream',
        size: attachment.length,
        content_id: null,
        inline: 0,
        content: attachment,
      })
      .execute();
    await old
      .insertInto('desk_attachments')
      .values({ desk_message_id: 1, filename: 'left-out.bin', content_type: 'application/octet-stream', size: 5, content_id: null, inline: 0, content: null })
      .execute();
    await old.destroy();

    const store = await openStore(loc);
    cleanups.unshift(() => store.close());
    for (const [queueId, raw] of bodies) {
      const s = await loadSource(store.db, queueId);
      expect((await readAll(wholeMessage(s!.source), 1 << 24)).equals(raw)).toBe(true);
    }
    expect(await store.db.selectFrom('blob_chunks').select('seq').where('blob_id', '=', 'Q1BIG').execute()).toHaveLength(1 + 3);
    const atts = await store.db.selectFrom('desk_attachments').select(['filename', 'blob_id']).orderBy('id').execute();
    expect(atts[1]).toEqual({ filename: 'left-out.bin', blob_id: null });
    expect((await readAll(openBlob(store.db, atts[0]!.blob_id!), 1 << 24)).equals(attachment)).toBe(true);
  });
});
