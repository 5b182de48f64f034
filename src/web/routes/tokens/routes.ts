import { z } from 'zod';
import { isoTime } from '../../../desk/index.js';
import type { ApiTokenRow } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { createApiToken, listTokens, revokeApiToken } from '../../../accounts/index.js';
import { principalLabel } from '../../auth/principal.js';
import { EVENTS } from '../../../base/events.js';

const tokenSchema = z.object({
  name: z.string(),
  role: z.enum(['admin', 'agent']),
  hint: z.string().describe('the first characters of the token'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
const present = (t: ApiTokenRow) => ({
  name: t.name,
  role: t.role,
  hint: t.hint,
  createdAt: isoTime(t.createdAt),
  lastUsedAt: t.lastUsedAt === null ? null : isoTime(t.lastUsedAt),
});

const list = defineRoute({
  method: 'GET',
  path: '/api/tokens',
  operationId: 'listTokens',
  summary: 'API tokens (admin); the tokens themselves are never shown again',
  tag: 'tokens',
  action: 'token.manage',
  response: z.object({ items: z.array(tokenSchema) }),
  failures: [403],
  command: async ({ deps }) => ({ items: (await listTokens(deps.db)).map(present) }),
});

const create = defineRoute({
  method: 'POST',
  path: '/api/tokens',
  operationId: 'createToken',
  summary: 'Make an API token; the answer carries it, once (admin)',
  tag: 'tokens',
  action: 'token.manage',
  body: z.strictObject({ name: z.string().min(1).max(64), role: z.enum(['admin', 'agent']).default('agent') }),
  response: tokenSchema.extend({ token: z.string().describe('send as "Authorization: Bearer <token>"; shown only now') }),
  status: 201,
  failures: [403, 409],
  async command({ input: { body }, principal, deps }) {
    const t = await createApiToken(deps.db, { name: body.name, role: body.role, now: deps.now() });
    deps.logger.info({ event: EVENTS.tokenCreated, name: t.name, role: t.role, by: principalLabel(principal) }, 'API token created');
    return { ...present(t), token: t.token };
  },
});

const revoke = defineRoute({
  method: 'DELETE',
  path: '/api/tokens/:name',
  operationId: 'revokeToken',
  summary: 'Revoke an API token (admin)',
  tag: 'tokens',
  action: 'token.manage',
  params: z.strictObject({ name: z.string().min(1).max(64) }),
  response: z.object({ name: z.string(), revoked: z.literal(true) }),
  failures: [403, 404],
  command: ({ input: { params }, deps }) => revokeApiToken(deps.db, params.name),
});

const me = defineRoute({
  method: 'GET',
  path: '/api/me',
  operationId: 'whoAmI',
  summary: 'Who the request authenticates as, and the role',
  tag: 'tokens',
  action: 'self.read',
  response: z.object({ kind: z.enum(['token', 'session']), name: z.string(), role: z.enum(['admin', 'agent']) }),
  command: async ({ principal }) => ({ kind: principal.kind, name: principal.name, role: principal.role }),
});

export const tokenRoutes: readonly ApiRoute[] = [me, list, create, revoke];
