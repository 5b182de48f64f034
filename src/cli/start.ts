import { systemClock, type Clock } from '../base/clock.js';
import type { MessageSource } from '../base/message-source.js';
import { randomToken } from '../base/ids.js';
import { ByteBudget } from '../base/byte-budget.js';
import { createLogger, type Logger } from '../base/log.js';
import { LiveConfig } from '../config/index.js';
import {
  HELD_BODIES_BYTES,
  Receiver,
  startSmtpListener,
  type ListenerOptions,
  type SpamCheck,
  type SpamCheckRefusal,
  type SpamCheckResult,
} from '../inbound/index.js';
import { mailboxTransport } from '../mailbox/index.js';
import { PacingGate, probeSchedule, SmtpSender, smtpTransport } from '../outbound/index.js';
import { QueueRunner, RetentionJob, TrafficRollupJob, type Transport } from '../queue/index.js';
import { createNodeMetrics, type NodeMetrics } from '../metrics/index.js';
import { checkMessage, checkWithRspamd, createSystemResolver, type Resolver } from '../spam/index.js';
import { deskTakesAddress, loadOrCreateSecret, openStore, StoreWriter, StoreHealth, touchNode, type StoreHandle, type StoreLocation } from '../store/index.js';
import { deskKeys, deskTransport, ImapIntake, SlaSweep, webhookTransport, type ImapIntakeDeps, type WebhookLookup } from '../desk/index.js';
import type { WebDeps } from '../web/index.js';

import type { Role } from './roles.js';

export type { Role };

export interface NodeOptions {
  readonly store: StoreLocation | StoreHandle;
  readonly listen: string;
  readonly smtpPort: number;
  readonly httpPort: number;
  readonly hostname: string;
  /** Unique among the processes sharing the store; default the hostname. */
  readonly nodeName?: string;
  readonly roles: readonly Role[];
  /** DNS for SPF/DKIM/DMARC and MX; tests pass fixed answers, `--no-dns` a resolver that finds nothing. */
  readonly resolver?: Resolver;
  /** false with `--no-dns`: skip SPF/DKIM/DMARC/ARC, whose every lookup would fail. */
  readonly authenticate?: boolean;
  readonly tls?: { key: Buffer; cert: Buffer };
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Failed console logins allowed per email and per IP (default 5 and 20 in 15 minutes). */
  readonly loginLimits?: WebDeps['loginLimits'];
  /** The SMTP listener's concurrent-client limit and idle timeouts (defaults: 500, 5 minutes, 10 s under pressure). */
  readonly smtpLimits?: Pick<ListenerOptions, 'maxClients' | 'idleTimeoutMs' | 'pressureIdleTimeoutMs'>;
  /** How webhook hosts are resolved (default the system's `dns.lookup`); tests pass fixed answers. */
  readonly webhookLookup?: WebhookLookup;
  /** The IMAP intake's poll interval, lease and configuration check (tests shorten them). */
  readonly imapTimings?: Pick<ImapIntakeDeps, 'pollMs' | 'leaseMs' | 'checkMs'>;
  /** With `--workers`: /metrics answers every worker's families (see cli/workers.ts). */
  readonly clusterMetrics?: () => Promise<string>;
}

export interface RunningNode {
  readonly smtpPort: number | null;
  readonly httpPort: number | null;
  readonly store: StoreHandle;
  readonly runner: QueueRunner | null;
  /** With the queue role: the job that purges old mail (tests and benchmarks run it on demand). */
  readonly retention: RetentionJob | null;
  /** The dashboard's rollup job (queue role). */
  readonly trafficRollup: TrafficRollupJob | null;
  /**
   * With the web role and no console user yet: the one-time link that creates the first
   * admin (only its hash is stored). The start command prints it; tests read it here.
   */
  readonly setupLink: string | null;
  /** This node's families; a worker hands them to the primary's /metrics gathering. */
  readonly metrics: NodeMetrics;
  /**
   * Stops the node: no new mail (421 4.3.2), messages being received get up to `drainMs`
   * (default 30 s) for their reply, attempts in flight finish and unattempted claims are
   * given back, then the store closes.
   */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

/** How long a stopping node waits for HTTP requests under way before it closes their connections. */
const WEB_CLOSE_GRACE_MS = 2_000;

/** The node's budget of bodies kept for their first attempt, shown in /metrics. */
function heldBodiesOf(metrics: NodeMetrics): ByteBudget {
  const budget = new ByteBudget(HELD_BODIES_BYTES);
  metrics.watchHeldBodies(budget);
  return budget;
}

/** The composition root: one process, the roles it was asked for, sharing one store. */
export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const logger = opts.logger ?? createLogger();
  const clock = opts.clock ?? systemClock;
  const store = 'db' in opts.store ? opts.store : await openStore(opts.store, { relaxed: true });
  const ownsStore = !('db' in opts.store);
  const live = await LiveConfig.open(store.db, logger);
  // The node's view of its store, for /healthz and the logs: asked on a timer, and told by
  // the queue and the web whenever they meet a store that does not answer.
  const nodeName = opts.nodeName ?? opts.hostname;
  const startedAt = clock.now();
  // The probe writes (this node's row), since a full disk still answers reads.
  const health = new StoreHealth(
    async () => {
      await store.ping();
      await touchNode(store.db, { name: nodeName, pid: process.pid, startedAt, now: clock.now() });
    },
    { now: () => clock.now(), logger },
  );
  // The node's row is written at once, not after the first interval: `relaydesk restore`
  // and the other nodes see a node that started a moment ago as running.
  await health.check();
  health.start();
  // Per node, not per process: tests run several nodes in one process.
  const metrics = createNodeMetrics(nodeName);
  const resolver = opts.resolver ?? createSystemResolver();
  const stops: ((drainMs?: number) => Promise<void>)[] = [];
  let runner: QueueRunner | null = null;
  let retention: RetentionJob | null = null;
  let trafficRollup: TrafficRollupJob | null = null;
  let smtpPort: number | null = null;
  let httpPort: number | null = null;
  let setupLink: string | null = null;

