import { sql, type Kysely } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';

/**
 * Message bodies and desk attachments move from one blob per row into chunks
 * (`blob_chunks`), so that no reader or writer needs a whole message in memory. A
 * message is the blob named by its queue id: chunk 0 its header block, chunks 1… its
 * body. `spool` marks blobs still being written (DATA under way), so what a broken
 * session leaves behind can be found and removed.
 */

/** The size migrated bodies are cut into; the same as the server writes. */
const CHUNK = 256 * 1024;
const BATCH = 50;

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  await db.schema
    .createTable('blob_chunks')
    .addColumn('blob_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', sql.raw(caps.blobType), (c) => c.notNull())
    .addPrimaryKeyConstraint('blob_chunks_pk', ['blob_id', 'seq'])
    .execute();
  await db.schema
    .createTable('spool')
    .addColumn('blob_id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('spool_started_at').on('spool').column('started_at').execute();
  await db.schema.alterTable('messages').addColumn('body_purged_at', 'bigint').execute();
  await db.schema.alterTable('desk_attachments').addColumn('blob_id', 'text').execute();

  let after = '';
  for (;;) {
    const rows: { queue_id: string; raw: Uint8Array }[] = await db
      .selectFrom('message_bodies')
      .select(['queue_id', 'raw'])
      .where('queue_id', '>', after)
      .orderBy('queue_id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const raw = Buffer.from(r.raw);
      const end = headerEnd(raw);
      const parts = [raw.subarray(0, end)];
      for (let at = end; at < raw.length; at += CHUNK) parts.push(raw.subarray(at, Math.min(raw.length, at + CHUNK)));
      for (const [seq, data] of parts.entries()) await db.insertInto('blob_chunks').values({ blob_id: r.queue_id, seq, data }).execute();
    }
    after = rows[rows.length - 1]!.queue_id;
  }
  await db.schema.dropTable('message_bodies').execute();

  let lastId = 0;
  for (;;) {
    const rows: { id: number; content: Uint8Array | null }[] = await db
      .selectFrom('desk_attachments')
      .select(['id', 'content'])
      .where('id', '>', lastId)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const id = Number(r.id);
      if (r.content) {
        const content = Buffer.from(r.content);
        const blobId = `att-${id}`;
        for (let at = 0, seq = 0; at < content.length || seq === 0; at += CHUNK, seq++) {
          await db
            .insertInto('blob_chunks')
            .values({ blob_id: blobId, seq, data: content.subarray(at, Math.min(content.length, at + CHUNK)) })
            .execute();
        }
        await db.updateTable('desk_attachments').set({ blob_id: blobId }).where('id', '=', id).execute();
      }
      lastId = id;
    }
  }
  await db.schema.alterTable('desk_attachments').dropColumn('content').execute();
}

/** As the server splits a message: the header block with its blank line, then the body. */
function headerEnd(raw: Buffer): number {
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  const crlf = raw.indexOf('\r\n\r\n');
  return crlf >= 0 ? crlf + 4 : raw.length;
}
