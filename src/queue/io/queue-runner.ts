import type { Clock } from '../../base/clock.js';
import { randomToken } from '../../base/ids.js';
import type { Logger } from '../../base/log.js';
import type { LiveConfig, LiveState } from '../../config/io/live-config.js';
import type { MessageSource } from '../../base/message-source.js';
import {
  claimDue,
  completeMany,
  GroupCommit,
  type AttemptCompletion,
  loadSource,
  messageRowOf,
  reclaimExpiredLeases,
  reclaimOwnStaleLeases,
  renewLeases,
  type Db,
  type DeliveryRow,
  type DialectCaps,
  type MessageRow,
  type ReceivedRecord,
} from '../../store/index.js';
import { applyTransform } from '../../outbound/index.js';
import type { MessageTransform } from '../../routing/index.js';
import type { RetryPolicy } from '../schedule.js';
import { settleAttempt, type AttemptOutcome } from '../settle.js';
import { groupDeliveries } from '../group.js';
import type { BounceFactory } from './bounces.js';

export type { AttemptOutcome };

export interface AttemptContext {
  readonly message: MessageRow;
  /** This group's copy of the message (its rule's header edits applied), read as sent. */
  readonly source: MessageSource;
  readonly deliveries: readonly DeliveryRow[];
  /** The configuration in force when the attempt started (hosts, smarthost, DKIM, SRS…). */
  readonly config: LiveState;
}

/** A transport carries one group of deliveries of one message and says how each went. */
export type TransportHandler = (ctx: AttemptContext) => Promise<ReadonlyMap<number, AttemptOutcome>>;

export interface QueueRunnerDeps {
  readonly db: Db;
  readonly caps: DialectCaps;
  readonly live: LiveConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * This node's name, unique among the processes sharing the store (default: the host
   * name). Leases are owned by `<nodeName>/<pid>/<random>`; at start a node takes back
   * the leases of its own earlier runs.
   */
  readonly nodeName: string;
  readonly transports: Readonly<Record<string, TransportHandler>>;
  readonly bounces: BounceFactory;
}

/** Deliveries in flight at once across all destinations (Postfix's active queue window). */
const ACTIVE_WINDOW = 400;
/**
 * A claim lasts this long unless renewed; a node that dies mid-attempt gives its work
 * back after it (at once, if it restarts under the same node name).
 */
const LEASE_MS = 60_000;
const RENEW_EVERY_MS = 15_000;
/** Even without a wake-up (another node, the CLI releasing mail) due work is found this soon. */
const IDLE_POLL_MS = 1_000;
const RECLAIM_EVERY_MS = 10_000;

export class QueueRunner {
  #running = false;
  #inFlight = 0;
  #wakeup: (() => void) | null = null;
  #woken = false;
  #loop: Promise<void> | null = null;
  #pending = new Set<Promise<void>>();
  #lastReclaim = 0;
  #lastRenew = 0;
  #backlog = false;
  /** Window slots promised to deliveries being committed by the receiver. */
  #reserved = 0;
  /** The earliest retry this node scheduled itself; saves polling the store for it. */
  #nextLocalDue = Infinity;
  readonly owner: string;
  /** Outcomes of attempts that end together share one commit. */
  readonly #completions: GroupCommit<AttemptCompletion, void>;

  constructor(private readonly deps: QueueRunnerDeps) {
    this.#completions = new GroupCommit((items) => completeMany(deps.db, items));
    this.owner = `${deps.nodeName}/${process.pid}/${randomToken(6)}`;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New work was committed: claim it now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    const w = this.#wakeup;
    this.#wakeup = null;
    w?.();
  }