  // One group commit for the node's busy path: received messages and attempt outcomes share it.
  const writer = new StoreWriter(store, (kind, s) => metrics.storeCommit(kind, s));

  try {
    const srsSecret = await loadOrCreateSecret(store.db, 'srs', () => randomToken(32));
    const keys = deskKeys(await loadOrCreateSecret(store.db, 'desk', () => randomToken(32)));
    if (opts.roles.includes('queue')) {
      const sender = new SmtpSender({ resolver, logger, hostname: opts.hostname });
      const pacing = new PacingGate({
        db: store.db,
        nodeName,
        owner: `${nodeName}/${process.pid}/${randomToken(6)}`,
        now: () => clock.now(),
        logger,
        // No wait between probes of a down destination longer than the retry schedule's longest.
        probes: () => probeSchedule({ maxIntervalMs: live.cached.config.queue.retry.maxInterval }),
      });
      // Every transport this node runs; a delivery names its own by key.
      const transports: Transport[] = [
        smtpTransport({ sender, srsSecret, now: () => clock.now(), hostname: opts.hostname, pacing }),
        mailboxTransport(() => clock.now()),
        deskTransport({ db: store.db, live, clock, logger, hostname: opts.hostname, keys, wake: () => runner?.wake(), metrics }),
        webhookTransport({ db: store.db, logger, now: () => clock.now(), metrics, ...(opts.webhookLookup ? { lookup: opts.webhookLookup } : {}) }),
      ];
      runner = new QueueRunner({
        db: store.db,
        caps: store.caps,
        live,
        clock,
        logger,
        nodeName: opts.nodeName ?? opts.hostname,
        hostname: opts.hostname,
        transports,
        health,
        writer,
        metrics,
      });
      runner.start();
      const r = runner;
      stops.push(async () => {
        await r.stop();
        await sender.close();
        await pacing.close();
      });
      // Mailboxes are leased by node name: a node restarting under its name reads its mailboxes again at once.
      const imap = new ImapIntake({ store, live, clock, logger, hostname: opts.hostname, owner: nodeName, onQueued: () => r.wake(), ...opts.imapTimings });
      imap.start();
      stops.unshift(() => imap.stop());
      // Unique per run, like the queue's lease owner: two nodes in one process never share the job.
      const job = new RetentionJob({ store, live, clock, logger, holder: `${opts.nodeName ?? opts.hostname}/${process.pid}/${randomToken(6)}` });
      job.start();
      retention = job;
      stops.push(() => job.stop());
      const rollup = new TrafficRollupJob({ db: store.db, live, clock, logger, holder: `${opts.nodeName ?? opts.hostname}/${process.pid}/${randomToken(6)}` });
      rollup.start();
      trafficRollup = rollup;
      stops.push(() => rollup.stop());
      const sweep = new SlaSweep({ db: store.db, clock, logger, wake: () => runner?.wake() });
      sweep.start();
      stops.push(() => sweep.stop());
    }
    if (opts.roles.includes('inbound')) {
      const spamCheck: SpamCheck = (message, env, facts) => {
        const spam = live.cached.config.spam;
        if (spam.engine === 'rspamd' && spam.rspamd) return askRspamd(message, env, spam.rspamd);
        return checkMessage(
          message,
          { ...env, mtaHostname: opts.hostname },
          { resolver, policy: { allowSenders: spam.allowSenders, denySenders: spam.denySenders }, authenticate: opts.authenticate ?? true },
          facts,
        ).then((r) => ({
          verdict: r.verdict,
          authResults: { ...r.authResults },
          authenticationResultsHeader: r.authenticationResultsHeader,
        }));
      };
      const receiver = new Receiver({
        store,
        owner: `${opts.nodeName ?? opts.hostname}/${process.pid}`,
        live,
        writer,
        metrics,
        spamCheck,
        clock,
        logger,
        hostname: opts.hostname,
        onQueued: () => runner?.wake(),
        ...(runner ? { handoff: runner, heldBodies: heldBodiesOf(metrics) } : {}),
      });
      const listener = await startSmtpListener(
        { live, receiver, clock, logger, srsSecret, health, metrics, deskTakes: (a) => deskTakesAddress(store.db, a) },
        { host: opts.listen, port: opts.smtpPort, hostname: opts.hostname, tls: opts.tls, ...opts.smtpLimits },
      );
      smtpPort = listener.port;
      stops.unshift((drainMs) => listener.close(drainMs));
    }
    if (opts.roles.includes('web')) {
      // Loaded only for this role: the console's server, its routes and sign-in are a good
      // part of a node's memory, which an SMTP-only node never uses.
      const [{ startWebServer }, { consoleUrl, prepareSetupLink }] = await Promise.all([import('../web/index.js'), import('../accounts/index.js')]);
      const queue = runner;
      const web = await startWebServer(
        {
          db: store.db,
          logger,
          live,
          health,
          metrics,
          ...(queue ? { queueAlive: () => queue.alive } : {}),
          hostname: opts.hostname,
          keys,
          wake: () => runner?.wake(),
          ...(smtpPort !== null ? { smtp: { host: loopbackOf(opts.listen), port: smtpPort } } : {}),
          ...(opts.loginLimits ? { loginLimits: opts.loginLimits } : {}),
          resolver,
          ...(opts.clusterMetrics ? { clusterMetrics: opts.clusterMetrics } : {}),
        },
        { host: opts.listen, port: opts.httpPort },
      );
      httpPort = web.port;
      stops.unshift(async () => {
        // Requests under way get a moment to finish; then every connection closes, so a
        // client that keeps one open (a download, an event stream) cannot hold the stop.
        const force = setTimeout(() => web.app.server.closeAllConnections(), WEB_CLOSE_GRACE_MS);
        try {
          await web.app.close();
        } finally {
          clearTimeout(force);
        }
      });
      setupLink = await prepareSetupLink(store.db, consoleUrl(opts.listen, web.port), clock.now());
    }
  } catch (e) {
    for (const s of stops) await s().catch(() => undefined);
    health.stop();
    if (ownsStore) await store.close();
    throw e;
  }

