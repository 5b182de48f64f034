import { describe, expect, it } from 'vitest';
import { assignmentEvent, channelAgents, decideAssignment, nextTurn, ruleMatches, type AgentState, type AssignInput } from './assign.js';

const facts = { channel: 'Support', requester: 'kim@customer.example', subject: 'Invoice 42 is wrong', body: 'Please look at the attached bill.' };
const agent = (email: string, more: Partial<AgentState> = {}): AgentState => ({ email, available: true, disabled: false, ...more });
const base: AssignInput = {
  facts,
  rules: [],
  channelAgents: ['amy@solarmora.com', 'ben@solarmora.com', 'cho@solarmora.com'],
  autoAssign: true,
  agents: [agent('amy@solarmora.com'), agent('ben@solarmora.com'), agent('cho@solarmora.com')],
  lastTurn: null,
};

/** Runs `n` cases through the round-robin, carrying the turn from one to the next as the store does. */
function run(input: AssignInput, n: number): string[] {
  const out: string[] = [];
  let lastTurn = input.lastTurn;
  for (let i = 0; i < n; i++) {
    const d = decideAssignment({ ...input, lastTurn });
    if (d.kind !== 'agent') throw new Error(`case ${i}: ${d.why}`);
    out.push(d.agent);
    if (d.via === 'round-robin') lastTurn = d.agent;
  }
  return out;
}

describe('round-robin', () => {
  it('gives consecutive cases to each agent in turn, evenly over many cases', () => {
    const got = run(base, 300);
    expect(got.slice(0, 4)).toEqual(['amy@solarmora.com', 'ben@solarmora.com', 'cho@solarmora.com', 'amy@solarmora.com']);
    const counts = new Map<string, number>();
    for (const a of got) counts.set(a, (counts.get(a) ?? 0) + 1);
    expect([...counts.values()]).toEqual([100, 100, 100]);
    // Never the same agent twice in a row while another can take it.
    expect(got.every((a, i) => i === 0 || a !== got[i - 1])).toBe(true);
  });

  it('skips unavailable and disabled agents, and the one being excluded', () => {
    const agents = [agent('amy@solarmora.com'), agent('ben@solarmora.com', { available: false }), agent('cho@solarmora.com', { disabled: true })];
    expect(run({ ...base, agents }, 3)).toEqual(['amy@solarmora.com', 'amy@solarmora.com', 'amy@solarmora.com']);
    const two = [agent('amy@solarmora.com'), agent('ben@solarmora.com', { available: false }), agent('cho@solarmora.com')];
    expect(run({ ...base, agents: two }, 4)).toEqual(['amy@solarmora.com', 'cho@solarmora.com', 'amy@solarmora.com', 'cho@solarmora.com']);
    expect(run({ ...base, exclude: 'AMY@solarmora.com', lastTurn: 'ben@solarmora.com' }, 2)).toEqual(['cho@solarmora.com', 'ben@solarmora.com']);
  });

  it('stays fair when agents come and go: whoever is next after the last turn', () => {
    const order = ['amy@solarmora.com', 'ben@solarmora.com', 'cho@solarmora.com'];
    expect(nextTurn(order, 'ben@solarmora.com', () => true)).toBe('cho@solarmora.com');
    expect(nextTurn(order, 'cho@solarmora.com', () => true)).toBe('amy@solarmora.com');
    // The last turn's agent left the list: start at the top rather than guess.
    expect(nextTurn(order, 'gone@solarmora.com', () => true)).toBe('amy@solarmora.com');
    expect(nextTurn(order, 'amy@solarmora.com', (e) => e === 'amy@solarmora.com')).toBe('amy@solarmora.com');
    expect(nextTurn([], null, () => true)).toBeNull();
  });

  it('leaves the case unassigned, and says so, when nobody can take it', () => {
    const agents = base.agents.map((a) => ({ ...a, available: false }));
    expect(decideAssignment({ ...base, agents })).toEqual({ kind: 'none', why: 'no-agent-available', rule: null, passedOver: [] });
    expect(decideAssignment({ ...base, channelAgents: [] }).kind).toBe('none');
  });

  it('does nothing when neither a rule nor the channel asks for it', () => {
    const d = decideAssignment({ ...base, autoAssign: false });
    expect(d).toEqual({ kind: 'none', why: 'not-configured', passedOver: [] });
    expect(assignmentEvent(d)).toBeNull();
  });
});

