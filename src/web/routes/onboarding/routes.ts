/**
 * The console's first steps (GET /api/onboarding) and "send a test" for the way out
 * (POST /api/outbound/test): a short message to an outside address through the next hop the
 * queue would choose (a host serving the domain, the smarthost, or MX), with the same sender
 * code, now and bounded in time. It is not queued: the admin wants the next hop's answer
 * while waiting, and a failed test must not be retried for days.
 */
import { z } from 'zod';
import { newMessageId } from '../../../desk/index.js';
import { chooseNextHop, SmtpSender, type DeliveryOutcome, type NextHop } from '../../../outbound/index.js';
import { findDeliveredRouteTest, listDeskChannels, loadOnboardingMarks, recordOnboardingMark } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { decideOnboarding, ONBOARDING_STEPS } from './steps.js';

/** Long enough for a greeting and one message on a slow link; the console waits for it. */
export const OUTBOUND_TEST_TIMEOUT_MS = 20_000;

const onboarding = defineRoute({
  method: 'GET',
  path: '/api/onboarding',
  operationId: 'getOnboarding',
  summary: 'The first steps of a new installation, each done or not, decided from the configuration, the channels and the stored traces (admin)',
  tag: 'config',
  action: 'config.manage',
  response: z.object({
    done: z.boolean().describe('every step is done'),
    steps: z.array(z.object({ id: z.enum(ONBOARDING_STEPS), done: z.boolean(), detail: z.string() })),
  }),
  failures: [403],
  async command({ deps }) {
    const { config, snapshot } = await deps.live.current();
    const [marks, channels] = await Promise.all([loadOnboardingMarks(deps.db), listDeskChannels(deps.db)]);
    let routeTestDelivered = marks.has('route-tested');
    if (!routeTestDelivered) {
      const queueId = await findDeliveredRouteTest(deps.db);
      // Kept as a mark: retention purges the test mail, the step stays done.
      if (queueId !== null) await recordOnboardingMark(deps.db, 'route-tested', queueId);
      routeTestDelivered = queueId !== null;
    }
    const steps = decideOnboarding({
      domains: config.domains,
      smarthost: snapshot.smarthost,
      directDeliveryProved: marks.has('direct-delivery'),
      channels: channels.map((c) => ({ name: c.name, inboundAddress: c.inboundAddresses.find((a) => !a.retired)?.address ?? null })),
      rules: snapshot.rules,
      routeTestDelivered,
    });
    return { done: steps.every((s) => s.done), steps };
  },
});

const PROBLEMS = ['no-hop', 'mx-unreachable', 'unreachable', 'relay-refused', 'refused'] as const;
type Problem = (typeof PROBLEMS)[number];

const viaSchema = z.object({
  kind: z.enum(['smarthost', 'host', 'mx']).describe('the smarthost, a host serving the domain, or the domain’s MX'),
  name: z.string().nullable().describe('the host’s name in hosts'),
  address: z.string().describe('host:port dialled, or the domain whose MX was looked up'),
});

