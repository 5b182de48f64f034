import { z } from 'zod';
import { loadDeliveries, loadIntakesOfMessage, loadMessage, loadTrace, searchMessages } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { HttpProblem } from '../../http-problem.js';

/** The email log: find a message, then every step it took (the same trace as `relaydesk trace`). */
const deliverySchema = z.object({ id: z.number().int(), recipient: z.string(), originalRecipient: z.string(), transport: z.string(), status: z.string(), attempts: z.number().int(), lastReply: z.string().nullable() });
const messageSchema = z.object({ id: z.string(), messageId: z.string().nullable(), mailFrom: z.string(), subject: z.string().nullable(), receivedAt: z.string(), spam: z.boolean(), deliveries: z.array(deliverySchema) });
const stepSchema = z.object({ at: z.string(), code: z.string(), summary: z.string(), deliveryId: z.number().int().nullable() });
const intakeSchema = z.object({
  channel: z.string(),
  effect: z.string().describe('new-case, append, new-lead, append-lead, suspend, verification, …'),
  caseNumber: z.number().int().nullable(),
  leadId: z.string().nullable(),
});

const text = (what: string) => z.string().max(200).optional().describe(what);
const time = (what: string) => z.string().datetime({ offset: true }).optional().describe(what);

const view = async (deps: { db: Parameters<typeof loadDeliveries>[0] }, m: { queueId: string; messageId: string | null; mailFrom: string; subject: string | null; receivedAt: number; spam: boolean }) => ({
  id: m.queueId,
  messageId: m.messageId,
  mailFrom: m.mailFrom,
  subject: m.subject,
  receivedAt: new Date(m.receivedAt).toISOString(),
  spam: m.spam,
  deliveries: (await loadDeliveries(deps.db, m.queueId)).map((d) => ({ id: d.id, recipient: d.recipient, originalRecipient: d.originalRecipient, transport: d.transport, status: d.status, attempts: d.attempts, lastReply: d.lastReply })),
});

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
    outcome: z.enum(['delivered', 'deferred', 'bounced', 'expired', 'held', 'queued', 'active', 'deleted']).optional().describe('some delivery has this status'),
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
      // The outcome is decided per delivery, after the search; fetch more to fill the page.
      limit: q.outcome ? Math.min(q.limit * 5, 1000) : q.limit,
    });
    const items = [];
    for (const m of rows) {
      const v = await view(deps, m);
      if (q.outcome && !v.deliveries.some((d) => d.status === q.outcome)) continue;
      items.push(v);
      if (items.length >= q.limit) break;
    }
    return { items };
  },
});

const trace = defineRoute({
  method: 'GET',
  path: '/api/messages/:id/trace',
  operationId: 'messageTrace',
  summary: "A message's trace: envelope, checks, rules, deliveries and every attempt, in order",
  tag: 'log',
  action: 'log.read',
  params: z.strictObject({ id: z.string().regex(/^[0-9A-Z]{8,32}$/, 'a queue id such as 238D2CC4SDD156X') }),
  response: z.object({ message: messageSchema, steps: z.array(stepSchema), desk: z.array(intakeSchema).describe('what the desk made of it, per channel it reached') }),
  failures: [403, 404],
  async command({ input: { params }, deps }) {
    const m = await loadMessage(deps.db, params.id);
    if (!m) throw new HttpProblem('NOT_FOUND', `no message with queue id ${params.id}`);
    const [steps, desk] = await Promise.all([loadTrace(deps.db, params.id), loadIntakesOfMessage(deps.db, params.id)]);
    return { message: await view(deps, m), steps: steps.map((s) => ({ at: new Date(s.at).toISOString(), code: s.code, summary: s.summary, deliveryId: s.deliveryId ?? null })), desk };
  },
});

export const logRoutes: readonly ApiRoute[] = [search, trace];