  return {
    smtpPort,
    httpPort,
    store,
    runner,
    retention,
    trafficRollup,
    setupLink,
    metrics,
    async stop(stopOpts = {}) {
      // All at once: the listeners turn new mail away while the queue stops claiming at
      // once (it waits for the messages being committed with a claim of its own), then the store.
      await Promise.all(stops.map((s) => s(stopOpts.drainMs).catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'error while stopping'))));
      health.stop();
      if (ownsStore) await store.close();
    },
  };
}

/** Where this node reaches its own listener: the address it listens on, or loopback for "any". */
function loopbackOf(listen: string): string {
  if (listen === '0.0.0.0' || listen === '') return '127.0.0.1';
  if (listen === '::') return '::1';
  return listen;
}

/**
 * The rspamd engine for one message. There is no Authentication-Results field of ours: rspamd
 * ran the SPF, DKIM and DMARC checks, and its symbols (in the trace) are what it found.
 */
async function askRspamd(
  message: MessageSource,
  env: Parameters<SpamCheck>[1],
  settings: { readonly url: string; readonly timeout: number; readonly onError: 'tempfail' | 'accept' },
): Promise<SpamCheckResult | SpamCheckRefusal> {
  const { outcome, details, summary } = await checkWithRspamd(
    message,
    { mailFrom: env.mailFrom, recipients: env.recipients, clientIp: env.clientIp, helo: env.helo, queueId: env.queueId },
    { url: settings.url, timeoutMs: settings.timeout, onError: settings.onError },
  );
  if (outcome.kind === 'verdict') return { verdict: outcome.verdict, authResults: details, authenticationResultsHeader: null };
  const { reason, ...refusal } = outcome.refusal;
  return { refusal, reason, detail: summary };
}
