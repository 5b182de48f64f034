import type { Clock } from '../../base/clock.js';
import { EVENTS } from '../../base/events.js';
import { newQueueId } from '../../base/ids.js';
import { addressList, plannedText, traceText, type TraceText } from '../../base/trace-texts.js';
import type { Logger } from '../../base/log.js';
import type { LiveConfig } from '../../config/index.js';
import { planDeliveries, type PlannedDelivery, type RecipientPlan, type SpamVerdict } from '../../routing/index.js';
import { storedSource, type NewDelivery, type ReceivedRecord, type StoreWriter, type StoreHandle, type TraceEvent } from '../../store/index.js';
import { summarizeHeaders } from '../../base/headers.js';
import { bufferedSource, type MessageSource } from '../../base/message-source.js';
import type { ByteBudget } from '../../base/byte-budget.js';
import { renderReceivedHeader, stripForgedAuthResults } from '../accept.js';
import { MAX_HEADER_BYTES, MAX_HEADER_FIELDS } from '../data-reader.js';
import { IncomingMessage } from './incoming.js';
import type { InboundMetrics } from '../../metrics/index.js';

export interface SpamCheckResult {
  readonly verdict: SpamVerdict;
  readonly authResults: Record<string, unknown>;
  /** An Authentication-Results header line (without CRLF), or null when checks are off. */
  readonly authenticationResultsHeader: string | null;
}

/** The spam engine ends the transaction instead: the reply to the end of DATA, and why (for the log). */
export interface SpamCheckRefusal {
  readonly refusal: { readonly code: number; readonly enhanced: string; readonly text: string };
  /** A word for the metrics' reply reason: `spam_rejected`, `spam_deferred`, `spam_unavailable`. */
  readonly reason: string;
  /** What the engine said, in a sentence, for the log. */
  readonly detail: string;
}

export type SpamCheck = (
  message: MessageSource,
  env: { mailFrom: string; recipients: readonly string[]; clientIp: string; helo: string; queueId: string },
  facts: { gtube: boolean },
) => Promise<SpamCheckResult | SpamCheckRefusal>;

/** Thrown by `receive` when the spam engine refused the message: nothing was stored. */
export class RefusedBySpamCheck extends Error {
  constructor(readonly refused: SpamCheckRefusal) {
    super(`refused by the spam filter: ${refused.detail}`);
  }
}

export interface ReceiveInput {
  readonly mailFrom: string;
  readonly recipients: readonly { address: string; plan: RecipientPlan }[];
  readonly helo: string;
  readonly clientIp: string;
  readonly tls: boolean;
  readonly sessionId: string;
}

export interface ReceiverDeps {
  readonly store: Pick<StoreHandle, 'db' | 'lazyTransaction' | 'writeChunks'>;
  /** Names this process on the spool of messages still arriving. */
  readonly owner: string;
  readonly live: LiveConfig;
  readonly writer: StoreWriter;
  readonly spamCheck: SpamCheck;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hostname: string;
  /** Called after the commit, so the queue runner starts the first attempt at once. */
  readonly onQueued: (queueId: string) => void;
  /**
   * The queue runner of this process, when it has one. Deliveries it has room for are
   * committed already claimed by it and handed over in memory: no claim query and no
   * reading back of what was just written. A crash leaves them to lease expiry.
   */
  readonly handoff?: Handoff;
  /** Counts accepted messages and their spam verdicts. */
  readonly metrics?: Pick<InboundMetrics, 'messageAccepted'>;
  /**
   * Bytes of large messages' bodies kept in memory after they are stored, for the
   * handoff: a message handed over whole from memory is not read back from the store.
   * Without it (or when it is full) the handoff reads the body back.
   */
  readonly heldBodies?: ByteBudget;
}

/**
 * Large bodies kept in memory for the handoff, at most, summed over the messages in
 * flight: about 32 messages of 1 MiB at once (the handoff's window is 400 deliveries).
 * Beyond it a body is read back from the store as before.
 */
export const HELD_BODIES_BYTES = 32 * 1024 * 1024;

export interface Handoff {
  reserve(count: number): { owner: string; until: number } | null;
  /** `settled` is called once every attempt made from `source` has ended (or none is made). */
  adopt(input: { record: ReceivedRecord; ids: readonly number[]; count: number; source: MessageSource; settled?: () => void }): void;
  release(count: number): void;
}

/**
 * From DATA to a committed message: the body goes to the store as it arrives
 * (`begin`), then spam verdict, delivery plan, our headers and one durable write
 * (`receive`). The caller answers 250 only when `receive` resolves.
 */
export class Receiver {
  constructor(private readonly deps: ReceiverDeps) {}

