import type { Clock } from '../../base/clock.js';
import { newQueueId, randomToken } from '../../base/ids.js';
import type { Logger } from '../../base/log.js';
import type { LiveConfig, LiveState } from '../../config/index.js';
import type { MessageSource } from '../../base/message-source.js';
import {
  claimDue,
  completeMany,
  type AttemptCompletion,
  type AttemptResult,
  loadSource,
  messageRowOf,
  reclaimExpiredLeases,
  reclaimOwnStaleLeases,
  releaseLeases,
  renewLeases,
  type Db,
  type DeliveryRow,
  type DialectCaps,
  type StoreWriter,
  type MessageRow,
  type ReceivedRecord,
  type StoreHealth,
  type TraceEvent,
} from '../../store/index.js';
import { applyTransform } from '../../outbound/index.js';
import type { MessageTransform } from '../../routing/index.js';
import type { RetryPolicy } from '../schedule.js';
import { settleAttempt, type AttemptOutcome } from '../settle.js';
import { groupDeliveries } from '../group.js';
import { bounceFor } from '../bounces.js';
import type { Transport } from '../transport.js';
import type { QueueMetrics } from '../../metrics/index.js';
import { EVENTS, type EventCode } from '../../base/events.js';
import { replyText, type TraceText } from '../../base/trace-texts.js';

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
  /** What carries deliveries on this node, each found by its key; none is known here by name. */
  readonly transports: readonly Transport[];
  /** The name DSNs are reported by (reporting MTA, MAILER-DAEMON@). */
  readonly hostname: string;
  /** Told when the store stops or starts answering (for /healthz). */
  readonly health?: StoreHealth;
  /** Counts outcomes. */
  readonly metrics?: QueueMetrics;
  /** Commits outcomes, in the node's group commit (with the messages being received meanwhile). */
  readonly writer: Pick<StoreWriter, 'complete'>;
}

/** Deliveries in flight at once across all destinations (Postfix's active queue window). */
const ACTIVE_WINDOW = 400;
/**
 * A claim lasts this long unless renewed; a node that dies mid-attempt gives its work
 * back after it (at once, if it restarts under the same node name).
 */
const LEASE_MS = 60_000;
const RENEW_EVERY_MS = 15_000;
/** An attempt does not start on a lease with less than this left: it could not finish in it. */
const LEASE_MARGIN_MS = 10_000;
/** Even without a wake-up (another node, the CLI releasing mail) due work is found this soon. */
const IDLE_POLL_MS = 1_000;
const RECLAIM_EVERY_MS = 10_000;
/** While the store does not answer, the loop asks again after this, doubling up to the cap. */
const STORE_RETRY_FIRST_MS = 500;
const STORE_RETRY_MAX_MS = 15_000;
/** Outcomes kept in memory while the store does not answer; past this the oldest go. */
const MAX_UNRECORDED = 20_000;
/** A loop that has not come round for this long is stuck (it comes round at least every STORE_RETRY_MAX_MS). */
const STALLED_AFTER_MS = 60_000;

const RESULT_EVENTS: Record<AttemptResult['status'], EventCode> = {
  delivered: EVENTS.delivered,
  deferred: EVENTS.deferred,
  bounced: EVENTS.bounced,
  expired: EVENTS.expired,
};

/** One claim: its lease owner (this process and a claim number) and when it was last known good. */
interface Claim {
  readonly owner: string;
  readonly at: number;
}

export class QueueRunner {
  #running = false;
  #inFlight = 0;
  #wakeup: (() => void) | null = null;
  #woken = false;
  #loop: Promise<void> | null = null;
  #pending = new Set<Promise<void>>();
  #lastReclaim = 0;
  #lastRenew = 0;
  /** When a renewal of every lease of this process last succeeded. */
  #renewedAt = 0;
  #backlog = false;
  /** Window slots promised to deliveries being committed by the receiver. */
  #reserved = 0;
  /** The earliest retry this node scheduled itself; saves polling the store for it. */
  #nextLocalDue = Infinity;
  #claims = 0;
  /** Store failures in a row; the loop backs off while there are any. */
  #storeFailures = 0;
  /** Since when the store answers again after an outage (0: no outage seen). */
  #recoveredAt = 0;
  /** When the loop last came round (for readiness). */
  #tickedAt = 0;
  /** Outcomes whose commit failed, kept until the store answers again. */
  readonly #unrecorded: AttemptCompletion[] = [];
  readonly owner: string;
  readonly #transports = new Map<string, Transport>();

