import { summarizeHeaders } from '../base/headers.js';
import { EVENTS } from '../base/events.js';
import { decideRecipient, planDeliveries, type RoutingSnapshot } from '../routing/index.js';
import { contentOf, type NewDelivery, type ReceivedRecord } from '../store/index.js';

const HAM = { spam: false, score: 0, reasons: [] } as const;
const NO_TRANSFORM = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };

/**
 * Where mail we write ourselves (DSNs, acknowledgements, agents' answers) goes: a local
 * address the way any mail to it would (mailbox, group, a rule to the desk), anything
 * else by SMTP. Null when the address is in a hosted domain and no one holds it.
 */
export function deliveriesFor(address: string, snapshot: RoutingSnapshot, now: number): NewDelivery[] | null {
  const decision = decideRecipient(address, snapshot);
  const base = { requireTls: false, suppressBounces: true, spamFlag: false, status: 'queued' as const, holdReason: null, nextAttemptAt: now };
  if (decision.kind === 'accept') {
    const planned = planDeliveries([decision.plan], HAM);
    if (planned.length === 0) return null;
    return planned.map((d) => ({ ...base, recipient: d.recipient, originalRecipient: address, transport: d.transport, route: d.route ?? null, transform: d.transform, rules: d.rules }));
  }
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (snapshot.domains.has(domain)) return null;
  return [{ ...base, recipient: address, originalRecipient: address, transport: 'smtp', route: null, transform: NO_TRANSFORM, rules: [] }];
}

/** A message we wrote, ready to commit like a received one; its trace says who made it. */
export function generatedRecord(input: {
  queueId: string;
  raw: Buffer;
  mailFrom: string;
  recipients: readonly string[];
  snapshot: RoutingSnapshot;
  now: number;
  hostname: string;
  origin: string;
}): { record: ReceivedRecord; undeliverable: string[] } {
  const deliveries: NewDelivery[] = [];
  const undeliverable: string[] = [];
  for (const r of input.recipients) {
    const ds = deliveriesFor(r, input.snapshot, input.now);
    if (ds) deliveries.push(...ds);
    else undeliverable.push(r);
  }
  const summary = summarizeHeaders(input.raw);
  const { queueId, now } = input;
  return {
    undeliverable,
    record: {
      message: {
        queueId,
        messageId: summary.messageId,
        mailFrom: input.mailFrom,
        helo: input.hostname,
        clientIp: '127.0.0.1',
        subject: summary.subject,
        headerFrom: summary.from,
        receivedAt: now,
        configVersion: input.snapshot.version,
        spam: false,
        spamScore: 0,
        spamReasons: [],
        authResults: {},
      },
      content: contentOf(input.raw),
      deliveries,
      trace: [
        { queueId, at: now, code: EVENTS.envelope, summary: `${input.origin} from <${input.mailFrom}> to ${input.recipients.map((r) => `<${r}>`).join(', ')}`, data: { mailFrom: input.mailFrom, recipients: input.recipients, origin: input.origin } },
        ...deliveries.map((d) => ({ queueId, at: now, code: EVENTS.planned, summary: `<${d.originalRecipient}> → <${d.recipient}> by ${d.transport === 'smtp' ? (d.route ? `route ${d.route}` : 'next hop by domain') : d.transport}: queued`, data: { recipient: d.recipient, transport: d.transport } })),
        { queueId, at: now, code: EVENTS.accepted, summary: `generated: queued as ${queueId}`, data: {} },
      ],
    },
  };
}
