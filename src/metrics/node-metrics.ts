import client from 'prom-client';

export type SmtpCommand = 'rcpt' | 'data';
export type ConnectionRefusal = 'per_client_limit' | 'global_limit' | 'store_unavailable';
/** Where a store commit was made: accepted mail (250 waits for it), or attempt outcomes. */
export type CommitKind = 'receive' | 'complete';

export interface InboundMetrics {
  /** A session took a place under the global client limit; `connectionClosed` gives it back. */
  connectionOpened(): void;
  connectionClosed(): void;
  /** A client got its greeting. */
  connectionAccepted(): void;
  connectionRefused(reason: ConnectionRefusal): void;
  /** A reply to RCPT TO or to the end of DATA; `reason` is one of a fixed set of words. */
  reply(command: SmtpCommand, code: number, reason: string): void;
  /** A message was committed and answered 250, with the spam filter's verdict. */
  messageAccepted(spam: boolean): void;
  storeCommit(kind: CommitKind, seconds: number): void;
}

export interface QueueMetrics {
  /** One delivery's attempt ended; `latencySeconds` from acceptance, for final outcomes only. */
  deliveryOutcome(transport: string, outcome: string, latencySeconds: number | null): void;
  storeCommit(kind: CommitKind, seconds: number): void;
}

export interface DeskMetrics {
  /** `reason` says why mail was set aside, and is empty for the other outcomes. */
  deskIntake(outcome: string, reason: string): void;
}

export interface WebhookMetrics {
  webhookPost(outcome: 'delivered' | 'deferred' | 'bounced', reason: string): void;
}

/** What the scrape reads from the store and the live configuration, so every node reports the same queue. */
export interface ScrapeReaders {
  countByStatus(): Promise<Record<string, number>>;
  /** When the oldest delivery still deferred was accepted (ms since the epoch), or null. */
  oldestDeferredAt(): Promise<number | null>;
  config(): { readonly version: number; readonly usable: boolean };
  /** Whether the store answers, as the node sees it (what /healthz reports). */
  storeUp(): boolean;
  now(): number;
}

export interface NodeMetrics extends InboundMetrics, QueueMetrics, DeskMetrics, WebhookMetrics {
  readonly registry: client.Registry;
  /** Registers the families read at scrape time (once, by the web server). */
  watch(readers: ScrapeReaders): void;
  /** The budget of message bodies kept in memory for their first attempt (inbound and queue on one node). */
  watchHeldBodies(budget: HeldBodies): void;
}

/** What the held-bodies gauges read: ByteBudget's face. */
export interface HeldBodies {
  readonly used: number;
  readonly capacity: number;
}

const DELIVERY_STATES = ['queued', 'active', 'deferred', 'held', 'delivered', 'bounced', 'expired', 'deleted'] as const;
const TRANSPORTS = ['smtp', 'mailbox', 'desk', 'webhook'] as const;
const FINAL_OUTCOMES = new Set(['delivered', 'bounced', 'expired']);
/** From a local hand-over (well under a second) to the retry limit (5 days by default). */
const LATENCY_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 12 * 3600, 86_400, 2 * 86_400, 5 * 86_400];
/** An fsync'd commit takes milliseconds; seconds mean a stalled disk or database. */
const COMMIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** "2xx", "4xx" or "5xx" for an SMTP reply code. */
function statusClassOf(code: number): string {
  return `${Math.floor(code / 100)}xx`;
}

/**
 * The families of one node, each labelled with the node's name: counters count what this
 * process did, so a dashboard sums them over `node`.
 */
