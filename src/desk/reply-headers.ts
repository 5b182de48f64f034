/**
 * Threading and loop-prevention headers for mail the desk sends: acknowledgements and agents'
 * replies. Clients thread on In-Reply-To/References; our loop header lets intake drop our own
 * mail if it ever comes back; acks say Auto-Submitted so well-behaved responders stay silent.
 */

export type HeaderField = readonly [name: string, value: string];

export interface ReplyHeadersInput {
  /** Message-IDs of the case's messages, in and out, oldest → newest. */
  readonly caseMessageIds: readonly string[];
  /** The message being answered; '' when there is none (a case opened without one). */
  readonly inReplyTo: string;
  readonly ourMessageId: string;
  readonly loopId: string;
  readonly kind: 'ack' | 'reply';
}

/**
 * References keep the thread's root and the most recent ids: clients need the root and the
 * parent to thread, and a case with hundreds of messages must not make a header of kilobytes.
 */
export const MAX_REFERENCES = 20;

const MSG_ID_RE = /^<[^<>\s]+@[^<>\s]+>$/;
const LOOP_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** `id@host` or `<id@host>` → `<id@host>`; null when it is no Message-ID (spaces, CR/LF, brackets). */
export function normalizeMessageId(id: string): string | null {
  const t = id.trim();
  const bracketed = t.startsWith('<') ? t : `<${t}>`;
  return MSG_ID_RE.test(bracketed) ? bracketed : null;
}

/** The ids to put in References: first + last (MAX_REFERENCES − 1), the parent last, each once. */
export function capReferences(ids: readonly string[], parent: string | null): string[] {
  const seen = new Set<string>();
  const chain: string[] = [];
  for (const raw of ids) {
    const id = normalizeMessageId(raw);
    if (id === null || id === parent || seen.has(id)) continue;
    seen.add(id);
    chain.push(id);
  }
  if (parent !== null) chain.push(parent);
  if (chain.length <= MAX_REFERENCES) return chain;
  return [chain[0]!, ...chain.slice(chain.length - (MAX_REFERENCES - 1))];
}

/**
 * The header fields, values unfolded (the composer folds long lines). Our own ids and loop id
 * are checked strictly, since they are ours; ids from the case that are malformed are skipped.
 * No `Precedence`: RFC 3834 advises against it, and `Auto-Submitted` says the same thing.
 */
export function replyHeaders(input: ReplyHeadersInput): HeaderField[] {
  const own = normalizeMessageId(input.ourMessageId);
  if (own === null) throw new RangeError(`our Message-ID "${input.ourMessageId}" is not of the form <id@host>`);
  if (!LOOP_ID_RE.test(input.loopId)) throw new RangeError(`loop id "${input.loopId}" must be 1-64 of [A-Za-z0-9._-]`);
  const parent = input.inReplyTo.trim() === '' ? null : normalizeMessageId(input.inReplyTo);
  const refs = capReferences(input.caseMessageIds, parent);

  const headers: HeaderField[] = [['Message-ID', own]];
  if (parent !== null) headers.push(['In-Reply-To', parent]);
  if (refs.length > 0) headers.push(['References', refs.join(' ')]);
  switch (input.kind) {
    case 'ack':
      headers.push(['Auto-Submitted', 'auto-replied'], ['X-Auto-Response-Suppress', 'All']);
      break;
    case 'reply':
      // A person wrote this answer: RFC 3834 says Auto-Submitted would be wrong, and auto-responders may answer it.
      break;
    default:
      return assertNever(input.kind);
  }
  headers.push(['X-Relaydesk-Loop', input.loopId]);
  return headers;
}

function assertNever(x: never): never {
  throw new Error(`unhandled reply kind ${JSON.stringify(x)}`);
}
