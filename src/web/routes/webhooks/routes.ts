import { z } from 'zod';
import { addWebhook, isoTime, listWebhookSummaries, removeWebhook, WEBHOOK_EVENTS, WEBHOOK_TRANSPORT } from '../../../desk/index.js';
import { latestDeliveryTo } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { describeActor } from '../../../base/actors.js';
import { actorSchema } from '../../api/common-schemas.js';
import { principalLabel } from '../../auth/principal.js';

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  createdBy: z.string(),
  createdByActor: actorSchema,
  createdAt: z.string(),
});
const lastDeliverySchema = z
  .object({
    queueId: z.string().describe('follow it with GET /api/messages/:id/trace'),
    status: z.string().describe('delivered, deferred (to be retried), bounced (given up), queued or active'),
    attempts: z.number().int(),
    lastReply: z.string().nullable().describe("the receiver's answer, or why the POST failed"),
    at: z.string(),
  })
  .nullable();

const createBody = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http or https URL' }).max(2000),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1, 'name at least one event')
    .max(WEBHOOK_EVENTS.length * 2),
  secret: z.string().min(16, 'the secret must be at least 16 characters').max(200).optional().describe('signs each POST; made for you when left out'),
});

const list = defineRoute({
  method: 'GET',
  path: '/api/webhooks',
  operationId: 'listWebhooks',
  summary: 'Webhook subscriptions (admin); secrets are not shown',
  tag: 'webhooks',
  action: 'webhook.manage',
  response: z.object({
    items: z.array(webhookSchema.extend({ lastDelivery: lastDeliverySchema.describe('the newest event sent to it, or null before the first') })),
  }),
  failures: [403],
  async command({ deps }) {
    const hooks = (await listWebhookSummaries(deps.db)) as Omit<z.output<typeof webhookSchema>, 'createdByActor'>[];
    const items = [];
    for (const h of hooks) {
      const d = await latestDeliveryTo(deps.db, WEBHOOK_TRANSPORT, h.id);
      items.push({
        ...h,
        createdByActor: describeActor(h.createdBy),
        lastDelivery: d && { queueId: d.queueId, status: d.status, attempts: d.attempts, lastReply: d.lastReply, at: isoTime(d.updatedAt) },
      });
    }
    return { items };
  },
});

const create = defineRoute({
  method: 'POST',
  path: '/api/webhooks',
  operationId: 'createWebhook',
  summary: 'Subscribe a URL to desk events; the answer carries the signing secret, once (admin)',
  tag: 'webhooks',
  action: 'webhook.manage',
  body: createBody,
  response: webhookSchema.extend({
    secret: z.string().describe('HMAC-SHA256 key of X-Relaydesk-Signature (t=TIMESTAMP,sha256=HMAC of "TIMESTAMP." + body); shown only now'),
  }),
  status: 201,
  failures: [403],
  async command({ input: { body }, principal, deps }) {
    const { config } = await deps.live.current();
    const hook = await addWebhook(deps.db, {
      url: body.url,
      events: body.events,
      ...(body.secret !== undefined ? { secret: body.secret } : {}),
      createdBy: principalLabel(principal),
      now: deps.now(),
      allowPrivateDestinations: config.desk?.webhooks.allowPrivateDestinations ?? false,
    });
    return { ...hook, createdByActor: describeActor(hook.createdBy) };
  },
});

const remove = defineRoute({
  method: 'DELETE',
  path: '/api/webhooks/:id',
  operationId: 'deleteWebhook',
  summary: 'Remove a subscription; events already queued for it are dropped (admin)',
  tag: 'webhooks',
  action: 'webhook.manage',
  params: z.strictObject({ id: z.string().min(1).max(100) }),
  response: z.object({ id: z.string(), removed: z.literal(true) }),
  failures: [403, 404],
  command: ({ input: { params }, deps }) => removeWebhook(deps.db, params.id),
});

export const webhookRoutes: readonly ApiRoute[] = [list, create, remove];
