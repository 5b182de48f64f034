/**
 * Who did something, as the records keep it: a configuration version's `appliedBy`, a case
 * message's `author`, a webhook's `createdBy`. The ids are written by whoever acts:
 *
 *   web:EMAIL        a console account, through the console (a configuration it saved)
 *   EMAIL            a console account (an answer, a note, a rotation, a webhook it added)
 *   token:NAME       a script with an API token
 *   cli:USER         the command line, run by that system user
 *   desk rotate      the command line's rotation, from before it named its user
 *   system           the desk itself (notes it adds)
 *   auto-acknowledgement  the desk's acknowledgement of a new case
 *
 * `describeActor` reads one back as a kind and a name, which the console words in its language.
 */

export const ACTOR_KINDS = ['console', 'api-token', 'cli', 'system', 'acknowledgement', 'unknown'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface ActorDisplay {
  readonly kind: ActorKind;
  /** The account's email, the token's name or the system user; null when the kind says it all. */
  readonly name: string | null;
}

/** The id a console account or an API token leaves in the configuration's history. */
export function configActorId(principal: { readonly kind: 'token' | 'session'; readonly name: string }): string {
  return principal.kind === 'token' ? `token:${principal.name}` : `web:${principal.name}`;
}

export function describeActor(id: string): ActorDisplay {
  const colon = id.indexOf(':');
  const prefix = colon > 0 ? id.slice(0, colon) : '';
  const rest = id.slice(colon + 1).trim();
  if (prefix === 'web' && rest !== '') return { kind: 'console', name: rest };
  if (prefix === 'token' && rest !== '') return { kind: 'api-token', name: rest };
  if (prefix === 'cli') return { kind: 'cli', name: rest === '' ? null : rest };
  if (id === 'desk rotate') return { kind: 'cli', name: null };
  if (id === 'system') return { kind: 'system', name: null };
  if (id === 'auto-acknowledgement') return { kind: 'acknowledgement', name: null };
  // An account's email, as answers and notes carry it.
  if (colon < 0 && /^[^\s@]+@[^\s@]+$/.test(id)) return { kind: 'console', name: id };
  return { kind: 'unknown', name: id };
}

/** The actor in English words, for the command line (the console words it from its dictionaries). */
export function actorInEnglish(actor: ActorDisplay): string {
  const name = actor.name ?? '';
  switch (actor.kind) {
    case 'console':
      return `${name} (console)`;
    case 'api-token':
      return `${name} (API token)`;
    case 'cli':
      return name === '' ? 'command line' : `${name} (command line)`;
    case 'system':
      return 'Relaydesk (automatic)';
    case 'acknowledgement':
      return 'automatic acknowledgement';
    case 'unknown':
      return name;
  }
}
