import { refusalText } from '../../../base/refusal-texts.js';
import { z } from 'zod';
import { EVENTS } from '../../../base/events.js';
import { traceText } from '../../../base/trace-texts.js';
import { isoTime } from '../../../desk/index.js';
import { isHeld, listHeld, loadHeader, loadMessage, resolveHeld } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { HttpProblem } from '../../http-problem.js';

/** Mail held for review (spam without a bypass, quarantine rules): the admin's to release or drop. */
const heldSchema = z.object({
  id: z.string().describe('the queue id'),
  receivedAt: z.string(),
  mailFrom: z.string(),
  subject: z.string().nullable(),
  spamScore: z.number(),
  spamReasons: z.array(z.string()),
  recipients: z.array(z.object({ recipient: z.string(), originalRecipient: z.string(), holdReason: z.string().nullable() })),
});
const queueIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9A-Z]{8,32}$/, 'a queue id such as 238D2CC4SDD156X')
    .describe('the queue id'),
});

const list = defineRoute({
  method: 'GET',
  path: '/api/quarantine',
  operationId: 'listQuarantine',
  summary: 'Messages held for review, with their spam score and reasons',
  tag: 'quarantine',
  action: 'quarantine.manage',
  response: z.object({ items: z.array(heldSchema) }),
  failures: [403],
  async command({ deps }) {
    const rows = await listHeld(deps.db);
    return {
      items: rows.map((h) => ({
        id: h.queueId,
        receivedAt: new Date(h.receivedAt).toISOString(),
        mailFrom: h.mailFrom,
        subject: h.subject,
        spamScore: h.spamScore,
        spamReasons: h.spamReasons,
        recipients: h.recipients,
      })),
    };
  },
});

/** Enough for any real header block; a hostile one is cut, and says so. */
const HEADER_VIEW_MAX = 64 * 1024;

const show = defineRoute({
  method: 'GET',
  path: '/api/quarantine/:id',
  operationId: 'showQuarantined',
  summary: "A quarantined message's header block and the checks' verdicts, to decide on a release",
  tag: 'quarantine',
  action: 'quarantine.manage',
  params: queueIdParams,
  response: z.object({
    id: z.string(),
    headers: z.string().describe('the header block as received (at most 64 KiB)'),
    truncated: z.boolean(),
    spamScore: z.number(),
    spamReasons: z.array(z.string()),
    authResults: z.record(z.string(), z.unknown()).describe('SPF, DKIM, DMARC and ARC as the checks found them'),
  }),
  failures: [403, 404],
  async command({ input: { params }, deps }) {
    // The quarantine shows held mail only; any other message is the email log's.
    const [held, m, header] = await Promise.all([isHeld(deps.db, params.id), loadMessage(deps.db, params.id), loadHeader(deps.db, params.id)]);
    if (m?.bodyPurgedAt != null) {
      throw new HttpProblem(
        'NOT_FOUND',
        `message ${params.id} is no longer held, and its body was purged on ${isoTime(m.bodyPurgedAt)} (retention.messages); the email log keeps how each delivery ended`,
      );
    }
    if (!held || !m || !header)
      throw new HttpProblem(
        'NOT_FOUND',
        `no quarantined message ${params.id}; find other messages in the email log`,
        [],
        refusalText('quarantined-not-found', { queueId: params.id }),
      );
    const block = header.subarray(0, Math.min(header.length, HEADER_VIEW_MAX));
    return {
      id: params.id,
      headers: block.toString('latin1'),
      truncated: block.length === HEADER_VIEW_MAX,
      spamScore: m.spamScore,
      spamReasons: m.spamReasons,
      authResults: m.authResults,
    };
  },
});

function resolveRoute(verb: 'release' | 'delete') {
  const to = verb === 'release' ? 'queued' : 'deleted';
  return defineRoute({
    method: verb === 'release' ? 'POST' : 'DELETE',
    path: verb === 'release' ? '/api/quarantine/:id/release' : '/api/quarantine/:id',
    operationId: verb === 'release' ? 'releaseQuarantined' : 'deleteQuarantined',
    summary: verb === 'release' ? 'Deliver a quarantined message as if it were not spam' : 'Drop a quarantined message (its trace is kept)',
    tag: 'quarantine',
    action: 'quarantine.manage',
    params: queueIdParams,
    response: z.object({ id: z.string(), deliveries: z.number().int() }),
    failures: [403, 404],
    async command({ input: { params }, principal, deps }) {
      const now = deps.now();
      const n = await resolveHeld(deps.db, {
        queueId: params.id,
        to,
        now,
        trace: {
          queueId: params.id,
          at: now,
          code: to === 'queued' ? EVENTS.released : EVENTS.deleted,
          summary: `${to === 'queued' ? 'released from' : 'deleted from'} quarantine by ${principal.name}`,
          text: traceText(to === 'queued' ? 'queue.released/console' : 'queue.deleted/console', { by: principal.name }),
        },
      });
      if (n === 0) throw new HttpProblem('NOT_FOUND', `no quarantined message ${params.id}`, [], refusalText('quarantined-not-found', { queueId: params.id }));
      if (to === 'queued') deps.wake();
      return { id: params.id, deliveries: n };
    },
  });
}

export const quarantineRoutes: readonly ApiRoute[] = [list, show, resolveRoute('release'), resolveRoute('delete')];