describe('rules, in table order', () => {
  it('matches channel, requester domain and keyword (subject or body), case-insensitively, all given conditions at once', () => {
    expect(ruleMatches({}, facts)).toBe(true);
    expect(ruleMatches({ channel: 'support' }, facts)).toBe(true);
    expect(ruleMatches({ channel: 'Sales' }, facts)).toBe(false);
    expect(ruleMatches({ requesterDomain: 'CUSTOMER.example' }, facts)).toBe(true);
    expect(ruleMatches({ requesterDomain: 'example' }, facts)).toBe(false);
    expect(ruleMatches({ keyword: 'INVOICE' }, facts)).toBe(true);
    expect(ruleMatches({ keyword: 'bill' }, facts)).toBe(true);
    expect(ruleMatches({ keyword: 'refund' }, facts)).toBe(false);
    expect(ruleMatches({ channel: 'Support', keyword: 'refund' }, facts)).toBe(false);
  });

  it('the first rule that matches decides', () => {
    const d = decideAssignment({
      ...base,
      rules: [
        { when: { keyword: 'refund' }, assign: { agent: 'amy@solarmora.com' } },
        { when: { keyword: 'invoice' }, assign: { agent: 'ben@solarmora.com' } },
        { when: {}, assign: { agent: 'cho@solarmora.com' } },
      ],
    });
    expect(d).toEqual({ kind: 'agent', agent: 'ben@solarmora.com', via: 'rule', rule: 2, passedOver: [] });
    expect(assignmentEvent(d)).toEqual({
      code: 'case.assigned',
      data: { agent: 'ben@solarmora.com', via: 'rule', rule: 2 },
      summary: 'assigned to ben@solarmora.com by rule 2',
    });
  });

  it('passes over a rule whose agent cannot take the case, and says why', () => {
    const agents = [agent('amy@solarmora.com', { available: false }), agent('ben@solarmora.com'), agent('cho@solarmora.com')];
    const d = decideAssignment({
      ...base,
      agents,
      autoAssign: false,
      rules: [
        { when: { channel: 'Support' }, assign: { agent: 'amy@solarmora.com' } },
        { when: { channel: 'Support' }, assign: { roundRobin: true } },
      ],
      lastTurn: 'cho@solarmora.com',
    });
    // amy is next after cho, but unavailable: ben.
    expect(d).toEqual({
      kind: 'agent',
      agent: 'ben@solarmora.com',
      via: 'round-robin',
      rule: 2,
      passedOver: [{ rule: 1, agent: 'amy@solarmora.com', why: 'unavailable' }],
    });
    expect(assignmentEvent(d)?.summary).toBe('assigned to ben@solarmora.com by round-robin (rule 2)');
    const alone = decideAssignment({ ...base, agents, autoAssign: false, rules: [{ when: {}, assign: { agent: 'amy@solarmora.com' } }] });
    expect(alone).toEqual({ kind: 'none', why: 'no-agent-available', rule: null, passedOver: [{ rule: 1, agent: 'amy@solarmora.com', why: 'unavailable' }] });
    expect(assignmentEvent(alone)?.code).toBe('case.not_assigned');
  });

  it('falls back to the channel round-robin when no rule matches', () => {
    const d = decideAssignment({ ...base, rules: [{ when: { keyword: 'refund' }, assign: { agent: 'cho@solarmora.com' } }] });
    expect(d).toMatchObject({ kind: 'agent', agent: 'amy@solarmora.com', via: 'round-robin', rule: null });
  });

  it('says what a reassignment did when an agent was disabled', () => {
    const moved = decideAssignment({ ...base, exclude: 'amy@solarmora.com' });
    expect(assignmentEvent(moved, 'amy@solarmora.com')).toEqual({
      code: 'case.reassigned',
      data: { agent: 'ben@solarmora.com', via: 'round-robin', rule: null, from: 'amy@solarmora.com' },
      summary: "reassigned from amy@solarmora.com (disabled) to ben@solarmora.com by round-robin (the channel's autoAssign)",
    });
    const none = decideAssignment({ ...base, channelAgents: ['amy@solarmora.com'], exclude: 'amy@solarmora.com' });
    expect(assignmentEvent(none, 'amy@solarmora.com')).toMatchObject({ code: 'case.unassigned', data: { from: 'amy@solarmora.com' } });
  });
});

describe('channelAgents', () => {
  const accounts = [
    { email: 'zed@solarmora.com', role: 'agent' as const },
    { email: 'root@solarmora.com', role: 'admin' as const },
    { email: 'amy@solarmora.com', role: 'agent' as const },
  ];
  it('is the listed agents in their order, or every agent account by email', () => {
    expect(channelAgents(['Zed@solarmora.com', 'root@solarmora.com'], accounts)).toEqual(['zed@solarmora.com', 'root@solarmora.com']);
    expect(channelAgents([], accounts)).toEqual(['amy@solarmora.com', 'zed@solarmora.com']);
  });
});
