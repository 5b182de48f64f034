import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/**
 * What the intake did with each received message (one effect per channel, Message-ID and content),
 * the flood count it asks for, and the mark the console's desk events follow.
 */
type Exec = Kysely<Database> | Transaction<Database>;

/** New cases and leads opened for this requester since `since` (the flood limit counts both). */
export async function countRecentOpenedBy(db: Exec, address: string, since: number): Promise<number> {
  const a = address.toLowerCase();
  const c = await db
    .selectFrom('desk_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('requester_address', '=', a)
    .where('created_at', '>=', since)
    .where('is_test', '=', 0)
    .executeTakeFirst();
  const l = await db
    .selectFrom('desk_leads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('email', '=', a)
    .where('created_at', '>=', since)
    .executeTakeFirst();
  return Number(c?.n ?? 0) + Number(l?.n ?? 0);
}

/**
 * This channel's earlier intakes that may be the same message: under its Message-ID, with its
 * dedupe key (mail without a Message-ID), or of the same stored message (queue id).
 */
export async function findEarlierIntakes(
  db: Exec,
  channelId: string,
  m: { messageId: string | null; dedupeKey: string; queueId: string },
): Promise<{ id: number; queueId: string; fingerprint: string | null }[]> {
  return db
    .selectFrom('desk_intake')
    .select(['id', 'queue_id as queueId', 'fingerprint'])
    .where('channel_id', '=', channelId)
    .where((eb) =>
      eb.or([eb('dedupe_key', '=', m.dedupeKey), eb('queue_id', '=', m.queueId), ...(m.messageId === null ? [] : [eb('message_id', '=', m.messageId)])]),
    )
    .orderBy('id')
    .execute();
}

export interface IntakeRecord {
  readonly channelId: string;
  /** Unique per channel: the Message-ID and the fingerprint (the fingerprint alone without one). */
  readonly dedupeKey: string;
  readonly messageId: string | null;
  readonly fingerprint: string;
  readonly queueId: string;
  readonly effect: string;
  readonly target: string | null;
  /** Earlier intakes of this same message that this one replaces (a redo: recover, retry). */
  readonly replaces: readonly number[];
  readonly now: number;
}

export async function recordIntake(trx: Exec, input: IntakeRecord): Promise<void> {
  if (input.replaces.length > 0)
    await trx
      .deleteFrom('desk_intake')
      .where('channel_id', '=', input.channelId)
      .where('id', 'in', [...input.replaces])
      .execute();
  const row = {
    queue_id: input.queueId,
    message_id: input.messageId,
    fingerprint: input.fingerprint,
    effect: input.effect,
    target: input.target,
    created_at: input.now,
  };
  await trx
    .insertInto('desk_intake')
    .values({ channel_id: input.channelId, dedupe_key: input.dedupeKey, ...row })
    // Two nodes taking in copies of one message at once: the later effect is the one recorded.
    .onConflict((oc) => oc.columns(['channel_id', 'dedupe_key']).doUpdateSet(row))
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
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.max('id').as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  };
  return (await Promise.all([newest('desk_messages'), newest('desk_leads'), newest('desk_suspended'), newest('desk_failed')])).join('.');
}
