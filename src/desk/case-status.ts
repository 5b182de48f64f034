/**
 * The case status machine: new → open → pending → solved → closed. Agents move cases along
 * explicit edges; mail moves them automatically (a customer reply wakes a pending or solved
 * case). Closed is final: a reply to it opens a new case linked to the old one, so a closed
 * case's history (and any report built on it) never changes.
 */
import type { CaseStatus } from './model.js';

export const CASE_STATUSES: readonly CaseStatus[] = ['new', 'open', 'pending', 'solved', 'closed'];

/** Where an agent may move a case from each status. */
const AGENT_EDGES: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  new: ['open', 'pending', 'solved'],
  open: ['pending', 'solved'],
  pending: ['open', 'solved'],
  solved: ['open', 'closed'],
  closed: [],
};

export type CaseStatusEvent =
  /** An agent sets the status from the desk. */
  | { readonly kind: 'agent-set'; readonly to: CaseStatus }
  /** An agent's answer goes out; `--status pending|solved` may come with it. */
  | { readonly kind: 'agent-reply'; readonly status?: 'pending' | 'solved' }
  /** Human mail threaded into the case; who sent it decides whether it may wake the case. */
  | { readonly kind: 'inbound-reply'; readonly from: 'requester' | 'participant' | 'other' }
  /** The caller's timer: a case solved long enough ago is closed. */
  | { readonly kind: 'auto-close' };

export type CaseStatusChange =
  | { readonly kind: 'changed'; readonly from: CaseStatus; readonly to: CaseStatus }
  | { readonly kind: 'unchanged'; readonly status: CaseStatus }
  | { readonly kind: 'new-linked-case' }
  | { readonly kind: 'rejected'; readonly reason: string };

function moveTo(from: CaseStatus, to: CaseStatus): CaseStatusChange {
  return from === to ? { kind: 'unchanged', status: from } : { kind: 'changed', from, to };
}

export function applyStatusEvent(current: CaseStatus, event: CaseStatusEvent): CaseStatusChange {
  switch (event.kind) {
    case 'agent-set':
      if (event.to === current) return { kind: 'unchanged', status: current };
      return AGENT_EDGES[current].includes(event.to)
        ? { kind: 'changed', from: current, to: event.to }
        : {
            kind: 'rejected',
            reason: `a ${current} case cannot be set to ${event.to}; allowed: ${AGENT_EDGES[current].join(', ') || 'none (closed is final)'}`,
          };
    case 'agent-reply':
      if (current === 'closed') return { kind: 'rejected', reason: 'case is closed; answer in a new case instead' };
      // Answering a new case is taking it on; otherwise the status stays unless the agent sets one.
      return moveTo(current, event.status ?? (current === 'new' ? 'open' : current));
    case 'inbound-reply':
      if (current === 'closed') return { kind: 'new-linked-case' };
      // Someone outside the case could have guessed a [#N] token; they add mail but do not wake it.
      if (event.from === 'other') return { kind: 'unchanged', status: current };
      return current === 'pending' || current === 'solved' ? moveTo(current, 'open') : { kind: 'unchanged', status: current };
    case 'auto-close':
      return current === 'solved' ? moveTo(current, 'closed') : { kind: 'unchanged', status: current };
    default:
      return assertNever(event);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled case status event ${JSON.stringify(x)}`);
}