  constructor(private readonly deps: QueueRunnerDeps) {
    for (const t of deps.transports) {
      if (this.#transports.has(t.key)) throw new Error(`two transports have the key "${t.key}"; give each its own, as deliveries find their transport by it`);
      this.#transports.set(t.key, t);
    }
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

  /**
   * Stops claiming; waits for attempts in flight so their outcomes are recorded, and for
   * messages being committed with a claim of ours; then gives back every claim left.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    while (this.#pending.size > 0 || this.#reserved > 0) {
      await Promise.race([Promise.allSettled([...this.#pending]), new Promise((r) => setTimeout(r, 20))]);
    }
    if (this.#unrecorded.length > 0) await this.#flushUnrecorded().catch(() => undefined);
    // Outcomes the store has not taken keep their claims: given back, those deliveries would
    // be attempted again; they return when their leases expire, like a crashed node's.
    if (this.#unrecorded.length > 0) return;
    try {
      const n = await releaseLeases(this.deps.db, { owner: this.owner, now: this.deps.clock.now() });
      if (n > 0) this.deps.logger.info({ event: EVENTS.released, count: n }, 'gave back deliveries claimed but not attempted; they are due at once');
    } catch (e) {
      this.deps.logger.warn(
        { event: EVENTS.queueStoreError, err: (e as Error).message },
        'cannot give back the claims of this process; they return when their leases expire',
      );
    }
  }

  /** Whether the loop runs and came round lately (a loop stuck on a store call does not). */
  get alive(): boolean {
    return this.#running && this.deps.clock.now() - this.#tickedAt < STALLED_AFTER_MS;
  }

  /** A lease owner for one claim: renewals cover every claim of the process, completions only their own. */
  #newClaim(): Claim {
    return { owner: `${this.owner}#${++this.#claims}`, at: this.deps.clock.now() };
  }

  async #run(): Promise<void> {
    const { deps } = this;
    try {
      const n = await reclaimOwnStaleLeases(deps.db, { nodeName: deps.nodeName, owner: this.owner, now: deps.clock.now() });
      if (n > 0) deps.logger.warn({ event: EVENTS.reclaimed, count: n }, 'took back deliveries that an earlier run of this node had claimed');
    } catch (e) {
      deps.logger.error({ event: EVENTS.queueStoreError, err: (e as Error).message }, 'cannot take back earlier claims; they return when their leases expire');
    }
    while (this.#running) {
      this.#tickedAt = deps.clock.now();
      this.#woken = false;
      let claimed: DeliveryRow[] = [];
      let claim: Claim | null = null;
      let room = 0;
      const now = deps.clock.now();
      try {
        // What the store missed while it was away goes first: outcomes before anything is
        // attempted again, then this node's leases, before anyone's expired ones are taken.
        if (this.#unrecorded.length > 0) await this.#flushUnrecorded();
        if ((this.#inFlight > 0 || this.#storeFailures > 0) && now - this.#lastRenew > RENEW_EVERY_MS) {
          await renewLeases(deps.db, { owner: this.owner, now, leaseMs: LEASE_MS });
          this.#lastRenew = now;
          this.#renewedAt = now;
        }
        // After an outage every node comes back at about the same time: the owners of leases
        // that expired meanwhile get a lease's time to renew them before others take them.
        if (now - this.#lastReclaim > RECLAIM_EVERY_MS && now - this.#recoveredAt > LEASE_MS) {
          this.#lastReclaim = now;
          const n = await reclaimExpiredLeases(deps.db, now);
          if (n > 0) deps.logger.warn({ event: EVENTS.reclaimed, count: n }, 'took back deliveries whose lease expired');
        }
        room = ACTIVE_WINDOW - this.#inFlight - this.#reserved;
        if (this.#nextLocalDue <= now) this.#nextLocalDue = Infinity;
        if (room > 0) {
          claim = this.#newClaim();
          claimed = await claimDue(deps.db, deps.caps, { now, limit: room, owner: claim.owner, leaseMs: LEASE_MS });
        }
        this.#storeAnswered(now);
      } catch (e) {
        this.#storeFailed(e);
      }
      for (const group of groupDeliveries(claimed)) this.#dispatch(group.deliveries, claim!);
      // A full claim may have left due work behind: come back as soon as room frees up.
      this.#backlog = room <= 0 || claimed.length === room;
      if (this.#woken && this.#storeFailures === 0) continue;
      const wait =
        this.#storeFailures > 0
          ? Math.min(STORE_RETRY_MAX_MS, STORE_RETRY_FIRST_MS * 2 ** (this.#storeFailures - 1))
          : Math.min(IDLE_POLL_MS, this.#nextLocalDue - deps.clock.now());
      // Due work we know of (our own deferrals) sets the alarm; the poll finds what other
      // nodes and the CLI (a release from quarantine) made due.
      await this.#sleep(Math.max(0, wait));
    }
  }

  #storeAnswered(now: number): void {
    if (this.#storeFailures === 0) return;
    this.deps.logger.warn({ event: EVENTS.queueStoreBack, failures: this.#storeFailures }, 'the store answers again; the queue goes on');
    this.#storeFailures = 0;
    this.#recoveredAt = now;
    this.deps.health?.saw(null);
  }

  #storeFailed(e: unknown): void {
    this.#storeFailures++;
    this.deps.health?.saw(e);
    // Once when it starts, then seldom: an outage must not flood the log.
    if (this.#storeFailures === 1 || this.#storeFailures % 20 === 0) {
      this.deps.logger.error(
        { event: EVENTS.queueStoreError, failures: this.#storeFailures, unrecorded: this.#unrecorded.length, err: (e as Error).message },
        'the queue cannot reach the store; it tries again with backoff, keeping outcomes in memory meanwhile',
      );
    }
  }

  async #flushUnrecorded(): Promise<void> {
    while (this.#unrecorded.length > 0) {
      const items = this.#unrecorded.slice(0, 200);
      const recorded = await completeMany(this.deps.db, items);
      this.#unrecorded.splice(0, items.length);
      const lost = recorded.filter((r) => !r).length;
      this.deps.logger.warn({ event: EVENTS.recordedLate, count: items.length, takenOver: lost }, 'outcomes kept while the store was away are recorded');
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
    if (!this.#running || this.#storeFailures > 0 || this.#inFlight + this.#reserved + count > ACTIVE_WINDOW) return null;
    this.#reserved += count;
    const claim = this.#newClaim();
    return { owner: claim.owner, until: claim.at + LEASE_MS };
  }

  release(count: number): void {
    this.#reserved -= count;
  }

  /** Deliveries committed already claimed by this runner: attempt them now, from memory. */
  adopt(input: { record: ReceivedRecord; ids: readonly number[]; count: number; source: MessageSource; settled?: () => void }): void {
    this.#reserved -= input.count;
    // Stopping: the claim is given back with the others (see stop), not attempted now.
    if (!this.#running) return input.settled?.();
    const { record, ids } = input;
    const message = messageRowOf(record);
    const rows: DeliveryRow[] = [];
    let claim: Claim | null = null;
    record.deliveries.forEach((d, i) => {
      if (d.status !== 'active' || !d.lease) return;
      claim ??= { owner: d.lease.owner, at: d.lease.until - LEASE_MS };
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
    if (!claim) return input.settled?.();
    const groups = groupDeliveries(rows);
    if (groups.length === 0) return input.settled?.();
    let left = groups.length;
    const ended = input.settled ? () => --left === 0 && input.settled!() : undefined;
    for (const group of groups) this.#dispatch(group.deliveries, claim, { message, source: input.source }, ended);
  }

  #dispatch(deliveries: readonly DeliveryRow[], claim: Claim, known?: { message: MessageRow; source: MessageSource }, ended?: () => void): void {
    this.#inFlight += deliveries.length;
    const p = this.#attempt(deliveries, claim, known)
      .catch((e: unknown) => {
        this.deps.health?.saw(e);
        this.deps.logger.error(
          { event: EVENTS.attemptFailed, qid: deliveries[0]?.queueId, err: (e as Error).message },
          'attempt could not start; its lease expires and it is tried again',
        );
      })
      .finally(() => {
        this.#inFlight -= deliveries.length;
        this.#pending.delete(p);
        ended?.();
        if (this.#backlog) this.wake();
      });
    this.#pending.add(p);
  }

  /** Whether the claim's lease is sure to last a while yet (renewed, or young). */
  #leaseHolds(claim: Claim): boolean {
    return Math.max(claim.at, this.#renewedAt) + LEASE_MS - LEASE_MARGIN_MS > this.deps.clock.now();
  }

  async #attempt(deliveries: readonly DeliveryRow[], claim: Claim, known?: { message: MessageRow; source: MessageSource }): Promise<void> {
    const { deps } = this;
    const first = deliveries[0]!;
    // The version in force now: an apply a moment ago (on any node) is already used.
    const config = await deps.live.current().catch(() => deps.live.cached);
    const stored = known ?? (await loadSource(deps.db, first.queueId));
    // A lease that may have run out (renewals failed while the store was away) may be
    // another node's by now: sending would deliver twice. It comes back when it expires.
    if (!this.#leaseHolds(claim)) {
      deps.logger.warn(
        { event: EVENTS.leaseLapsed, qid: first.queueId, count: deliveries.length },
        'not attempted: the lease could not be renewed in time; it is tried again once it expires',
      );
      return;
    }
    const message = stored?.message ?? null;
    const startedAt = deps.clock.now();
    const notes: TraceEvent[] = [];
    let outcomes: ReadonlyMap<number, AttemptOutcome>;
    if (!stored || !message) {
      outcomes = new Map(
        deliveries.map((d) => [
          d.id,
          { kind: 'bounced', reply: 'message body missing from the store', replyText: replyText('reply.body-missing', {}), status: '5.3.0' } as const,
        ]),
      );
    } else {
      const transport = this.#transports.get(first.transport);
      if (!transport) {
        outcomes = new Map(
          deliveries.map((d) => [
            d.id,
            {
              kind: 'deferred',
              reply: `no ${first.transport} transport runs on this node; start one with --roles`,
              replyText: replyText('reply.no-transport', { transport: first.transport }),
            } as const,
          ]),
        );
      } else {
        try {
          // The copy this group gets (headers, subject, attachments), whatever carries it.
          const copy = await applyTransform(stored.source, first.transform as MessageTransform, {
            spamVerdict: { spam: message.spam, score: message.spamScore },
          });
          const note = (code: EventCode, summary: string, data: Record<string, unknown>, text: TraceText) =>
            notes.push({ queueId: first.queueId, at: deps.clock.now(), code, summary, data, text });
          outcomes = await transport.deliver({ message, source: copy, deliveries, config, note });
        } catch (e) {
          outcomes = new Map(
            deliveries.map((d) => [
              d.id,
              {
                kind: 'deferred',
                reply: `local error: ${(e as Error).message}`,
                replyText: replyText('reply.local-error', { error: (e as Error).message }),
              } as const,
            ]),
          );
        }
      }
    }
    await this.#record(deliveries, claim, outcomes, message, stored?.source.header ?? null, startedAt, config, notes);
  }

  async #record(
    deliveries: readonly DeliveryRow[],
    claim: Claim,
    outcomes: ReadonlyMap<number, AttemptOutcome>,
    message: MessageRow | null,
    header: Buffer | null,
    startedAt: number,
    state: LiveState,
    notes: readonly TraceEvent[] = [],
  ): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now();
    const r = state.config.queue.retry;
    const policy: RetryPolicy = { firstRetryMs: r.firstRetry, maxIntervalMs: r.maxInterval, giveUpAfterMs: r.giveUpAfter };
    const { results, trace, mailbox, failures, nextDue } = settleAttempt({
      deliveries,
      outcomes,
      receivedAt: message?.receivedAt ?? null,
      startedAt,
      now,
      policy,
    });
    // What the transport did on the way comes before how the attempt ended.
    trace.unshift(...notes);
    this.#nextLocalDue = Math.min(this.#nextLocalDue, nextDue);
    results.forEach((res, i) =>
      deps.logger.info(
        { event: RESULT_EVENTS[res.status], qid: deliveries[i]?.queueId, rcpt: deliveries[i]?.recipient, attempt: res.attempts, reply: res.lastReply },
        `delivery ${res.status}`,
      ),
    );
    results.forEach((res, i) => deps.metrics?.deliveryOutcome(deliveries[i]!.transport, res.status, message ? (now - message.receivedAt) / 1000 : null));
    const newMessages: ReceivedRecord[] = [];
    if (failures.length > 0 && message && header) {
      const dsn = bounceFor({ message, header, failures, now, snapshot: state.snapshot, hostname: deps.hostname, queueId: newQueueId(now) });
      trace.push(...dsn.trace);
      if (dsn.record) newMessages.push(dsn.record);
    }
    const completion: AttemptCompletion = { owner: claim.owner, now, results, trace, newMessages, mailbox };
    try {
      const recorded = await deps.writer.complete(completion);
      if (!recorded)
        deps.logger.warn(
          { event: EVENTS.takenOver, qid: deliveries[0]?.queueId },
          'the outcome was not recorded: the lease had expired and the delivery was taken over',
        );
    } catch (e) {
      // The attempt happened: its outcome waits in memory for the store, so it is neither
      // lost nor repeated (the lease keeps the delivery this node's meanwhile).
      this.#storeFailed(e);
      this.#unrecorded.push(completion);
      if (this.#unrecorded.length > MAX_UNRECORDED) this.#unrecorded.splice(0, this.#unrecorded.length - MAX_UNRECORDED);
      return;
    }
    if (newMessages.length > 0) this.wake();
  }
}
