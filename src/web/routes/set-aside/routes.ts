import { z } from 'zod';
import { deleteSuspended, isoTime, recoverSuspended, retryFailed } from '../../../desk/index.js';
import { listFailed, listSuspended } from '../../../store/index.js';
import { idParam, traceTextSchema } from '../../api/common-schemas.js';
import { deskDepsOf } from '../../api/api-deps.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';

/** Mail the desk set aside (suspended) and could not process (failed): lists and second chances. */
const suspendedSchema = z.object({
  id: z.number().int(),
  channelId: z.string().nullable(),
  queueId: z.string(),
  recipient: z.string(),
  reason: z.string(),
  detail: z.string(),
  from: z.string().nullable(),
  subject: z.string().nullable(),
  createdAt: z.string(),
});
const failedSchema = z.object({
  id: z.number().int(),
  queueId: z.string(),
  recipient: z.string(),
  error: z.string(),
  attempts: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const idParams = z.strictObject({ id: idParam('the id') });

const listSuspendedRoute = defineRoute({
  method: 'GET',
  path: '/api/suspended',
  operationId: 'listSuspended',
  summary: 'Mail set aside: auto-replies and bounces without a case, loops, floods, spam',
  tag: 'suspended',
  action: 'desk.read',
  response: z.object({ items: z.array(suspendedSchema) }),
  async command({ deps }) {
    const rows = await listSuspended(deps.db);
    return { items: rows.map(({ state: _state, ...r }) => ({ ...r, id: Number(r.id), createdAt: isoTime(r.createdAt) })) };
  },
});

const recover = defineRoute({
  method: 'POST',
  path: '/api/suspended/:id/recover',
  operationId: 'recoverSuspended',
  summary: 'Take a suspended message in as if it were ordinary mail',
  tag: 'suspended',
  action: 'desk.write',
  params: idParams,
  response: z.object({ id: z.number().int(), result: z.string().describe('what the intake did'), resultText: traceTextSchema.describe('the same, as a text') }),
  failures: [404],
  async command({ input: { params }, deps }) {
    const r = await recoverSuspended(deskDepsOf(deps), params.id);
    deps.wake();
    return r;
  },
});

const remove = defineRoute({
  method: 'DELETE',
  path: '/api/suspended/:id',
  operationId: 'deleteSuspended',
  summary: 'Drop a suspended message',
  tag: 'suspended',
  action: 'desk.write',
  params: idParams,
  response: z.object({ id: z.number().int(), deleted: z.literal(true) }),
  failures: [404],
  command: ({ input: { params }, deps }) => deleteSuspended(deps.db, params.id),
});

const listFailedRoute = defineRoute({
  method: 'GET',
  path: '/api/failed',
  operationId: 'listFailed',
  summary: 'Messages the desk could not process (dead letters), with their error',
  tag: 'failed',
  action: 'desk.read',
  response: z.object({ items: z.array(failedSchema) }),
  async command({ deps }) {
    const rows = await listFailed(deps.db);
    return { items: rows.map(({ state: _state, ...r }) => ({ ...r, id: Number(r.id), createdAt: isoTime(r.createdAt), updatedAt: isoTime(r.updatedAt) })) };
  },
});

const retry = defineRoute({
  method: 'POST',
  path: '/api/failed/:id/retry',
  operationId: 'retryFailed',
  summary: 'Run the intake again for a failed message; failing again is reported, not an error',
  tag: 'failed',
  action: 'desk.write',
  params: idParams,
  response: z.discriminatedUnion('state', [
    z.object({ id: z.number().int(), state: z.literal('resolved'), result: z.string(), resultText: traceTextSchema }),
    z.object({ id: z.number().int(), state: z.literal('failed'), error: z.string() }),
  ]),
  failures: [404],
  async command({ input: { params }, deps }) {
    const r = await retryFailed(deskDepsOf(deps), params.id);
    deps.wake();
    return r;
  },
});

export const setAsideRoutes: readonly ApiRoute[] = [listSuspendedRoute, recover, remove, listFailedRoute, retry];
