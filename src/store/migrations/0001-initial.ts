import { sql, type Kysely } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  const autoId = (t: any) =>
    caps.autoIdType === 'integer'
      ? t.addColumn('id', 'integer', (c: any) => c.primaryKey().autoIncrement())
      : t.addColumn('id', 'bigserial', (c: any) => c.primaryKey());

  await db.schema
    .createTable('config_versions')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('yaml', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addColumn('applied_by', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('queue_id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text')
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('helo', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('header_from', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('config_version', 'integer', (c) => c.notNull())
    .addColumn('spam', 'integer', (c) => c.notNull())
    .addColumn('spam_score', 'real', (c) => c.notNull())
    .addColumn('spam_reasons', 'text', (c) => c.notNull())
    .addColumn('auth_results', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_message_id').on('messages').column('message_id').execute();
  await db.schema.createIndex('messages_received_at').on('messages').column('received_at').execute();

  await db.schema
    .createTable('message_bodies')
    .addColumn('queue_id', 'text', (c) => c.primaryKey().references('messages.queue_id').onDelete('cascade'))
    .addColumn('raw', sql.raw(caps.blobType), (c) => c.notNull())
    .execute();

  await autoId(db.schema.createTable('deliveries'))
    .addColumn('queue_id', 'text', (c: any) => c.notNull().references('messages.queue_id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c: any) => c.notNull())
    .addColumn('original_recipient', 'text', (c: any) => c.notNull())
    .addColumn('transport', 'text', (c: any) => c.notNull())
    .addColumn('route', 'text')
    .addColumn('require_tls', 'integer', (c: any) => c.notNull())
    .addColumn('suppress_bounces', 'integer', (c: any) => c.notNull())
    .addColumn('spam_flag', 'integer', (c: any) => c.notNull())
    .addColumn('transform', 'text', (c: any) => c.notNull())
    .addColumn('rules', 'text', (c: any) => c.notNull())
    .addColumn('status', 'text', (c: any) => c.notNull())
    .addColumn('hold_reason', 'text')
    .addColumn('attempts', 'integer', (c: any) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c: any) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('last_reply', 'text')
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('deliveries_queue_id').on('deliveries').column('queue_id').execute();

  await autoId(db.schema.createTable('trace_events'))
    .addColumn('queue_id', 'text', (c: any) => c.notNull())
    .addColumn('delivery_id', 'integer')
    .addColumn('at', 'bigint', (c: any) => c.notNull())
    .addColumn('code', 'text', (c: any) => c.notNull())
    .addColumn('summary', 'text', (c: any) => c.notNull())
    .addColumn('data', 'text', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('trace_events_queue_id').on('trace_events').columns(['queue_id', 'id']).execute();

  await autoId(db.schema.createTable('mailbox_messages'))
    .addColumn('address', 'text', (c: any) => c.notNull())
    .addColumn('queue_id', 'text', (c: any) => c.notNull().references('messages.queue_id'))
    .addColumn('subject', 'text')
    .addColumn('from_addr', 'text')
    .addColumn('date', 'text')
    .addColumn('message_id', 'text')
    .addColumn('spam', 'integer', (c: any) => c.notNull())
    .addColumn('stored_at', 'bigint', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('mailbox_messages_address').on('mailbox_messages').columns(['address', 'id']).execute();

  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