  /** Stops claiming; waits for attempts in flight so their outcomes are recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#pending]);
  }

  async #run(): Promise<void> {
    const { deps } = this;
    try {
      const n = await reclaimOwnStaleLeases(deps.db, { nodeName: deps.nodeName, owner: this.owner, now: deps.clock.now() });
      if (n > 0) deps.logger.warn({ event: 'queue.reclaimed', count: n }, 'took back deliveries that an earlier run of this node had claimed');
    } catch (e) {
      deps.logger.error({ event: 'queue.store_error', err: (e as Error).message }, 'cannot take back earlier claims; they return when their leases expire');
    }
    while (this.#running) {
      this.#woken = false;
      let claimed: DeliveryRow[] = [];
      let room = 0;
      const now = deps.clock.now();
      try {
        if (now - this.#lastReclaim > RECLAIM_EVERY_MS) {
          this.#lastReclaim = now;
          const n = await reclaimExpiredLeases(deps.db, now);
          if (n > 0) deps.logger.warn({ event: 'queue.reclaimed', count: n }, 'took back deliveries whose lease expired');
        }
        if (this.#inFlight > 0 && now - this.#lastRenew > RENEW_EVERY_MS) {
          this.#lastRenew = now;
          await renewLeases(deps.db, { owner: this.owner, now, leaseMs: LEASE_MS });
        }
        room = ACTIVE_WINDOW - this.#inFlight - this.#reserved;
        if (this.#nextLocalDue <= now) this.#nextLocalDue = Infinity;
        if (room > 0) claimed = await claimDue(deps.db, deps.caps, { now, limit: room, owner: this.owner, leaseMs: LEASE_MS });
      } catch (e) {
        deps.logger.error({ event: 'queue.store_error', err: (e as Error).message }, 'cannot claim deliveries; retrying');
      }
      for (const group of groupDeliveries(claimed)) this.#dispatch(group.deliveries);
      // A full claim may have left due work behind: come back as soon as room frees up.
      this.#backlog = room <= 0 || claimed.length === room;
      if (this.#woken) continue;
      // Due work we know of (our own deferrals) sets the alarm; the poll finds what other
      // nodes and the CLI (a release from quarantine) made due.
      await this.#sleep(Math.max(0, Math.min(IDLE_POLL_MS, this.#nextLocalDue - deps.clock.now())));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wakeup = null;
        resolve();
      }, ms);
      this.#wakeup = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** Room in the active window for deliveries about to be committed (see Receiver's handoff). */
  reserve(count: number): { owner: string; until: number } | null {
    if (!this.#running || this.#inFlight + this.#reserved + count > ACTIVE_WINDOW) return null;
    this.#reserved += count;
    return { owner: this.owner, until: this.deps.clock.now() + LEASE_MS };
  }

  release(count: number): void {
    this.#reserved -= count;
  }

  /** Deliveries committed already claimed by this runner: attempt them now, from memory. */
  adopt(input: { record: ReceivedRecord; ids: readonly number[]; count: number; source: MessageSource }): void {
    this.#reserved -= input.count;
    const { record, ids } = input;
    const message = messageRowOf(record);
    const rows: DeliveryRow[] = [];
    record.deliveries.forEach((d, i) => {
      if (d.status !== 'active') return;
      rows.push({
        id: ids[i]!,
        queueId: message.queueId,
        recipient: d.recipient,
        originalRecipient: d.originalRecipient,
        transport: d.transport,
        route: d.route,
        requireTls: d.requireTls,
        suppressBounces: d.suppressBounces,
        spamFlag: d.spamFlag,
        transform: d.transform,
        rules: [...d.rules],
        status: 'active',
        holdReason: null,
        attempts: 0,
        nextAttemptAt: d.nextAttemptAt,
        lastReply: null,
        createdAt: message.receivedAt,
        updatedAt: message.receivedAt,
      });
    });
    for (const group of groupDeliveries(rows)) this.#dispatch(group.deliveries, { message, source: input.source });
  }

  #dispatch(deliveries: readonly DeliveryRow[], known?: { message: MessageRow; source: MessageSource }): void {
    this.#inFlight += deliveries.length;
    const p = this.#attempt(deliveries, known)
      .catch((e: unknown) => this.deps.logger.error({ event: 'queue.attempt_failed', qid: deliveries[0]?.queueId, err: (e as Error).message }, 'attempt could not be recorded; the lease will expire and it is retried'))
      .finally(() => {
        this.#inFlight -= deliveries.length;
        this.#pending.delete(p);
        if (this.#backlog) this.wake();
      });
    this.#pending.add(p);
  }

  async #attempt(deliveries: readonly DeliveryRow[], known?: { message: MessageRow; source: MessageSource }): Promise<void> {
    const { deps } = this;
    const first = deliveries[0]!;
    // The version in force now: an apply a moment ago (on any node) is already used.
    const config = await deps.live.current().catch(() => deps.live.cached);
    const stored = known ?? (await loadSource(deps.db, first.queueId));
    const message = stored?.message ?? null;
    const startedAt = deps.clock.now();
    let outcomes: ReadonlyMap<number, AttemptOutcome>;
    if (!stored || !message) {
      outcomes = new Map(deliveries.map((d) => [d.id, { kind: 'bounced', reply: 'message body missing from the store', status: '5.3.0' } as const]));
    } else {
      const handler = deps.transports[first.transport];
      if (!handler) {
        outcomes = new Map(deliveries.map((d) => [d.id, { kind: 'deferred', reply: `no ${first.transport} transport runs on this node; start one with --roles` } as const]));
      } else {
        try {
          // The copy this group gets (headers, subject, attachments), whatever carries it.
          const copy = await applyTransform(stored.source, first.transform as MessageTransform, { spamVerdict: { spam: message.spam, score: message.spamScore } });
          outcomes = await handler({ message, source: copy, deliveries, config });
        } catch (e) {
          outcomes = new Map(deliveries.map((d) => [d.id, { kind: 'deferred', reply: `local error: ${(e as Error).message}` } as const]));
        }
      }
    }
    await this.#record(deliveries, outcomes, message, stored?.source.header ?? null, startedAt, config);
  }

  async #record(deliveries: readonly DeliveryRow[], outcomes: ReadonlyMap<number, AttemptOutcome>, message: MessageRow | null, header: Buffer | null, startedAt: number, state: LiveState): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now();
    const r = state.config.queue.retry;
    const policy: RetryPolicy = { firstRetryMs: r.firstRetry, maxIntervalMs: r.maxInterval, giveUpAfterMs: r.giveUpAfter };
    const { results, trace, mailbox, failures, nextDue } = settleAttempt({ deliveries, outcomes, receivedAt: message?.receivedAt ?? null, startedAt, now, policy });
    this.#nextLocalDue = Math.min(this.#nextLocalDue, nextDue);
    results.forEach((res, i) => deps.logger.info({ event: `queue.${res.status}`, qid: deliveries[i]?.queueId, rcpt: deliveries[i]?.recipient, attempt: res.attempts, reply: res.lastReply }, `delivery ${res.status}`));
    const newMessages: ReceivedRecord[] = [];
    if (failures.length > 0 && message && header) {
      const dsn = deps.bounces.forFailures({ message, header, failures, now, snapshot: state.snapshot });
      trace.push(...dsn.trace);
      if (dsn.record) newMessages.push(dsn.record);
    }
    await this.#completions.submit({ owner: this.owner, now, results, trace, newMessages, mailbox });
    if (newMessages.length > 0) this.wake();
  }
}
