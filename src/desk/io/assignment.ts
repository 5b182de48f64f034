import type { Config } from '../../config/index.js';
import {
  insertCaseEvent,
  listAgentStates,
  listUnclosedCasesOf,
  loadFirstInboundText,
  lockAssignmentTurn,
  recordAssignmentTurn,
  setCaseAssignee,
  type DbTransaction,
  type StoredChannel,
} from '../../store/index.js';
import { emitDeskEvent } from './webhooks.js';
import { assignmentEvent, channelAgents, decideAssignment, ruleMatches, type AssignDecision, type AssignmentEvent, type CaseFacts } from '../assign.js';

/** What assignment reads of the desk's configuration; a store without a desk section has none of it. */
type DeskConfig = Pick<NonNullable<Config['desk']>, 'channels' | 'assignment'>;
const NO_DESK: DeskConfig = { channels: [], assignment: [] };

/** Whether deciding for these facts may take a round-robin turn, so the channel's turn must be locked first. */
function needsTurn(desk: DeskConfig, channelName: string, facts: CaseFacts): boolean {
  const channel = desk.channels.find((c) => c.name === channelName);
  return (channel?.autoAssign ?? false) || desk.assignment.some((r) => 'roundRobin' in r.assign && ruleMatches(r.when, facts));
}

/**
 * Decides one case in the caller's transaction and carries it out: the assignee, the
 * event on the case, and the channel's turn when round-robin gave it. The turn is read
 * under its row's lock and moved in the same transaction.
 */
async function decideAndApply(
  trx: DbTransaction,
  desk: DeskConfig,
  x: { caseId: number; channel: { id: string; name: string }; facts: CaseFacts; now: number; exclude?: string; from?: string },
): Promise<{ decision: AssignDecision; event: AssignmentEvent | null }> {
  const channel = desk.channels.find((c) => c.name === x.channel.name);
  const agents = await listAgentStates(trx);
  const lastTurn = needsTurn(desk, x.channel.name, x.facts) ? await lockAssignmentTurn(trx, x.channel.id, x.now) : null;
  const decision = decideAssignment({
    facts: x.facts,
    rules: desk.assignment,
    channelAgents: channelAgents(channel?.agents ?? [], agents),
    autoAssign: channel?.autoAssign ?? false,
    agents,
    lastTurn,
    ...(x.exclude !== undefined ? { exclude: x.exclude } : {}),
  });
  const event = assignmentEvent(decision, x.from ?? null);
  if (decision.kind === 'agent') {
    await setCaseAssignee(trx, x.caseId, decision.agent, x.now);
    if (decision.via === 'round-robin') await recordAssignmentTurn(trx, x.channel.id, decision.agent, x.now);
  } else if (x.from !== undefined) {
    await setCaseAssignee(trx, x.caseId, null, x.now);
  }
  if (event) await insertCaseEvent(trx, { caseId: x.caseId, at: x.now, ...event, actor: null });
  return { decision, event };
}

/** A case the intake just opened: its assignee by the rules, in the intake's transaction. Null: nothing was asked for. */
export async function assignNewCase(
  trx: DbTransaction,
  desk: Config['desk'],
  x: { caseId: number; channel: StoredChannel; facts: CaseFacts; now: number },
): Promise<AssignmentEvent | null> {
  if (!desk) return null;
  return (await decideAndApply(trx, desk, x)).event;
}

/**
 * Everything `email` was working on (cases not closed), given to others by the same rules
 * without them, in the transaction that disables or removes them. A case nobody can take
 * becomes unassigned: it stays in the unassigned view, never lost. Each gets an event.
 */
export async function reassignCasesOf(
  trx: DbTransaction,
  desk: Config['desk'],
  x: { email: string; channels: readonly StoredChannel[]; now: number },
): Promise<{ reassigned: number; unassigned: number }> {
  const cases = await listUnclosedCasesOf(trx, x.email);
  const byId = new Map(x.channels.map((c) => [c.id, c]));
  // Turns are locked in one order, so two agents disabled at once cannot wait on each other.
  for (const id of [...new Set(cases.map((c) => c.channelId))].sort()) {
    if (desk && byId.has(id)) await lockAssignmentTurn(trx, id, x.now);
  }
  let reassigned = 0;
  let unassigned = 0;
  for (const c of cases) {
    const channel = byId.get(c.channelId) ?? { id: c.channelId, name: '' };
    const facts = { channel: channel.name, requester: c.requester, subject: c.subject, body: await loadFirstInboundText(trx, c.id) };
    const { decision } = await decideAndApply(trx, desk ?? NO_DESK, {
      caseId: c.id,
      channel,
      facts,
      now: x.now,
      exclude: x.email,
      from: x.email,
    });
    // Subscribers (a CRM, a chat channel) learn of the new assignee as of any other.
    await emitDeskEvent(trx, { type: 'case.updated', caseId: c.id, at: x.now, change: 'assignee' });
    if (decision.kind === 'agent') reassigned++;
    else unassigned++;
  }
  return { reassigned, unassigned };
}
