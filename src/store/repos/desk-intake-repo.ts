import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/**
 * What the intake did with each received message (one effect per channel and Message-ID),
 * the flood count it asks for, and the mark the console's desk events follow.
 */
type Exec = Kysely<Database> | Transaction<Database>;

/** New cases and leads opened for this requester since `since` (the flood limit counts both). */
export async function countRecentOpenedBy(db: Exec, address: string, since: number): Promise<number> {
  const a = address.toLowerCase();
  const c = await db.selectFrom('desk_cases').select((eb) => eb.fn.countAll<number>().as('n')).where('requester_address', '=', a).where('created_at', '>=', since).executeTakeFirst();
  const l = await db.selectFrom('desk_leads').select((eb) => eb.fn.countAll<number>().as('n')).where('email', '=', a).where('created_at', '>=', since).executeTakeFirst();
  return Number(c?.n ?? 0) + Number(l?.n ?? 0);
}

export async function findIntake(db: Exec, channelId: string, dedupeKey: string): Promise<{ id: number; effect: string; target: string | null } | null> {
  const r = await db.selectFrom('desk_intake').select(['id', 'effect', 'target']).where('channel_id', '=', channelId).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
  return r ?? null;
}

export async function recordIntake(trx: Exec, input: { channelId: string; dedupeKey: string; queueId: string; effect: string; target: string | null; now: number }): Promise<void> {
  await trx
    .insertInto('desk_intake')
    .values({ channel_id: input.channelId, dedupe_key: input.dedupeKey, queue_id: input.queueId, effect: input.effect, target: input.target, created_at: input.now })
    // A redo (recover, retry) replaces what the first intake did.
    .onConflict((oc) => oc.columns(['channel_id', 'dedupe_key']).doUpdateSet({ queue_id: input.queueId, effect: input.effect, target: input.target, created_at: input.now }))
    .execute();
}

export interface IntakeOfMessage {
  readonly channel: string;
  readonly effect: string;
  readonly caseNumber: number | null;
  readonly leadId: string | null;
}

/** What the desk made of one received message, per channel it reached. */
export async function loadIntakesOfMessage(db: Exec, queueId: string): Promise<IntakeOfMessage[]> {
  const rows = await db
    .selectFrom('desk_intake as i')
    .innerJoin('desk_channels as ch', 'ch.id', 'i.channel_id')
    .select(['ch.id as channelId', 'ch.name as channel', 'i.effect'])
    .where('i.queue_id', '=', queueId)
    .orderBy('i.id')
    .execute();
  if (rows.length === 0) return [];
  // Where the message was filed says which case or lead it went to, whatever the effect.
  const filed = await db
    .selectFrom('desk_messages as m')
    .leftJoin('desk_cases as c', 'c.id', 'm.case_id')
    .leftJoin('desk_leads as l', 'l.id', 'm.lead_id')
    .select(['c.number', 'c.channel_id as caseChannel', 'm.lead_id', 'l.channel_id as leadChannel'])
    .where('m.queue_id', '=', queueId)
    .where('m.direction', '=', 'in')
    .execute();
  return rows.map((r) => {
    // One channel took it (the usual case): its one filed copy is the answer, wherever it went.
    const mine = (f: (typeof filed)[number]) => rows.length === 1 || f.caseChannel === r.channelId || f.leadChannel === r.channelId;
    const onCase = filed.find((f) => f.number !== null && mine(f));
    const onLead = filed.find((f) => f.lead_id !== null && mine(f));
    return { channel: r.channel, effect: r.effect, caseNumber: onCase ? Number(onCase.number) : null, leadId: onLead ? String(onLead.lead_id) : null };
  });
}

/**
 * A mark that changes whenever the desk gains a message, a lead or a set-aside mail: the
 * newest id of each, read through their primary keys, so it costs the same at any size.
 */
export async function loadDeskMark(db: Exec): Promise<string> {
  const newest = async (table: 'desk_messages' | 'desk_leads' | 'desk_suspended' | 'desk_failed') => {
    const r = await db.selectFrom(table).select((eb) => eb.fn.max('id').as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  };
  return (await Promise.all([newest('desk_messages'), newest('desk_leads'), newest('desk_suspended'), newest('desk_failed')])).join('.');
}
