import { sql, type Kysely } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against the schema as it was */
export async function up(db: Kysely<any>, caps: DialectCaps): Promise<void> {
  const autoId = (name: string) =>
    caps.autoIdType === 'integer'
      ? db.schema.createTable(name).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : db.schema.createTable(name).addColumn('id', 'bigserial', (c) => c.primaryKey());

  await db.schema
    .createTable('desk_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('public_address', 'text')
    .addColumn('auto_acknowledge', 'integer', (c) => c.notNull())
    .addColumn('verification_state', 'text', (c) => c.notNull())
    .addColumn('verification_nonce', 'text')
    .addColumn('verification_queue_id', 'text')
    .addColumn('verification_sent_at', 'bigint')
    .addColumn('verified_at', 'bigint')
    .addColumn('verification_detail', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('desk_inbound_addresses')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('desk_channels.id'))
    .addColumn('retired', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();

  await autoId('desk_cases')
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('requester_name', 'text', (c) => c.notNull())
    .addColumn('requester_address', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('linked_to', 'integer')
    .addColumn('original_recipient', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('desk_cases_status').on('desk_cases').columns(['status', 'updated_at']).execute();
  await db.schema.createIndex('desk_cases_requester').on('desk_cases').columns(['requester_address', 'created_at']).execute();

  await db.schema
    .createTable('desk_participants')
    .addColumn('case_id', 'integer', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('desk_participants_pk', ['case_id', 'address'])
    .execute();

  await autoId('desk_leads')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('company', 'text')
    .addColumn('company_domain', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'integer')
    .addColumn('account_id', 'integer')
    .addColumn('opportunity_id', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('desk_leads_email').on('desk_leads').columns(['email', 'status']).execute();

  await autoId('desk_messages')
    .addColumn('case_id', 'integer')
    .addColumn('lead_id', 'integer')
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('in_reply_to', 'text')
    .addColumn('from_name', 'text')
    .addColumn('from_address', 'text')
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('queue_id', 'text')
    .addColumn('author', 'text')
    .addColumn('machine_kind', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('desk_messages_case').on('desk_messages').columns(['case_id', 'id']).execute();
  await db.schema.createIndex('desk_messages_lead').on('desk_messages').columns(['lead_id', 'id']).execute();
  await db.schema.createIndex('desk_messages_message_id').on('desk_messages').column('message_id').execute();

  await autoId('desk_attachments')
    .addColumn('desk_message_id', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content_id', 'text')
    .addColumn('inline', 'integer', (c) => c.notNull())
    .addColumn('content', sql.raw(caps.blobType))
    .execute();
  await db.schema.createIndex('desk_attachments_message').on('desk_attachments').column('desk_message_id').execute();

  await autoId('desk_intake')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('desk_intake_once', ['channel_id', 'dedupe_key'])
    .execute();

  await autoId('desk_suspended')
    .addColumn('channel_id', 'text')
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await autoId('desk_failed')
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await autoId('desk_accounts')
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('domain', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await autoId('desk_contacts')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await autoId('desk_opportunities')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('contact_id', 'integer', (c) => c.notNull())
    .addColumn('lead_id', 'integer', (c) => c.notNull())
    .addColumn('amount', 'real')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await autoId('desk_confirmations')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('forward_from', 'text')
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