  /** A new message whose DATA is about to arrive, under the size limit in force. */
  begin(): IncomingMessage {
    const { deps } = this;
    return new IncomingMessage(
      newQueueId(deps.clock.now()),
      { store: deps.store, owner: deps.owner, now: () => deps.clock.now(), ...(deps.handoff && deps.heldBodies ? { keep: deps.heldBodies } : {}) },
      {
        maxSize: deps.live.cached.config.smtp.maxMessageSize,
        maxHeaderBytes: MAX_HEADER_BYTES,
        maxHeaderFields: MAX_HEADER_FIELDS,
      },
    );
  }

  async receive(incoming: IncomingMessage, input: ReceiveInput): Promise<string> {
    try {
      return await this.#receive(incoming, input);
    } finally {
      // Whatever was not handed over with the message is let go of here.
      incoming.dropBody();
    }
  }

  async #receive(incoming: IncomingMessage, input: ReceiveInput): Promise<string> {
    const { deps } = this;
    const state = deps.live.cached;
    const receivedAt = deps.clock.now();
    const queueId = incoming.queueId;
    const read = incoming.end();
    const check = await deps.spamCheck(
      incoming.source(),
      { mailFrom: input.mailFrom, recipients: input.recipients.map((r) => r.address), clientIp: input.clientIp, helo: input.helo, queueId },
      { gtube: incoming.gtube },
    );
    if ('refusal' in check) throw new RefusedBySpamCheck(check);
    const planned = planDeliveries(
      input.recipients.map((r) => r.plan),
      check.verdict,
    );

    const received = renderReceivedHeader({
      helo: input.helo,
      clientIp: input.clientIp,
      hostname: deps.hostname,
      queueId,
      recipient: input.recipients.length === 1 ? input.recipients[0]!.address : undefined,
      tls: input.tls,
      date: new Date(receivedAt),
    });
    const authHeader = check.authenticationResultsHeader ? `${check.authenticationResultsHeader.replace(/\r?\n$/, '')}\r\n` : '';
    const header = Buffer.concat([Buffer.from(received + authHeader, 'utf8'), stripForgedAuthResults(read.header, deps.hostname)]);
    const summary = summarizeHeaders(read.header);
    const content = incoming.content(header);

    const toQueue = planned.filter((d) => !d.held).length;
    const lease = toQueue > 0 ? (deps.handoff?.reserve(toQueue) ?? null) : null;
    const deliveries = planned.map((d) => toNewDelivery(d, receivedAt, lease));
    const trace = traceOf({ queueId, at: receivedAt, input, verdict: check.verdict, authResults: check.authResults, planned });
    const record: ReceivedRecord = {
      message: {
        queueId,
        messageId: summary.messageId,
        mailFrom: input.mailFrom,
        helo: input.helo,
        clientIp: input.clientIp,
        subject: summary.subject,
        headerFrom: summary.from,
        receivedAt,
        configVersion: state.version,
        spam: check.verdict.spam,
        spamScore: check.verdict.score,
        spamReasons: check.verdict.reasons,
        authResults: check.authResults,
      },
      content,
      deliveries,
      trace,
    };
    let ids: number[];
    try {
      ids = await deps.writer.save(record);
    } catch (e) {
      if (lease) deps.handoff?.release(toQueue);
      throw e;
    }
    const size = header.length - read.header.length + read.size;
    deps.logger.info(
      {
        event: EVENTS.accepted,
        sid: input.sessionId,
        qid: queueId,
        from: input.mailFrom,
        rcpts: input.recipients.length,
        deliveries: deliveries.length,
        held: deliveries.filter((d) => d.status === 'held').length,
        size,
        spam: check.verdict.spam,
      },
      'message accepted',
    );
    deps.metrics?.messageAccepted(check.verdict.spam);
    if (lease) {
      // A small message is still whole in memory, and so is a large one while the budget
      // for held bodies had room; otherwise it is read back as it is sent.
      const held = incoming.spooled ? incoming.takeBody() : null;
      const source = held
        ? bufferedSource(header, held.body)
        : incoming.spooled
          ? storedSource(deps.store.db, queueId, header, size)
          : bufferedSource(header, content.body);
      const settled = held ? () => deps.heldBodies?.give(held.bytes) : undefined;
      deps.handoff?.adopt({ record, ids, count: toQueue, source, ...(settled ? { settled } : {}) });
    } else if (toQueue > 0) deps.onQueued(queueId);
    return queueId;
  }
}

function toNewDelivery(d: PlannedDelivery, now: number, lease: { owner: string; until: number } | null): NewDelivery {
  return {
    recipient: d.recipient,
    originalRecipient: d.originalRecipient,
    transport: d.transport,
    route: d.route ?? null,
    requireTls: d.requireTls,
    suppressBounces: d.suppressBounces,
    spamFlag: d.spamFlag,
    transform: d.transform,
    rules: d.rules,
    status: d.held ? 'held' : lease ? 'active' : 'queued',
    holdReason: d.held ? (d.holdReason ?? 'spam') : null,
    nextAttemptAt: now,
    ...(lease && !d.held ? { lease } : {}),
  };
}

