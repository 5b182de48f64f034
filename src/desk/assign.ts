/**
 * Who works a new case: the assignment rules in table order (first match wins), else
 * round-robin among the channel's available agents when the channel asks for it. Pure:
 * the caller gathers the facts, the agents and the channel's last turn, and carries out
 * the answer (the assignee, the event that says why, the turn that moved).
 */

export interface AssignmentCondition {
  /** A channel's name (case-insensitive). */
  readonly channel?: string;
  /** The requester's domain (case-insensitive, exact). */
  readonly requesterDomain?: string;
  /** Found in the subject or the body (case-insensitive). */
  readonly keyword?: string;
}

export interface AssignmentRule {
  readonly when: AssignmentCondition;
  readonly assign: { readonly agent: string } | { readonly roundRobin: true };
}

export interface AgentState {
  readonly email: string;
  readonly available: boolean;
  readonly disabled: boolean;
}

export interface CaseFacts {
  readonly channel: string;
  readonly requester: string;
  readonly subject: string;
  readonly body: string;
}

export interface AssignInput {
  readonly facts: CaseFacts;
  readonly rules: readonly AssignmentRule[];
  /** The channel's agents in turn order (`channelAgents`). */
  readonly channelAgents: readonly string[];
  /** Round-robin when no rule matches. */
  readonly autoAssign: boolean;
  /** Every console account, with its availability. */
  readonly agents: readonly AgentState[];
  /** The agent the channel's round-robin gave the last case to. */
  readonly lastTurn: string | null;
  /** Never chosen (an agent being disabled, whose cases move on). */
  readonly exclude?: string;
}

/** A rule passed over because its agent cannot take the case now. */
export interface PassedOver {
  /** 1-based, as the console and the events number rules. */
  readonly rule: number;
  readonly agent: string;
  readonly why: 'unavailable' | 'disabled' | 'unknown' | 'excluded';
}

export type AssignDecision =
  | { readonly kind: 'agent'; readonly agent: string; readonly via: 'rule'; readonly rule: number; readonly passedOver: readonly PassedOver[] }
  | {
      readonly kind: 'agent';
      readonly agent: string;
      readonly via: 'round-robin';
      /** The rule that asked for round-robin; null: the channel's autoAssign. */
      readonly rule: number | null;
      readonly passedOver: readonly PassedOver[];
    }
  /** Nothing asks for assignment: the case stays unassigned and nothing is said. */
  | { readonly kind: 'none'; readonly why: 'not-configured'; readonly passedOver: readonly PassedOver[] }
  /** Assignment was asked for, but no agent can take the case: unassigned, and said so. */
  | { readonly kind: 'none'; readonly why: 'no-agent-available'; readonly rule: number | null; readonly passedOver: readonly PassedOver[] };

const lower = (s: string) => s.toLowerCase();

export function ruleMatches(when: AssignmentCondition, facts: CaseFacts): boolean {
  if (when.channel !== undefined && lower(when.channel) !== lower(facts.channel)) return false;
  if (when.requesterDomain !== undefined) {
    const domain = facts.requester.slice(facts.requester.lastIndexOf('@') + 1);
    if (lower(domain) !== lower(when.requesterDomain)) return false;
  }
  if (when.keyword !== undefined) {
    const k = lower(when.keyword);
    if (!lower(facts.subject).includes(k) && !lower(facts.body).includes(k)) return false;
  }
  return true;
}

