import type { Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../schema.js';

export interface MailboxEntry {
  readonly id: number;
  readonly address: string;
  readonly queueId: string;
  readonly subject: string | null;
  readonly from: string | null;
  readonly date: string | null;
  readonly messageId: string | null;
  readonly spam: boolean;
  readonly storedAt: number;
}

export async function storeInMailbox(db: Db | Transaction<Database>, e: Omit<MailboxEntry, 'id'>): Promise<void> {
  await db
    .insertInto('mailbox_messages')
    .values({
      address: e.address,
      queue_id: e.queueId,
      subject: e.subject,
      from_addr: e.from,
      date: e.date,
      message_id: e.messageId,
      spam: e.spam ? 1 : 0,
      stored_at: e.storedAt,
    })
    .execute();
}

export async function listMailbox(db: Db, address: string, limit = 200): Promise<MailboxEntry[]> {
  const rows = await db.selectFrom('mailbox_messages').selectAll().where('address', '=', address.toLowerCase()).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    address: r.address,
    queueId: r.queue_id,
    subject: r.subject,
    from: r.from_addr,
    date: r.date,
    messageId: r.message_id,
    spam: r.spam === 1,
    storedAt: r.stored_at,
  }));
}
