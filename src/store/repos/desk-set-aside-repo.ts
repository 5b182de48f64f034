import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database, DeskFailedTable, DeskSuspendedTable } from '../schema.js';

type Exec = Kysely<Database> | Transaction<Database>;

/** Mail the desk set aside: machine mail with no case to attach to, loops, floods. */
export interface SuspendedRow {
  readonly id: number;
  readonly channelId: string | null;
  readonly queueId: string;
  readonly recipient: string;
  readonly reason: string;
  readonly detail: string;
  readonly from: string | null;
  readonly subject: string | null;
  readonly state: string;
  readonly createdAt: number;
}

export async function insertSuspended(trx: Exec, s: Omit<SuspendedRow, 'id' | 'state'>): Promise<number> {
  const row = await trx
    .insertInto('desk_suspended')
    .values({
      channel_id: s.channelId,
      queue_id: s.queueId,
      recipient: s.recipient,
      reason: s.reason,
      detail: s.detail.slice(0, 2000),
      from_address: s.from,
      subject: s.subject?.slice(0, 998) ?? null,
      state: 'suspended',
      created_at: s.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const toSuspended = (r: Selectable<DeskSuspendedTable>): SuspendedRow => ({
  id: r.id,
  channelId: r.channel_id,
  queueId: r.queue_id,
  recipient: r.recipient,
  reason: r.reason,
  detail: r.detail,
  from: r.from_address,
  subject: r.subject,
  state: r.state,
  createdAt: r.created_at,
});

export async function listSuspended(db: Db, limit = 200): Promise<SuspendedRow[]> {
  const rows = await db.selectFrom('desk_suspended').selectAll().where('state', '=', 'suspended').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toSuspended);
}

export async function loadSuspended(db: Exec, id: number): Promise<SuspendedRow | null> {
  const r = await db.selectFrom('desk_suspended').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toSuspended(r) : null;
}

export async function setSuspendedState(db: Exec, id: number, state: 'recovered' | 'deleted'): Promise<boolean> {
  const r = await db.updateTable('desk_suspended').set({ state }).where('id', '=', id).where('state', '=', 'suspended').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Messages the desk could not process: the dead-letter list. */
export interface FailedRow {
  readonly id: number;
  readonly queueId: string;
  readonly recipient: string;
  readonly error: string;
  readonly state: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export async function insertFailed(db: Exec, f: { queueId: string; recipient: string; error: string; now: number }): Promise<number> {
  const row = await db
    .insertInto('desk_failed')
    .values({ queue_id: f.queueId, recipient: f.recipient, error: f.error.slice(0, 4000), state: 'failed', attempts: 1, created_at: f.now, updated_at: f.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const toFailed = (r: Selectable<DeskFailedTable>): FailedRow => ({
  id: r.id,
  queueId: r.queue_id,
  recipient: r.recipient,
  error: r.error,
  state: r.state,
  attempts: r.attempts,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listFailed(db: Db, limit = 200): Promise<FailedRow[]> {
  const rows = await db.selectFrom('desk_failed').selectAll().where('state', '=', 'failed').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toFailed);
}

export async function loadFailed(db: Exec, id: number): Promise<FailedRow | null> {
  const r = await db.selectFrom('desk_failed').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toFailed(r) : null;
}

/**
 * What the desk set aside (suspended) or could not process (failed) of one received message,
 * in every state: the email log shows it even after it was recovered, retried or deleted.
 */
export async function loadSetAsideOfMessage(db: Exec, queueId: string): Promise<{ suspended: SuspendedRow[]; failed: FailedRow[] }> {
  const [suspended, failed] = await Promise.all([
    db.selectFrom('desk_suspended').selectAll().where('queue_id', '=', queueId).orderBy('id').execute(),
    db.selectFrom('desk_failed').selectAll().where('queue_id', '=', queueId).orderBy('id').execute(),
  ]);
  return { suspended: suspended.map(toSuspended), failed: failed.map(toFailed) };
}

export async function updateFailed(db: Exec, input: { id: number; state: 'failed' | 'resolved'; error?: string; now: number }): Promise<void> {
  await db
    .updateTable('desk_failed')
    .set((eb) => ({
      state: input.state,
      updated_at: input.now,
      attempts: eb('attempts', '+', 1),
      ...(input.error !== undefined ? { error: input.error.slice(0, 4000) } : {}),
    }))
    .where('id', '=', input.id)
    .execute();
}

export async function insertConfirmation(
  trx: Exec,
  c: { channelId: string; code: string; url: string | null; forwardFrom: string | null; queueId: string; now: number },
): Promise<void> {
  await trx
    .insertInto('desk_confirmations')
    .values({ channel_id: c.channelId, code: c.code, url: c.url, forward_from: c.forwardFrom, queue_id: c.queueId, created_at: c.now })
    .execute();
}

export async function listConfirmations(
  db: Db,
  channelId: string,
): Promise<{ code: string; url: string | null; forwardFrom: string | null; createdAt: number }[]> {
  const rows = await db.selectFrom('desk_confirmations').selectAll().where('channel_id', '=', channelId).orderBy('id', 'desc').limit(10).execute();
  return rows.map((r) => ({ code: r.code, url: r.url, forwardFrom: r.forward_from, createdAt: r.created_at }));
}

/** Contacts, accounts (by company) and opportunities that converted leads become. */
export async function findAccountByName(db: Exec, name: string): Promise<{ id: number } | null> {
  return (await db.selectFrom('desk_accounts').select('id').where('name', '=', name).executeTakeFirst()) ?? null;
}
export async function findContactByEmail(db: Exec, email: string): Promise<{ id: number } | null> {
  return (await db.selectFrom('desk_contacts').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst()) ?? null;
}
export async function createAccount(db: Exec, a: { name: string; domain: string | null; now: number }): Promise<number> {
  return (await db.insertInto('desk_accounts').values({ name: a.name, domain: a.domain, created_at: a.now }).returning('id').executeTakeFirstOrThrow()).id;
}
export async function createContact(db: Exec, c: { name: string; email: string; accountId: number | null; now: number }): Promise<number> {
  return (
    await db
      .insertInto('desk_contacts')
      .values({ name: c.name, email: c.email.toLowerCase(), account_id: c.accountId, created_at: c.now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}
export async function createOpportunity(
  db: Exec,
  o: { name: string; accountId: number; contactId: number; leadId: number; amount: number | null; stage: string; now: number },
): Promise<number> {
  return (
    await db
      .insertInto('desk_opportunities')
      .values({ name: o.name, account_id: o.accountId, contact_id: o.contactId, lead_id: o.leadId, amount: o.amount, stage: o.stage, created_at: o.now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}
export async function loadConversion(db: Exec, leadId: number): Promise<{ contact: unknown; account: unknown; opportunity: unknown } | null> {
  const lead = await db.selectFrom('desk_leads').select(['contact_id', 'account_id', 'opportunity_id']).where('id', '=', leadId).executeTakeFirst();
  if (!lead?.opportunity_id) return null;
  return {
    contact: await db
      .selectFrom('desk_contacts')
      .selectAll()
      .where('id', '=', lead.contact_id ?? -1)
      .executeTakeFirst(),
    account: await db
      .selectFrom('desk_accounts')
      .selectAll()
      .where('id', '=', lead.account_id ?? -1)
      .executeTakeFirst(),
    opportunity: await db.selectFrom('desk_opportunities').selectAll().where('id', '=', lead.opportunity_id).executeTakeFirst(),
  };
}
