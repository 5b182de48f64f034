/**
 * The codes of refusals the API answers (a 4xx or 503 problem body's `reason`) and the names of
 * their values. The body keeps its English `error`; the console says the refusal from its
 * dictionary (`refusal.<code>`) and shows `error` for a code it has no entry for.
 */
import type { TextValue } from './trace-texts.js';

export const REFUSAL_TEXTS = {
  'invalid-request': ['count', 'detail'],
  'not-authenticated': [],
  'not-logged-in': [],
  'session-user-gone': [],
  'bad-credentials': [],
  'csrf-missing': [],
  forbidden: [],
  'store-unavailable': [],
  'request-refused': [],
  internal: [],
  'message-not-found': ['queueId'],
  'case-not-found': ['number'],
  'lead-not-found': ['id'],
  'user-not-found': ['email'],
  'token-not-found': ['name'],
  'webhook-not-found': ['id'],
  'suspended-not-found': ['id'],
  'failed-not-found': ['id'],
  'quarantined-not-found': ['queueId'],
  'channel-unknown': ['channel'],
  'case-status-not-allowed': ['number', 'from', 'to'],
  'case-closed': ['number'],
  'answer-empty': [],
  'answer-no-public-address': ['channel'],
  'answer-unreachable': ['addresses'],
  'last-admin': [],
  'user-exists': ['email'],
  'password-too-short': ['minimum'],
  'password-wrong': [],
  'setup-done': [],
  'token-exists': ['name'],
} as const satisfies Record<string, readonly string[]>;

export type RefusalCode = keyof typeof REFUSAL_TEXTS;

/** A refusal's code and values. */
export interface RefusalText {
  readonly code: string;
  readonly params: Readonly<Record<string, TextValue>>;
}

/** A refusal's text with exactly the values its code names. */
export function refusalText<C extends RefusalCode>(code: C, params: { readonly [K in (typeof REFUSAL_TEXTS)[C][number]]: TextValue }): RefusalText {
  return { code, params };
}
