import { refusalText } from '../../../base/refusal-texts.js';
import { z } from 'zod';
import { isoTime } from '../../../desk/index.js';
import {
  loadIntakesOfMessage,
  loadMessage,
  loadSetAsideOfMessage,
  loadTrace,
  loggedDeliveries,
  searchMessages,
  type Db,
  type MessageRow,
} from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { HttpProblem } from '../../http-problem.js';
import { traceTextSchema } from '../../api/common-schemas.js';
import { stepText } from '../../api/texts.js';

/** The email log: find a message, then every step it took (the same trace as `relaydesk trace`). */
const deliverySchema = z.object({
  id: z.number().int(),
  recipient: z.string(),
  originalRecipient: z.string(),
  transport: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  lastReply: z
    .string()
    .nullable()
    .describe("the last reply: why a delivery bounced, or the last failure of one that expired or waits for a retry; the desk's is what the intake did"),
});
const suspendedSchema = z.object({
  id: z.number().int().describe('its id in the suspended list'),
  recipient: z.string(),
  reason: z.string().describe('loop, flood, no-requester, auto-reply, bulk, bounce, spam, unknown-address, retired-address'),
  detail: z.string().describe('the reason in a sentence'),
  state: z.string().describe('suspended (still in the list), recovered or deleted'),
  createdAt: z.string(),
});
const failedSchema = z.object({
  id: z.number().int().describe('its id in the failed list'),
  recipient: z.string(),
  error: z.string(),
  state: z.string().describe('failed (still in the list) or resolved by a retry'),
  attempts: z.number().int(),
  updatedAt: z.string(),
});
const messageSchema = z.object({
  id: z.string(),
  messageId: z.string().nullable(),
  mailFrom: z.string(),
  subject: z.string().nullable(),
  receivedAt: z.string(),
  spam: z.boolean(),
  bodyPurgedAt: z
    .string()
    .nullable()
    .describe('when retention removed the body and the trace (retention.messages); the deliveries are then a summary of how each ended'),
  deliveries: z.array(deliverySchema),
  suspended: z.array(suspendedSchema).describe('what the desk set aside of it, with the reason'),
  failed: z.array(failedSchema).describe('what the desk could not process of it, with the error'),
});
const stepSchema = z.object({
  at: z.string(),
  code: z.string(),
  summary: z.string(),
  text: traceTextSchema,
  deliveryId: z.number().int().nullable(),
  repeated: z
    .object({ count: z.number().int(), firstAt: z.string(), lastAt: z.string() })
    .nullable()
    .describe('a step that happened again and again (a delivery held for a down destination): how often, first and last time'),
});
const intakeSchema = z.object({
  channel: z.string(),
  effect: z.string().describe('new-case, append, new-lead, append-lead, suspend, verification, …'),
  caseNumber: z.number().int().nullable(),
  leadId: z.string().nullable(),
});

const text = (what: string) => z.string().max(200).optional().describe(what);
const time = (what: string) => z.string().datetime({ offset: true }).optional().describe(what);

const view = async (deps: { db: Db }, m: MessageRow) => {
  const [deliveries, setAside] = await Promise.all([loggedDeliveries(deps.db, m), loadSetAsideOfMessage(deps.db, m.queueId)]);
  return {
    id: m.queueId,
    messageId: m.messageId,
    mailFrom: m.mailFrom,
    subject: m.subject,
    receivedAt: isoTime(m.receivedAt),
    spam: m.spam,
    bodyPurgedAt: m.bodyPurgedAt === null ? null : isoTime(m.bodyPurgedAt),
    deliveries: deliveries.map((d) => ({
      id: d.id,
      recipient: d.recipient,
      originalRecipient: d.originalRecipient,
      transport: d.transport,
      status: d.status,
      attempts: d.attempts,
      lastReply: d.lastReply,
    })),
    suspended: setAside.suspended.map((s) => ({
      id: Number(s.id),
      recipient: s.recipient,
      reason: s.reason,
      detail: s.detail,
      state: s.state,
      createdAt: isoTime(s.createdAt),
    })),
    failed: setAside.failed.map((f) => ({
      id: Number(f.id),
      recipient: f.recipient,
      error: f.error,
      state: f.state,
      attempts: f.attempts,
      updatedAt: isoTime(f.updatedAt),
    })),
  };
};

const search = defineRoute({
  method: 'GET',
  path: '/api/messages',
  operationId: 'searchMessages',
  summary: 'Search the email log by sender, recipient, subject, Message-ID, time range and outcome',
  tag: 'log',
  action: 'log.read',
  query: z.strictObject({
    sender: text('envelope sender contains'),
    recipient: text('a recipient, before or after rules, contains'),
    subject: text('subject contains'),
    messageId: text('Message-ID contains'),
    since: time('received at or after (ISO time)'),
    until: time('received at or before (ISO time)'),
    outcome: z
      .enum(['delivered', 'deferred', 'bounced', 'expired', 'held', 'queued', 'active', 'deleted', 'suspended', 'failed'])
      .optional()
      .describe('some delivery has this status; suspended: the desk set it aside; failed: the desk could not process it'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  }),
  response: z.object({ items: z.array(messageSchema) }),
  failures: [403],
  async command({ input: { query: q }, deps }) {
    const rows = await searchMessages(deps.db, {
      sender: q.sender,
      recipient: q.recipient,
      subject: q.subject,
      messageId: q.messageId,
      since: q.since ? Date.parse(q.since) : undefined,
      until: q.until ? Date.parse(q.until) : undefined,
      outcome: q.outcome,
      limit: q.limit,
    });
    const items = [];
    for (const m of rows) items.push(await view(deps, m));
    return { items };
  },
});

const trace = defineRoute({
  method: 'GET',
  path: '/api/messages/:id/trace',
  operationId: 'messageTrace',
  summary: "A message's trace: envelope, checks, rules, deliveries and every attempt, in order (none once retention purged it: see message.bodyPurgedAt)",
  tag: 'log',
  action: 'log.read',
  params: z.strictObject({ id: z.string().regex(/^[0-9A-Z]{8,32}$/, 'a queue id such as 238D2CC4SDD156X') }),
  response: z.object({
    message: messageSchema,
    steps: z.array(stepSchema),
    desk: z.array(intakeSchema).describe('what the desk made of it, per channel it reached'),
  }),
  failures: [403, 404],
  async command({ input: { params }, deps }) {
    const m = await loadMessage(deps.db, params.id);
    if (!m) throw new HttpProblem('NOT_FOUND', `no message with queue id ${params.id}`, [], refusalText('message-not-found', { queueId: params.id }));
    const [steps, desk] = await Promise.all([loadTrace(deps.db, params.id), loadIntakesOfMessage(deps.db, params.id)]);
    return {
      message: await view(deps, m),
      steps: steps.map((s) => ({
        at: new Date(s.at).toISOString(),
        code: s.code,
        summary: s.summary,
        text: stepText(s),
        deliveryId: s.deliveryId ?? null,
        repeated: repeatedOf(s.data),
      })),
      desk,
    };
  },
});

export const logRoutes: readonly ApiRoute[] = [search, trace];

/** The count a merged trace line carries (store/repos/trace-repo appendOrMergeTrace). */
function repeatedOf(data: Record<string, unknown> | undefined): { count: number; firstAt: string; lastAt: string } | null {
  const { count, firstAt, lastAt } = data ?? {};
  if (typeof count !== 'number' || typeof firstAt !== 'number' || typeof lastAt !== 'number') return null;
  return { count, firstAt: new Date(firstAt).toISOString(), lastAt: new Date(lastAt).toISOString() };
}