export function createNodeMetrics(node: string): NodeMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ node });
  client.collectDefaultMetrics({ register: registry, prefix: 'relaydesk_' });
  const registers = [registry];

  const open = new client.Gauge({ name: 'relaydesk_smtp_connections_open', help: 'SMTP sessions open now', registers });
  const accepted = new client.Counter({ name: 'relaydesk_smtp_connections_accepted_total', help: 'SMTP clients greeted', registers });
  const refused = new client.Counter({
    name: 'relaydesk_smtp_connections_refused_total',
    help: 'SMTP clients refused with 421, by reason',
    labelNames: ['reason'],
    registers,
  });
  const replies = new client.Counter({
    name: 'relaydesk_smtp_replies_total',
    help: 'Replies to RCPT TO and to the end of DATA, by command, status class and reason',
    labelNames: ['command', 'class', 'reason'],
    registers,
  });
  const messages = new client.Counter({ name: 'relaydesk_messages_accepted_total', help: 'Messages committed and answered 250', registers });
  const verdicts = new client.Counter({
    name: 'relaydesk_spam_verdicts_total',
    help: 'Spam verdicts of accepted messages',
    labelNames: ['verdict'],
    registers,
  });
  const outcomes = new client.Counter({
    name: 'relaydesk_delivery_outcomes_total',
    help: 'Ends of delivery attempts, by transport and outcome',
    labelNames: ['transport', 'outcome'],
    registers,
  });
  const latency = new client.Histogram({
    name: 'relaydesk_delivery_latency_seconds',
    help: 'From acceptance to the final outcome of a delivery',
    labelNames: ['transport', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const intakes = new client.Counter({
    name: 'relaydesk_desk_intakes_total',
    help: 'Desk intakes by outcome, and why mail was set aside',
    labelNames: ['outcome', 'reason'],
    registers,
  });
  const webhooks = new client.Counter({
    name: 'relaydesk_webhook_posts_total',
    help: 'Webhook deliveries by outcome and reason',
    labelNames: ['outcome', 'reason'],
    registers,
  });
  const commits = new client.Histogram({
    name: 'relaydesk_store_commit_seconds',
    help: 'Store commits (a group of writes in one transaction), by kind',
    labelNames: ['kind'],
    buckets: COMMIT_BUCKETS,
    registers,
  });

  let held: HeldBodies | null = null;
  new client.Gauge({
    name: 'relaydesk_held_body_bytes',
    help: 'Bytes of message bodies kept in memory to be sent without reading them back (0 on a node that does not keep them)',
    registers,
    collect() {
      this.set(held?.used ?? 0);
    },
  });
  new client.Gauge({
    name: 'relaydesk_held_body_limit_bytes',
    help: 'The most bytes of message bodies this node keeps in memory; past it bodies are read back from the store',
    registers,
    collect() {
      this.set(held?.capacity ?? 0);
    },
  });

  // Zero samples from the start: a rate over a series that appears only with its first
  // event misses that event, and an alert on "absent" cannot tell quiet from broken.
  for (const reason of ['per_client_limit', 'global_limit', 'store_unavailable']) refused.inc({ reason }, 0);
  for (const command of ['rcpt', 'data']) replies.inc({ command, class: '2xx', reason: 'accepted' }, 0);
  for (const verdict of ['ham', 'spam']) verdicts.inc({ verdict }, 0);
  for (const transport of TRANSPORTS) for (const outcome of ['delivered', 'deferred', 'bounced', 'expired']) outcomes.inc({ transport, outcome }, 0);
  for (const outcome of ['new_case', 'failed']) intakes.inc({ outcome, reason: '' }, 0);
  for (const [outcome, reason] of [
    ['delivered', 'http_2xx'],
    ['deferred', 'http_5xx'],
    ['deferred', 'no_answer'],
    ['bounced', 'http_4xx'],
  ] as const)
    webhooks.inc({ outcome, reason }, 0);

  let watched = false;
  return {
    registry,
    connectionOpened: () => open.inc(),
    connectionClosed: () => open.dec(),
    connectionAccepted: () => accepted.inc(),
    connectionRefused: (reason) => refused.inc({ reason }),
    reply: (command, code, reason) => replies.inc({ command, class: statusClassOf(code), reason }),
    messageAccepted(spam) {
      messages.inc();
      verdicts.inc({ verdict: spam ? 'spam' : 'ham' });
    },
    storeCommit: (kind, seconds) => commits.observe({ kind }, seconds),
    deliveryOutcome(transport, outcome, latencySeconds) {
      outcomes.inc({ transport, outcome });
      if (latencySeconds !== null && FINAL_OUTCOMES.has(outcome)) latency.observe({ transport, outcome }, Math.max(0, latencySeconds));
    },
    deskIntake: (outcome, reason) => intakes.inc({ outcome, reason }),
    webhookPost: (outcome, reason) => webhooks.inc({ outcome, reason }),
    watchHeldBodies(budget) {
      held = budget;
    },
    watch(readers) {
      if (watched) return;
      watched = true;
      watchStore(registry, readers);
    },
  };
}

function watchStore(registry: client.Registry, readers: ScrapeReaders): void {
  const registers = [registry];
  // Both read the store; the first to be collected asks, and the other uses its answer.
  let reading: Promise<{ counts: Record<string, number>; oldest: number | null } | null> | null = null;
  const read = () => {
    reading ??= Promise.all([readers.countByStatus(), readers.oldestDeferredAt()])
      .then(([counts, oldest]) => ({ counts, oldest }))
      .catch(() => null)
      .finally(() => setImmediate(() => (reading = null)));
    return reading;
  };
  new client.Gauge({
    name: 'relaydesk_store_up',
    help: '1 while the store answers, as the node sees it (its probe and every store call), else 0',
    registers,
    collect() {
      this.set(readers.storeUp() ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'relaydesk_deliveries',
    help: 'Deliveries in the store by status (the queue: the same on every node)',
    labelNames: ['status'],
    registers,
    async collect() {
      const r = await read();
      // Without an answer the series go away rather than repeat stale figures.
      if (!r) return this.reset();
      for (const status of DELIVERY_STATES) this.set({ status }, r.counts[status] ?? 0);
    },
  });
  new client.Gauge({
    name: 'relaydesk_queue_oldest_deferred_age_seconds',
    help: 'Age of the oldest deferred delivery, from acceptance (0 when none is deferred)',
    registers,
    async collect() {
      const r = await read();
      this.set(!r ? Number.NaN : r.oldest === null ? 0 : Math.max(0, (readers.now() - r.oldest) / 1000));
    },
  });
  new client.Gauge({
    name: 'relaydesk_config_version',
    help: 'Version of the configuration in force on this node',
    registers,
    collect() {
      this.set(readers.config().version);
    },
  });
  new client.Gauge({
    name: 'relaydesk_config_usable',
    help: '1 when the node has a configuration that validates, 0 when it answers 451 for want of one',
    registers,
    collect() {
      this.set(readers.config().usable ? 1 : 0);
    },
  });
}
