/**
 * Explain: how the rules treat an address (each rule applied, or why not, and the plan),
 * computed by the same code that decides at RCPT time; nothing is sent. The rules are those
 * in force, those that were in force when a stored message arrived (`queueId`), or an
 * unsaved draft (POST).
 *
 * "Test the route": the seed's step 3 as a button. A real message goes to this node's own
 * SMTP listener on loopback, so it meets every check and rule that a customer's mail meets;
 * the console then follows its trace (GET /api/messages/:id/trace) to the destination. A case
 * it opens is a test case (see desk/route-test-mark.ts): closed, unacknowledged, out of the lists.
 */
import { refusalText } from '../../../base/refusal-texts.js';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { randomToken } from '../../../base/ids.js';
import { explainRoute, loadConfigOfVersion } from '../../../config/index.js';
import { newMessageId, ROUTE_TEST_HEADER, routeTestMark } from '../../../desk/index.js';
import { loadMessage } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { HttpProblem } from '../../http-problem.js';
import { checkedDraft, documentSchema } from '../config/draft.js';

/** Generous for one loopback session; a slower answer means the node is in trouble. */
const SEND_TIMEOUT_MS = 15_000;

const test = defineRoute({
  method: 'POST',
  path: '/api/routing/test',
  operationId: 'testRoute',
  summary: "Send a test mail to an address through this node's SMTP listener and say whether it was accepted (admin)",
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({
    address: z.email({ error: 'write the address to test as name@domain' }).max(254),
    rule: z.string().max(200).optional().describe('the description of the rule being tested, for the subject'),
  }),
  response: z.object({
    accepted: z.boolean(),
    queueId: z.string().nullable().describe('follow it with GET /api/messages/:id/trace'),
    reply: z.string().describe("the gateway's SMTP reply to the test mail"),
    messageId: z.string(),
    subject: z.string(),
  }),
  status: 202,
  failures: [403, 409, 503],
  async command({ input: { body }, deps }) {
    if (!deps.smtp)
      throw new HttpProblem(
        'CONFLICT',
        'this node does not receive SMTP (it runs without the inbound role), so it cannot send a test mail through itself; test from a node that does',
      );
    const nonce = randomToken(8);
    const from = `route-test@${deps.hostname}`;
    const messageId = newMessageId(deps.hostname);
    const subject = `Route test ${nonce}${body.rule ? `: ${body.rule.replace(/[\r\n]+/g, ' ')}` : ''}`;
    const transport = createTransport({
      host: deps.smtp.host,
      port: deps.smtp.port,
      secure: false,
      ignoreTLS: true,
      name: deps.hostname,
      connectionTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    });
    try {
      const info = await transport.sendMail({
        envelope: { from, to: [body.address] },
        from: { name: 'Relaydesk route test', address: from },
        to: body.address,
        subject,
        text: `This message tests the default routing of ${body.address}.\nIt was sent from the console of ${deps.hostname}; follow it in the email log.\nCheck: ${nonce}\n`,
        messageId,
        // Signed: only this mark makes the desk take the mail for a test (no acknowledgement, closed at once).
        headers: { [ROUTE_TEST_HEADER]: routeTestMark(deps.keys.signRouteTest, { nonce, sentAt: deps.now(), messageId }) },
      });
      const reply = String(info.response ?? '');
      return { accepted: true, queueId: /queued as ([0-9A-Z]+)/.exec(reply)?.[1] ?? null, reply, messageId, subject };
    } catch (e) {
      const err = e as { responseCode?: number; response?: string; message?: string };
      // The gateway refused it (a reject rule, an unknown address): that is the answer.
      if (err.responseCode && err.responseCode >= 400)
        return { accepted: false, queueId: null, reply: String(err.response ?? err.message), messageId, subject };
      throw new HttpProblem('UNAVAILABLE', `the test mail could not be sent to this node's SMTP listener (${err.message ?? String(e)})`);
    } finally {
      transport.close();
    }
  },
});

const outcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('applied') }),
  z.object({ kind: z.literal('overridden'), by: z.number().int(), option: z.enum(['changeEnvelopeRecipient', 'changeRoute']) }),
  z.object({ kind: z.literal('rejected'), by: z.number().int() }),
  z.object({ kind: z.literal('disabled') }),
  z.object({ kind: z.literal('no-match') }),
  z.object({ kind: z.literal('recognized') }),
]);

const explanationSchema = z.object({
  version: z.number().int().describe('the configuration version explained; 0 for a draft'),
  recipient: z.string(),
  recognized: z.boolean(),
  before: z.enum(['postmaster', 'desk', 'not-hosted']).nullable().describe('decided before any rule is looked at'),
  rules: z.array(
    z.object({
      index: z.number().int(),
      description: z.string(),
      action: z.string(),
      match: z.string(),
      matchOn: z.object({ kind: z.enum(['single', 'pattern', 'group', 'all']), value: z.string().nullable() }),
      outcome: outcomeSchema,
      text: z.string().describe('the outcome as a sentence, as `relaydesk route explain` prints it'),
    }),
  ),
  decision: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('reject'), reply: z.string(), rule: z.string().nullable() }),
    z.object({
      kind: z.literal('accept'),
      quarantine: z.boolean(),
      requireTls: z.boolean(),
      rules: z.array(z.string()),
      targets: z.array(
        z.object({
          recipient: z.string(),
          transport: z.string(),
          route: z.string().nullable(),
          role: z.enum(['primary', 'added']),
          spam: z.enum(['held', 'flagged', 'quarantined']),
        }),
      ),
    }),
  ]),
  sender: z.object({ address: z.string(), list: z.enum(['allow', 'deny']).nullable(), text: z.string() }).nullable(),
  lines: z.array(z.string()).describe('the explanation as `relaydesk route explain` prints it'),
});

const addressField = z.email({ error: 'write the address to explain as name@domain' }).max(254);
const fromField = z.string().max(254).optional().describe('the envelope sender, checked against the spam allow and deny lists');

const explain = defineRoute({
  method: 'GET',
  path: '/api/routing/explain',
  operationId: 'explainRoute',
  summary:
    'How the routing rules in force (or those that routed a stored message) treat an address: each rule applied or why not, then where the mail would go (admin)',
  tag: 'config',
  action: 'config.manage',
  query: z.strictObject({
    address: addressField,
    from: fromField,
    queueId: z
      .string()
      .regex(/^[0-9A-Z]{8,32}$/, 'a queue id such as 238D2CC4SDD156X')
      .optional()
      .describe('explain with the configuration version that was in force when this message arrived; `from` defaults to its envelope sender'),
  }),
  response: explanationSchema,
  failures: [403, 404, 409],
  async command({ input: { query }, deps }) {
    if (query.queueId === undefined) {
      const { version, config } = await deps.live.current();
      return explainRoute(config, version, query.address, query.from);
    }
    const m = await loadMessage(deps.db, query.queueId);
    if (!m)
      throw new HttpProblem(
        'NOT_FOUND',
        `no message with queue id ${query.queueId}; it may have been purged by retention`,
        [],
        refusalText('message-not-found', { queueId: query.queueId }),
      );
    const config = await loadConfigOfVersion(deps.db, m.configVersion);
    return explainRoute(config, m.configVersion, query.address, query.from ?? (m.mailFrom === '' ? undefined : m.mailFrom));
  },
});

const explainDraft = defineRoute({
  method: 'POST',
  path: '/api/routing/explain',
  operationId: 'explainRouteWithDraft',
  summary: 'How the routing rules of an unsaved configuration object treat an address; a draft with errors is refused with its problems (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ address: addressField, from: fromField, document: documentSchema }),
  response: explanationSchema,
  failures: [403],
  async command({ input: { body }, deps }) {
    const config = await checkedDraft(deps.db, body.document, deps.now());
    return explainRoute(config, 0, body.address, body.from);
  },
});

export const routingRoutes: readonly ApiRoute[] = [explain, explainDraft, test];
