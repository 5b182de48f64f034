import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

type Exec = Kysely<Database> | Transaction<Database>;

/** A console account as assignment sees it. */
export interface AgentStateRow {
  readonly email: string;
  readonly role: 'admin' | 'agent';
  readonly disabled: boolean;
  readonly available: boolean;
}

/** Every console account with its availability, read in the assigning transaction. */
export async function listAgentStates(db: Exec): Promise<AgentStateRow[]> {
  const rows = await db
    .withTables<{ users: { email: string; role: string; disabled: number; available: number } }>()
    .selectFrom('users')
    .select(['email', 'role', 'disabled', 'available'])
    .orderBy('email')
    .execute();
  return rows.map((r) => ({
    email: r.email,
    role: r.role === 'admin' ? 'admin' : 'agent',
    disabled: Number(r.disabled) === 1,
    available: Number(r.available) === 1,
  }));
}

/**
 * The channel's round-robin turn, locked until the transaction ends: a second node
 * assigning on the same channel waits here and then reads the turn the first one took,
 * so no turn is given twice. The no-op update takes the row's lock on any database
 * (SQLite has one writer anyway). Null: the channel has given no turn yet.
 */
export async function lockAssignmentTurn(trx: Transaction<Database>, channelId: string, now: number): Promise<string | null> {
  await trx
    .insertInto('desk_assignment_turns')
    .values({ channel_id: channelId, last_agent: null, updated_at: now })
    .onConflict((oc) => oc.column('channel_id').doNothing())
    .execute();
  await trx
    .updateTable('desk_assignment_turns')
    .set((eb) => ({ turns: eb.ref('turns') }))
    .where('channel_id', '=', channelId)
    .execute();
  const r = await trx.selectFrom('desk_assignment_turns').select('last_agent').where('channel_id', '=', channelId).executeTakeFirstOrThrow();
  return r.last_agent;
}

/** The turn given: call under the lock `lockAssignmentTurn` took, in the same transaction. */
export async function recordAssignmentTurn(trx: Transaction<Database>, channelId: string, agent: string, now: number): Promise<void> {
  await trx
    .updateTable('desk_assignment_turns')
    .set((eb) => ({ last_agent: agent, turns: eb('turns', '+', 1), updated_at: now }))
    .where('channel_id', '=', channelId)
    .execute();
}

/** How many turns a channel has given, and the last agent (for tests and the console). */
export async function loadAssignmentTurn(db: Exec, channelId: string): Promise<{ lastAgent: string | null; turns: number } | null> {
  const r = await db.selectFrom('desk_assignment_turns').select(['last_agent', 'turns']).where('channel_id', '=', channelId).executeTakeFirst();
  return r ? { lastAgent: r.last_agent, turns: Number(r.turns) } : null;
}

export async function setCaseAssignee(trx: Exec, caseId: number, assignee: string | null, now: number): Promise<void> {
  await trx.updateTable('desk_cases').set({ assignee, updated_at: now }).where('id', '=', caseId).execute();
}

/** Cases of this assignee that are not closed (a solved case still reopens on a reply), oldest first. */
export async function listUnclosedCasesOf(
  trx: Exec,
  assignee: string,
): Promise<{ id: number; number: number; channelId: string; subject: string; requester: string }[]> {
  const rows = await trx
    .selectFrom('desk_cases')
    .select(['id', 'number', 'channel_id', 'subject', 'requester_address'])
    .where('assignee', '=', assignee)
    .where('status', '!=', 'closed')
    .orderBy('number')
    .execute();
  return rows.map((r) => ({ id: r.id, number: r.number, channelId: r.channel_id, subject: r.subject, requester: r.requester_address }));
}

/** The text of a case's first received message: what keyword conditions read besides the subject. */
export async function loadFirstInboundText(db: Exec, caseId: number): Promise<string> {
  const r = await db
    .selectFrom('desk_messages')
    .select('text')
    .where('case_id', '=', caseId)
    .where('direction', '=', 'in')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return r?.text ?? '';
}

export interface CaseEventRow {
  readonly id: number;
  readonly at: number;
  readonly code: string;
  readonly summary: string;
  readonly data: Record<string, unknown>;
  readonly actor: string | null;
}

export async function insertCaseEvent(
  trx: Exec,
  e: { caseId: number; at: number; code: string; summary: string; data: Readonly<Record<string, unknown>>; actor: string | null },
): Promise<void> {
  await trx
    .insertInto('desk_case_events')
    .values({ case_id: e.caseId, at: e.at, code: e.code, summary: e.summary, data: JSON.stringify(e.data), actor: e.actor })
    .execute();
}

export async function loadCaseEvents(db: Exec, caseId: number): Promise<CaseEventRow[]> {
  const rows = await db.selectFrom('desk_case_events').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    code: r.code,
    summary: r.summary,
    data: JSON.parse(r.data) as Record<string, unknown>,
    actor: r.actor,
  }));
}
