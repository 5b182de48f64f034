import type { FastifyRequest } from 'fastify';

export type Role = 'admin' | 'agent';

/**
 * Who is asking. A script with an API token today; a console user with a session once
 * the console arrives. Everything after authentication sees only this.
 */
export interface Principal {
  readonly kind: 'token' | 'session';
  /** The token's name, or the user's email. */
  readonly name: string;
  readonly role: Role;
}

/** How a principal reads in records it leaves (an answer's author, a webhook's creator). */
export const principalLabel = (p: Principal): string => (p.kind === 'token' ? `token:${p.name}` : p.name);

/**
 * One way to authenticate. `none`: this request does not use it (no such header or
 * cookie), so the next authenticator is asked; `refused`: it uses it, wrongly.
 */
export type AuthResult =
  { readonly kind: 'principal'; readonly principal: Principal } | { readonly kind: 'none' } | { readonly kind: 'refused'; readonly reason: string };

export type Authenticator = (req: FastifyRequest) => Promise<AuthResult>;