function traceOf(x: {
  queueId: string;
  at: number;
  input: ReceiveInput;
  verdict: SpamVerdict;
  authResults: Record<string, unknown>;
  planned: readonly PlannedDelivery[];
}): TraceEvent[] {
  const { queueId, at, input } = x;
  const ev = (code: string, summary: string, data: Record<string, unknown>, text: TraceText): TraceEvent => ({ queueId, at, code, summary, data, text });
  const out: TraceEvent[] = [
    ev(
      EVENTS.envelope,
      `from <${input.mailFrom}> to ${input.recipients.map((r) => `<${r.address}>`).join(', ')} via ${input.clientIp} (${input.helo || 'no HELO'})${input.tls ? ' over TLS' : ''}`,
      {
        mailFrom: input.mailFrom,
        recipients: input.recipients.map((r) => r.address),
        clientIp: input.clientIp,
        helo: input.helo,
        tls: input.tls,
      },
      traceText(input.tls ? 'inbound.envelope/tls' : 'inbound.envelope', {
        mailFrom: input.mailFrom,
        recipients: addressList(input.recipients.map((r) => r.address)),
        clientIp: input.clientIp,
        helo: input.helo || '-',
      }),
    ),
    ev(EVENTS.authResults, authLine(x.authResults), x.authResults, authText(x.authResults)),
    ev(
      EVENTS.verdict,
      `${x.verdict.spam ? 'spam' : 'not spam'} (score ${x.verdict.score}${x.verdict.reasons.length ? `: ${x.verdict.reasons.join(', ')}` : ''})`,
      { ...x.verdict },
      traceText(x.verdict.spam ? 'spam.verdict/spam' : 'spam.verdict/not-spam', {
        score: x.verdict.score,
        reasons: x.verdict.reasons.length ? x.verdict.reasons.join(', ') : '-',
      }),
    ),
  ];
  const seen = new Set<string>();
  for (const d of x.planned) {
    for (const rule of d.rules) {
      const key = `${d.originalRecipient}\u0000${rule}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(
        ev(
          EVENTS.ruleApplied,
          `rule "${rule}" applied to <${d.originalRecipient}>`,
          { rule, recipient: d.originalRecipient },
          traceText('routing.rule_applied', { rule, recipient: d.originalRecipient }),
        ),
      );
    }
  }
  for (const d of x.planned) {
    const where = d.transport === 'smtp' ? (d.route ? `route ${d.route}` : 'next hop by domain') : d.transport;
    const state = d.held ? `held (${d.holdReason ?? 'spam'})` : 'queued';
    out.push(
      ev(
        d.held ? EVENTS.held : EVENTS.planned,
        `<${d.originalRecipient}> → <${d.recipient}> by ${where}: ${state}`,
        { recipient: d.recipient, originalRecipient: d.originalRecipient, transport: d.transport, route: d.route ?? null, held: d.held },
        plannedText(d),
      ),
    );
  }
  out.push(ev(EVENTS.accepted, `accepted: 250 queued as ${queueId}`, { queueId }, traceText('inbound.accepted', { queueId })));
  return out;
}

function authLine(a: Record<string, unknown>): string {
  const rspamd = a['rspamd'];
  if (rspamd && typeof rspamd === 'object') {
    const r = rspamd as Record<string, unknown>;
    if (typeof r['unscanned'] === 'string') return `unscanned: ${r['unscanned']}`;
    return `rspamd: action "${String(r['action'])}", score ${String(r['score'])} of ${String(r['requiredScore'])}`;
  }
  const parts: string[] = [];
  for (const k of ['spf', 'dkim', 'dmarc', 'arc']) {
    const v = a[k];
    if (v && typeof v === 'object' && 'result' in v) parts.push(`${k}=${String((v as { result: unknown }).result)}`);
    else if (typeof v === 'string') parts.push(`${k}=${v}`);
  }
  return parts.length ? parts.join(' ') : 'authentication checks off';
}

/** The same line as a text: the results themselves (`spf=pass dkim=none`) are data. */
function authText(a: Record<string, unknown>): TraceText {
  const rspamd = a['rspamd'];
  if (rspamd && typeof rspamd === 'object') {
    const r = rspamd as Record<string, unknown>;
    if (typeof r['unscanned'] === 'string') return traceText('spam.auth_results/unscanned', { why: r['unscanned'] });
    return traceText('spam.auth_results/rspamd', { action: String(r['action']), score: String(r['score']), requiredScore: String(r['requiredScore']) });
  }
  const line = authLine(a);
  return line === 'authentication checks off' ? traceText('spam.auth_results/off', {}) : traceText('spam.auth_results', { results: line });
}
