import type { HeaderSummary } from '../base/headers.js';
import { EVENTS } from '../base/events.js';
import { addressList, plannedText, traceText, type TextValue, type TraceText, type TraceTextCode } from '../base/trace-texts.js';
import { decideRecipient, planDeliveries, type RoutingSnapshot } from '../routing/index.js';
import { contentOf, type MessageContent, type NewDelivery, type ReceivedRecord } from '../store/index.js';

const HAM = { spam: false, score: 0, reasons: [] } as const;
const NO_TRANSFORM = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };

/** What a message we write ourselves is made of; `generatedRecord` turns it into a queue record. */
export interface GeneratedMessage {
  readonly queueId: string;
  readonly now: number;
  readonly mailFrom: string;
  /** Stands where a received message has its client's HELO name. */
  readonly helo: string;
  /** The routing version its deliveries were planned with (0: none were). */
  readonly configVersion: number;
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly headerFrom: string | null;
  readonly content: MessageContent;
  /** Each delivery with the trace line that says where it goes. */
  readonly deliveries: readonly { readonly delivery: NewDelivery; readonly planned: string; readonly plannedText: TraceText }[];
  /** The trace's first line: what was written, by whom, for whom. */
  readonly envelope: { readonly summary: string; readonly data: Record<string, unknown>; readonly text: TraceText };
}

/**
 * The one builder of what we write ourselves (DSNs, acknowledgements, agents' answers,
 * forwarding checks, webhook events): a message ready to commit like a received one, never
 * spam, whose trace says who made it and where each delivery goes.
 */
export function generatedRecord(m: GeneratedMessage): ReceivedRecord {
  const { queueId, now } = m;
  return {
    message: {
      queueId,
      messageId: m.messageId,
      mailFrom: m.mailFrom,
      helo: m.helo,
      clientIp: '127.0.0.1',
      subject: m.subject,
      headerFrom: m.headerFrom,
      receivedAt: now,
      configVersion: m.configVersion,
      spam: false,
      spamScore: 0,
      spamReasons: [],
      authResults: {},
    },
    content: m.content,
    deliveries: m.deliveries.map((d) => d.delivery),
    trace: [
      { queueId, at: now, code: EVENTS.envelope, summary: m.envelope.summary, data: m.envelope.data, text: m.envelope.text },
      ...m.deliveries.map(({ delivery: d, planned, plannedText }) => ({
        queueId,
        at: now,
        code: EVENTS.planned,
        summary: planned,
        data: { recipient: d.recipient, transport: d.transport },
        text: plannedText,
      })),
      {
        queueId,
        at: now,
        code: EVENTS.accepted,
        summary: `generated: queued as ${queueId}`,
        data: { queueId },
        text: traceText('inbound.accepted/generated', { queueId }),
      },
    ],
  };
}

/**
 * Where mail we write goes: a local address the way any mail to it would (mailbox, group,
 * a rule to the desk), anything else by SMTP. Null when the address is in a hosted domain
 * and no one holds it.
 */
function deliveriesFor(address: string, snapshot: RoutingSnapshot, now: number): NewDelivery[] | null {
  const decision = decideRecipient(address, snapshot);
  const base = { requireTls: false, suppressBounces: true, spamFlag: false, status: 'queued' as const, holdReason: null, nextAttemptAt: now };
  if (decision.kind === 'accept') {
    const planned = planDeliveries([decision.plan], HAM);
    if (planned.length === 0) return null;
    return planned.map((d) => ({
      ...base,
      recipient: d.recipient,
      originalRecipient: address,
      transport: d.transport,
      route: d.route ?? null,
      transform: d.transform,
      rules: d.rules,
    }));
  }
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (snapshot.domains.has(domain)) return null;
  return [{ ...base, recipient: address, originalRecipient: address, transport: 'smtp', route: null, transform: NO_TRANSFORM, rules: [] }];
}

/** Who wrote a message and why, for its trace's first line: in English and as a text (with the sender and recipients added). */
export interface GeneratedOrigin {
  readonly summary: string;
  readonly code: Extract<TraceTextCode, `inbound.envelope/${string}`>;
  readonly params: Readonly<Record<string, TextValue>>;
}

/**
 * Mail we wrote (the whole message in `raw`) to `recipients`, routed like any mail to
 * them; `undeliverable` lists those in a hosted domain that no one holds.
 */
export function generatedMail(input: {
  queueId: string;
  raw: Buffer;
  /**
   * `raw`'s header fields, as summarizeHeaders reads them. The caller reads them: the
   * header decoder is a module short commands that load this builder's face do without.
   */
  summary: HeaderSummary;
  mailFrom: string;
  recipients: readonly string[];
  snapshot: RoutingSnapshot;
  now: number;
  hostname: string;
  origin: GeneratedOrigin;
}): { record: ReceivedRecord; undeliverable: string[] } {
  const deliveries: NewDelivery[] = [];
  const undeliverable: string[] = [];
  for (const r of input.recipients) {
    const ds = deliveriesFor(r, input.snapshot, input.now);
    if (ds) deliveries.push(...ds);
    else undeliverable.push(r);
  }
  const { summary } = input;
  const record = generatedRecord({
    queueId: input.queueId,
    now: input.now,
    mailFrom: input.mailFrom,
    helo: input.hostname,
    configVersion: input.snapshot.version,
    messageId: summary.messageId,
    subject: summary.subject,
    headerFrom: summary.from,
    content: contentOf(input.raw),
    deliveries: deliveries.map((d) => ({
      delivery: d,
      planned: `<${d.originalRecipient}> → <${d.recipient}> by ${d.transport === 'smtp' ? (d.route ? `route ${d.route}` : 'next hop by domain') : d.transport}: queued`,
      plannedText: plannedText(d),
    })),
    envelope: {
      summary: `${input.origin.summary} from <${input.mailFrom}> to ${addressList(input.recipients)}`,
      data: { mailFrom: input.mailFrom, recipients: input.recipients, origin: input.origin.summary },
      text: { code: input.origin.code, params: { ...input.origin.params, mailFrom: input.mailFrom, recipients: addressList(input.recipients) } },
    },
  });
  return { record, undeliverable };
}