export function decideAssignment(input: AssignInput): AssignDecision {
  const byEmail = new Map(input.agents.map((a) => [lower(a.email), a]));
  const exclude = input.exclude === undefined ? null : lower(input.exclude);
  const why = (email: string): PassedOver['why'] | null => {
    const a = byEmail.get(lower(email));
    if (!a) return 'unknown';
    if (lower(email) === exclude) return 'excluded';
    if (a.disabled) return 'disabled';
    if (!a.available) return 'unavailable';
    return null;
  };
  const passedOver: PassedOver[] = [];
  const roundRobin = (rule: number | null): AssignDecision => {
    const agent = nextTurn(input.channelAgents, input.lastTurn, (e) => why(e) === null);
    return agent === null ? { kind: 'none', why: 'no-agent-available', rule, passedOver } : { kind: 'agent', agent, via: 'round-robin', rule, passedOver };
  };
  for (const [i, rule] of input.rules.entries()) {
    if (!ruleMatches(rule.when, input.facts)) continue;
    if ('roundRobin' in rule.assign) return roundRobin(i + 1);
    const cannot = why(rule.assign.agent);
    if (cannot === null) return { kind: 'agent', agent: lower(rule.assign.agent), via: 'rule', rule: i + 1, passedOver };
    // The named agent cannot take it now: the next rule decides, as if this one did not match.
    passedOver.push({ rule: i + 1, agent: lower(rule.assign.agent), why: cannot });
  }
  if (input.autoAssign) return roundRobin(null);
  return passedOver.length > 0 ? { kind: 'none', why: 'no-agent-available', rule: null, passedOver } : { kind: 'none', why: 'not-configured', passedOver };
}

/**
 * The first agent after `last` in the channel's turn order who can take a case, wrapping
 * round; the first who can when `last` is not in the list (a new channel, or a list that
 * changed). Keyed by the agent, not a position, so adding or removing an agent never
 * makes one take two turns in a row.
 */
export function nextTurn(order: readonly string[], last: string | null, canTake: (email: string) => boolean): string | null {
  if (order.length === 0) return null;
  const start = last === null ? -1 : order.findIndex((e) => lower(e) === lower(last));
  for (let step = 1; step <= order.length; step++) {
    const email = order[(start + step + order.length) % order.length]!;
    if (canTake(email)) return lower(email);
  }
  return null;
}

/**
 * A channel's agents in turn order: those its configuration lists, in that order, or
 * every console account with the agent role, by email, when it lists none.
 */
export function channelAgents(listed: readonly string[], accounts: readonly { email: string; role: 'admin' | 'agent' }[]): string[] {
  if (listed.length > 0) return listed.map(lower);
  return accounts
    .filter((a) => a.role === 'agent')
    .map((a) => lower(a.email))
    .sort();
}

/** The event a decision leaves on the case: a stable code, the values its sentence names, and the sentence. */
export interface AssignmentEvent {
  readonly code: 'case.assigned' | 'case.reassigned' | 'case.unassigned' | 'case.not_assigned' | 'case.assigned_by_hand' | 'case.unassigned_by_hand';
  readonly data: Readonly<Record<string, string | number | null>>;
  readonly summary: string;
}

/** The event for a decision; null when nothing was asked for (no event, as before assignment existed). */
export function assignmentEvent(d: AssignDecision, from: string | null = null): AssignmentEvent | null {
  const how = (rule: number | null, via: 'rule' | 'round-robin') =>
    via === 'rule' ? `by rule ${rule}` : rule === null ? "by round-robin (the channel's autoAssign)" : `by round-robin (rule ${rule})`;
  if (d.kind === 'agent') {
    const data = { agent: d.agent, via: d.via, rule: d.rule, ...(from === null ? {} : { from }) };
    return from === null
      ? { code: 'case.assigned', data, summary: `assigned to ${d.agent} ${how(d.rule, d.via)}` }
      : { code: 'case.reassigned', data, summary: `reassigned from ${from} (disabled) to ${d.agent} ${how(d.rule, d.via)}` };
  }
  if (from !== null) return { code: 'case.unassigned', data: { from }, summary: `${from} was disabled and no agent can take the case; it is unassigned` };
  if (d.why === 'not-configured') return null;
  return { code: 'case.not_assigned', data: { rule: d.rule }, summary: 'no agent is available to take the case; it is unassigned' };
}

/** The event of someone setting or clearing the assignee themselves; null when nothing changed. */
export function handAssignmentEvent(from: string | null, to: string | null, by: string): AssignmentEvent | null {
  if (from === to) return null;
  if (to === null) return { code: 'case.unassigned_by_hand', data: { from, by }, summary: `unassigned from ${from} by ${by}` };
  return { code: 'case.assigned_by_hand', data: { agent: to, from, by }, summary: `assigned to ${to} by ${by}` };
}
