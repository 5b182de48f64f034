/**
 * "Test the route": the seed's step 3 as a button. A real message goes to this node's own
 * SMTP listener on loopback, so it meets every check and rule that a customer's mail meets;
 * the console then follows its trace (GET /api/messages/:id/trace) to the destination.
 */
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { randomToken } from '../../../base/ids.js';
import { newMessageId } from '../../../desk/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { HttpProblem } from '../../http-problem.js';

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
        headers: { 'X-Relaydesk-Route-Test': nonce },
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

export const routingRoutes: readonly ApiRoute[] = [test];