const outboundTest = defineRoute({
  method: 'POST',
  path: '/api/outbound/test',
  operationId: 'testOutbound',
  summary: 'Send a short test message to an outside address through the outbound path now and say how the next hop answered (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ to: z.email({ error: 'write the address to send the test to as name@domain' }).max(254) }),
  response: z.object({
    outcome: z.enum(['delivered', 'failed']),
    via: viaSchema.nullable().describe('null when no next hop could be chosen'),
    reply: z.string().describe("the next hop's reply, or why none came"),
    remoteMta: z.string().nullable(),
    problem: z.enum(PROBLEMS).nullable().describe('why it failed: no next hop, MX or host unreachable, relaying or the message refused'),
    fix: z.string().nullable().describe('what to change, when it failed'),
    elapsedMs: z.number().int(),
  }),
  failures: [403],
  async command({ input: { body }, deps }) {
    const started = deps.now();
    const { snapshot, config } = await deps.live.current();
    const domain = body.to.slice(body.to.lastIndexOf('@') + 1);
    const hop = chooseNextHop(domain, undefined, snapshot.hosts, snapshot.smarthost);
    const elapsed = () => Math.max(0, Math.round(deps.now() - started));
    if (hop.kind === 'error')
      return {
        outcome: 'failed' as const,
        via: null,
        reply: hop.reason,
        remoteMta: null,
        problem: 'no-hop' as const,
        fix: 'Correct the smarthost on the Hosts page, then send the test again.',
        elapsedMs: elapsed(),
      };
    const via = describeHop(hop, snapshot.smarthost);
    const from = `postmaster@${config.domains[0] ?? deps.hostname}`;
    const raw = Buffer.from(
      [
        `From: Relaydesk <${from}>`,
        `To: <${body.to}>`,
        `Subject: Relaydesk outbound test`,
        `Date: ${new Date(started).toUTCString().replace('GMT', '+0000')}`,
        `Message-ID: ${newMessageId(deps.hostname)}`,
        'Auto-Submitted: auto-generated',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `This message tests the way out of ${deps.hostname} (${via.kind === 'mx' ? `MX of ${via.address}` : `${via.name} at ${via.address}`}).`,
        'It was sent from the console; nothing needs to be done with it.',
        '',
      ].join('\r\n'),
    );
    const sender = new SmtpSender({ hostname: deps.hostname, ...(deps.resolver ? { resolver: deps.resolver } : {}), logger: deps.logger });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<DeliveryOutcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: 'deferred', reply: `no answer within ${OUTBOUND_TEST_TIMEOUT_MS / 1000} s`, status: '4.4.1' }),
        OUTBOUND_TEST_TIMEOUT_MS,
      );
    });
    try {
      const sent = sender.send({ hop, mailFrom: from, recipients: [body.to], raw, requireTls: false }).then(
        (r): DeliveryOutcome => r.perRecipient.get(body.to) ?? { kind: 'deferred', reply: 'the sender gave no outcome', status: '4.0.0' },
        // After the timeout nobody waits for it: a late failure must not go unhandled.
        (e: unknown): DeliveryOutcome => ({ kind: 'deferred', reply: e instanceof Error ? e.message : String(e), status: '4.0.0' }),
      );
      const outcome = await Promise.race([sent, timedOut]);
      if (outcome.kind === 'delivered') {
        if (via.kind === 'mx') await recordOnboardingMark(deps.db, 'direct-delivery', `${body.to}: ${outcome.reply}`);
        return { outcome: 'delivered' as const, via, reply: outcome.reply, remoteMta: outcome.remoteMta, problem: null, fix: null, elapsedMs: elapsed() };
      }
      return { outcome: 'failed' as const, via, reply: outcome.reply, remoteMta: outcome.remoteMta ?? null, ...problemOf(outcome, via), elapsedMs: elapsed() };
    } finally {
      clearTimeout(timer);
      await sender.close();
    }
  },
});

function describeHop(hop: Exclude<NextHop, { kind: 'error' }>, smarthost: string | undefined): z.output<typeof viaSchema> {
  if (hop.kind === 'mx') return { kind: 'mx', name: null, address: hop.domain };
  return { kind: hop.host.name === smarthost ? 'smarthost' : 'host', name: hop.host.name, address: `${hop.host.host}:${hop.host.port}` };
}

/** How far the test got, and what to change, in words (the console words each problem in its own language). */
function problemOf(outcome: Exclude<DeliveryOutcome, { kind: 'delivered' }>, via: z.output<typeof viaSchema>): { problem: Problem; fix: string } {
  const where = via.kind === 'mx' ? `the mail servers of ${via.address}` : `${via.name} (${via.address})`;
  if (outcome.remoteMta === undefined) {
    if (via.kind === 'mx')
      return {
        problem: 'mx-unreachable',
        fix: `No mail server of ${via.address} could be reached. Check that this machine can resolve DNS and connect out on port 25; where it cannot, choose a smarthost on the Hosts page.`,
      };
    return {
      problem: 'unreachable',
      fix: `${where} could not be reached. Check its host name and port on the Hosts page, that it is running, and that no firewall stops this machine from connecting to it.`,
    };
  }
  if (/^5\.7\./.test(outcome.status) || /relay/i.test(outcome.reply))
    return {
      problem: 'relay-refused',
      fix: `${where} refused to relay this message. Allow this machine to relay through it (its relay or trusted-network settings), or check its TLS setting on the Hosts page.`,
    };
  return {
    problem: 'refused',
    fix: `${where} refused the message with the reply above. Check the recipient address and the next hop's settings, then send the test again.`,
  };
}

export const onboardingRoutes: readonly ApiRoute[] = [onboarding, outboundTest];
