import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database, DeskLeadTable } from '../schema.js';

/** Sales leads: one per new sales thread, moved along by agents and converted (migration 0002-desk). */
type Exec = Kysely<Database> | Transaction<Database>;

export interface LeadRow {
  readonly id: number;
  readonly channelId: string;
  readonly name: string;
  readonly email: string;
  readonly company: string | null;
  readonly companyDomain: string | null;
  readonly subject: string;
  readonly status: string;
  readonly contactId: number | null;
  readonly accountId: number | null;
  readonly opportunityId: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const toLead = (r: Selectable<DeskLeadTable>): LeadRow => ({
  id: r.id,
  channelId: r.channel_id,
  name: r.name,
  email: r.email,
  company: r.company,
  companyDomain: r.company_domain,
  subject: r.subject,
  status: r.status,
  contactId: r.contact_id,
  accountId: r.account_id,
  opportunityId: r.opportunity_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function loadLead(db: Exec, id: number): Promise<LeadRow | null> {
  const r = await db.selectFrom('desk_leads').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toLead(r) : null;
}

/** Newest first, in one query. */
export async function listLeads(db: Db, f: { status?: string; limit?: number } = {}): Promise<LeadRow[]> {
  let q = db.selectFrom('desk_leads').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  return (
    await q
      .orderBy('id', 'desc')
      .limit(Math.min(f.limit ?? 100, 1000))
      .execute()
  ).map(toLead);
}

export async function createLead(
  trx: Exec,
  input: { channelId: string; name: string; email: string; company: string | null; companyDomain: string | null; subject: string; now: number },
): Promise<number> {
  const row = await trx
    .insertInto('desk_leads')
    .values({
      channel_id: input.channelId,
      name: input.name.slice(0, 200),
      email: input.email.toLowerCase(),
      company: input.company,
      company_domain: input.companyDomain,
      subject: input.subject.slice(0, 998),
      status: 'new',
      contact_id: null,
      account_id: null,
      opportunity_id: null,
      created_at: input.now,
      updated_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function setLeadStatus(
  trx: Exec,
  input: { leadId: number; status: string; now: number; contactId?: number; accountId?: number; opportunityId?: number },
): Promise<void> {
  await trx
    .updateTable('desk_leads')
    .set({
      status: input.status,
      updated_at: input.now,
      ...(input.contactId !== undefined ? { contact_id: input.contactId } : {}),
      ...(input.accountId !== undefined ? { account_id: input.accountId } : {}),
      ...(input.opportunityId !== undefined ? { opportunity_id: input.opportunityId } : {}),
    })
    .where('id', '=', input.leadId)
    .execute();
}

export async function findLeadByMessageIds(db: Exec, channelId: string, ids: readonly string[]): Promise<LeadRow | null> {
  if (ids.length === 0) return null;
  const r = await db
    .selectFrom('desk_messages')
    .innerJoin('desk_leads', 'desk_leads.id', 'desk_messages.lead_id')
    .select('desk_leads.id')
    .where('desk_messages.message_id', 'in', ids.slice(0, 200))
    .where('desk_leads.channel_id', '=', channelId)
    .orderBy('desk_messages.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? loadLead(db, r.id) : null;
}

export async function findOpenLeadByEmail(db: Exec, channelId: string, email: string): Promise<LeadRow | null> {
  const r = await db
    .selectFrom('desk_leads')
    .select('id')
    .where('channel_id', '=', channelId)
    .where('email', '=', email.toLowerCase())
    .where('status', 'in', ['new', 'working', 'qualified'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? loadLead(db, r.id) : null;
}
