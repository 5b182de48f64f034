import { describe, expect, it } from 'vitest';
import { applyStatusEvent, CASE_STATUSES, type CaseStatusChange, type CaseStatusEvent } from './case-status.js';
import type { CaseStatus } from './model.js';

describe('agent-set: the allowed edges, and every other move refused', () => {
  const allowed = new Set([
    'new>open',
    'new>pending',
    'new>solved',
    'open>pending',
    'open>solved',
    'pending>open',
    'pending>solved',
    'solved>open',
    'solved>closed',
  ]);
  const pairs = CASE_STATUSES.flatMap((from) => CASE_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', (from, to) => {
    const r = applyStatusEvent(from, { kind: 'agent-set', to });
    if (from === to) expect(r).toEqual({ kind: 'unchanged', status: from });
    else if (allowed.has(`${from}>${to}`)) expect(r).toEqual({ kind: 'changed', from, to });
    else expect(r.kind).toBe('rejected');
  });
  it('explains a refusal with what is allowed', () => {
    expect(applyStatusEvent('closed', { kind: 'agent-set', to: 'open' })).toEqual({
      kind: 'rejected',
      reason: 'a closed case cannot be set to open; allowed: none (closed is final)',
    });
  });
});

describe('automatic and reply events', () => {
  it.each<[CaseStatus, CaseStatusEvent, CaseStatusChange]>([
    // A requester's reply wakes a case waiting on them or solved; a closed case is final.
    ['new', { kind: 'inbound-reply', from: 'requester' }, { kind: 'unchanged', status: 'new' }],
    ['open', { kind: 'inbound-reply', from: 'requester' }, { kind: 'unchanged', status: 'open' }],
    ['pending', { kind: 'inbound-reply', from: 'requester' }, { kind: 'changed', from: 'pending', to: 'open' }],
    ['solved', { kind: 'inbound-reply', from: 'requester' }, { kind: 'changed', from: 'solved', to: 'open' }],
    ['closed', { kind: 'inbound-reply', from: 'requester' }, { kind: 'new-linked-case' }],
    ['solved', { kind: 'inbound-reply', from: 'participant' }, { kind: 'changed', from: 'solved', to: 'open' }],
    ['solved', { kind: 'inbound-reply', from: 'other' }, { kind: 'unchanged', status: 'solved' }],
    ['pending', { kind: 'inbound-reply', from: 'other' }, { kind: 'unchanged', status: 'pending' }],
    ['closed', { kind: 'inbound-reply', from: 'other' }, { kind: 'new-linked-case' }],
    // Agents answering.
    ['new', { kind: 'agent-reply' }, { kind: 'changed', from: 'new', to: 'open' }],
    ['open', { kind: 'agent-reply' }, { kind: 'unchanged', status: 'open' }],
    ['open', { kind: 'agent-reply', status: 'pending' }, { kind: 'changed', from: 'open', to: 'pending' }],
    ['new', { kind: 'agent-reply', status: 'solved' }, { kind: 'changed', from: 'new', to: 'solved' }],
    ['solved', { kind: 'agent-reply', status: 'solved' }, { kind: 'unchanged', status: 'solved' }],
    ['closed', { kind: 'agent-reply' }, { kind: 'rejected', reason: 'case is closed; answer in a new case instead' }],
    // The timer closes solved cases only.
    ['solved', { kind: 'auto-close' }, { kind: 'changed', from: 'solved', to: 'closed' }],
    ['pending', { kind: 'auto-close' }, { kind: 'unchanged', status: 'pending' }],
    ['closed', { kind: 'auto-close' }, { kind: 'unchanged', status: 'closed' }],
  ])('%s + %j', (status, event, expected) => expect(applyStatusEvent(status, event)).toEqual(expected));
});
