import type { Principal } from '../auth/principal.js';

/**
 * What a request wants to do. Admins may do everything; agents work the desk (cases,
 * leads, suspended and failed mail) and may read channels, but not change channels,
 * tokens, webhooks, the console's users, the configuration, the quarantine, the email log or the traffic dashboard. Pure: the route pipeline asks, the answer is a value.
 */
export type Action =
  | 'desk.read'
  | 'desk.write'
  | 'channel.read'
  | 'channel.manage'
  | 'token.manage'
  | 'webhook.manage'
  | 'user.manage'
  | 'config.manage'
  | 'quarantine.manage'
  | 'log.read'
  | 'stats.read'
  | 'self.read';

export const ADMIN_ONLY: ReadonlySet<Action> = new Set<Action>([
  'channel.manage',
  'token.manage',
  'webhook.manage',
  'user.manage',
  'config.manage',
  'quarantine.manage',
  'log.read',
  'stats.read',
]);

export type Permission = { readonly kind: 'allow' } | { readonly kind: 'deny'; readonly reason: string };

export function decidePermission(p: Principal, action: Action): Permission {
  if (p.role === 'admin') return { kind: 'allow' };
  if (ADMIN_ONLY.has(action))
    return { kind: 'deny', reason: `${action} needs the admin role; ${p.kind === 'token' ? `token "${p.name}"` : p.name} is an agent` };
  return { kind: 'allow' };
}
