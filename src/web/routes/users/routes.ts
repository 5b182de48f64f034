import { z } from 'zod';
import { isoTime, reassignCasesOf } from '../../../desk/index.js';
import { listDeskChannels, listUsers, type UserLeaving, type UserRow } from '../../../store/index.js';
import type { ApiDeps } from '../../api/api-deps.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { addUser, emailSchema, generatePassword, newPasswordSchema, removeUser, resetPassword, updateUser } from '../../../accounts/index.js';
import { principalLabel } from '../../auth/principal.js';
import { EVENTS } from '../../../base/events.js';

const role = z.enum(['admin', 'agent']);
const userSchema = z.object({
  email: z.string(),
  role,
  disabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastLoginAt: z.string().nullable(),
  available: z.boolean().describe('takes new cases (PUT /api/agents/:email/availability)'),
});
const present = (u: UserRow) => ({
  email: u.email,
  role: u.role,
  disabled: u.disabled,
  createdAt: isoTime(u.createdAt),
  updatedAt: isoTime(u.updatedAt),
  lastLoginAt: u.lastLoginAt === null ? null : isoTime(u.lastLoginAt),
  available: u.available,
});

/**
 * A disabled or removed account's cases go to others by the assignment rules, in the
 * transaction that disables or removes it; what it did is logged.
 */
async function handOver(deps: ApiDeps, by: string): Promise<UserLeaving> {
  const desk = (await deps.live.current()).config.desk;
  const channels = await listDeskChannels(deps.db);
  return async (trx, user) => {
    const r = await reassignCasesOf(trx, desk, { email: user.email, channels, now: deps.now() });
    if (r.reassigned + r.unassigned > 0)
      deps.logger.info({ event: EVENTS.casesHandedOver, email: user.email, ...r, by }, 'cases of a leaving agent handed over');
  };
}
const emailParams = z.strictObject({ email: emailSchema.describe("the user's email") });

const list = defineRoute({
  method: 'GET',
  path: '/api/users',
  operationId: 'listUsers',
  summary: "The console's users (admin)",
  tag: 'users',
  action: 'user.manage',
  response: z.object({ items: z.array(userSchema) }),
  failures: [403],
  command: async ({ deps }) => ({ items: (await listUsers(deps.db)).map(present) }),
});

const create = defineRoute({
  method: 'POST',
  path: '/api/users',
  operationId: 'createUser',
  summary: 'Add a console user; without a password the answer carries an initial one, once (admin)',
  tag: 'users',
  action: 'user.manage',
  body: z.strictObject({ email: emailSchema, role: role.default('agent'), password: newPasswordSchema.optional() }),
  response: userSchema.extend({ initialPassword: z.string().nullable().describe('made for you when no password was given; shown only now') }),
  status: 201,
  failures: [403, 409],
  async command({ input: { body }, principal, deps }) {
    const r = await addUser(deps.db, {
      email: body.email,
      role: body.role,
      ...(body.password !== undefined ? { password: body.password } : {}),
      now: deps.now(),
    });
    deps.logger.info({ event: EVENTS.userCreated, email: r.user.email, role: r.user.role, by: principalLabel(principal) }, 'console user created');
    return { ...present(r.user), initialPassword: r.initialPassword };
  },
});

const update = defineRoute({
  method: 'PATCH',
  path: '/api/users/:email',
  operationId: 'updateUser',
  summary: "Change a user's role or disable them (their sessions end, their cases go to others by the assignment rules); the last enabled admin stays (admin)",
  tag: 'users',
  action: 'user.manage',
  params: emailParams,
  body: z.strictObject({ role: role.optional(), disabled: z.boolean().optional() }),
  response: userSchema,
  failures: [403, 404, 409],
  async command({ input: { params, body }, principal, deps }) {
    const u = await updateUser(deps.db, params.email, {
      ...body,
      now: deps.now(),
      ...(body.disabled ? { onDisable: await handOver(deps, principalLabel(principal)) } : {}),
    });
    deps.logger.info({ event: EVENTS.userChanged, email: u.email, role: u.role, disabled: u.disabled, by: principalLabel(principal) }, 'console user changed');
    return present(u);
  },
});

const reset = defineRoute({
  method: 'POST',
  path: '/api/users/:email/password',
  operationId: 'resetUserPassword',
  summary: 'Set a new password for a user, generated unless one is given, and end all their sessions; the answer shows it only now (admin)',
  tag: 'users',
  action: 'user.manage',
  params: emailParams,
  // No body at all means "generate one", like POST /api/users without a password.
  body: z.strictObject({ password: newPasswordSchema.optional() }).optional(),
  response: z.object({ email: z.string(), password: z.string().describe('the new password; shown only now') }),
  failures: [403, 404],
  async command({ input: { params, body }, principal, deps }) {
    const password = body?.password ?? generatePassword();
    const u = await resetPassword(deps.db, params.email, password, deps.now());
    deps.logger.info(
      { event: EVENTS.userPasswordReset, email: u.email, generated: body?.password === undefined, by: principalLabel(principal) },
      'console user password reset; their sessions ended',
    );
    return { email: u.email, password };
  },
});

const remove = defineRoute({
  method: 'DELETE',
  path: '/api/users/:email',
  operationId: 'deleteUser',
  summary: 'Delete a user and end their sessions; their cases go to others by the assignment rules; the last enabled admin stays (admin)',
  tag: 'users',
  action: 'user.manage',
  params: emailParams,
  response: z.object({ email: z.string(), deleted: z.literal(true) }),
  failures: [403, 404, 409],
  async command({ input: { params }, principal, deps }) {
    const r = await removeUser(deps.db, params.email, await handOver(deps, principalLabel(principal)));
    deps.logger.info({ event: EVENTS.userDeleted, email: r.email, by: principalLabel(principal) }, 'console user deleted');
    return r;
  },
});

export const userRoutes: readonly ApiRoute[] = [list, create, update, reset, remove];
