import os from 'node:os';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../base/log.js';
import { LiveConfig } from '../config/index.js';
import { loadDeskKeys, type DeskKeys } from '../desk/index.js';
import { createNodeMetrics, type NodeMetrics } from '../metrics/index.js';
import { countByStatus, loadConfigVersion, oldestCreatedAt, StoreHealth, type Db } from '../store/index.js';
import { apiPlugin } from './api/api-plugin.js';
import type { ApiDeps } from './api/api-deps.js';
import { bearerTokenAuthenticator } from './auth/bearer-tokens.js';
import type { Authenticator } from './auth/principal.js';
import { sessionAuthenticator } from './auth/sessions.js';
import { toProblem } from './http-problem.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { sessionRoutes, type SessionRouteDeps } from './routes/session/routes.js';
import { uiStatic } from './ui-static.js';
import { systemClock } from '../base/clock.js';

export { SECURITY_HEADERS } from './security-headers.js';

export interface WebDeps {
  readonly db: Db;
  readonly logger: Logger;
  /** The node's live configuration; opened here when not given. */
  readonly live?: LiveConfig;
  /** Our name in the mail we write (answers, checks); default the host name. */
  readonly hostname?: string;
  readonly keys?: DeskKeys;
  /** Mail was queued: tell the queue runner of this node, if it has one. */
  readonly wake?: () => void;
  /** This node's SMTP listener, where "test the route" sends its mail; absent without the inbound role. */
  readonly smtp?: { readonly host: string; readonly port: number };
  /**
   * Ways to find who is asking, tried in order. Default: API tokens, then the console's
   * session cookie.
   */
  readonly authenticators?: readonly Authenticator[];
  /** MX lookups for the outbound test; default the system's DNS. */
  readonly resolver?: ApiDeps['resolver'];
  /** Failed logins allowed per email and per IP (tests lower or raise them). */
  readonly loginLimits?: SessionRouteDeps['limits'];
  /** The node's view of its store; /healthz reports it. Default: one of the web server's own. */
  readonly health?: StoreHealth;
  /** The node's metrics, exposed at /metrics. Default: a registry of the web server's own. */
  readonly metrics?: NodeMetrics;
  /** With `--workers`: every worker's families, gathered by the primary; /metrics answers these instead. */
  readonly clusterMetrics?: () => Promise<string>;
  /** With the queue role: whether the queue runner's loop comes round (for /readyz). */
  readonly queueAlive?: () => boolean;
}

/**
 * The HTTP side: health and metrics for operators, and the REST API under /api. Queue
 * figures are read from the store at scrape time, so every node reports the same truth.
 */
export async function startWebServer(deps: WebDeps, opts: { host: string; port: number }): Promise<{ app: FastifyInstance; port: number }> {
  // Fastify's own request log stays off: it would carry headers, cookies and tokens.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const live = deps.live ?? (await LiveConfig.open(deps.db, deps.logger));
  const keys = deps.keys ?? (await loadDeskKeys(deps.db));

  app.addHook('onSend', async (_req, reply) => {
    // A route may set a stricter one of its own (a frame showing mail HTML); it is kept.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
  });
  await app.register(fastifyCookie);
  // Asks the store each time: a load balancer or an admin learns at once whether this node
  // can take mail, and if not, why and since when.
  const health = deps.health ?? new StoreHealth(async () => void (await loadConfigVersion(deps.db)), { now: Date.now, logger: deps.logger });

  const metrics = deps.metrics ?? createNodeMetrics(deps.hostname ?? os.hostname());
  metrics.watch({
    countByStatus: () => countByStatus(deps.db),
    oldestDeferredAt: () => oldestCreatedAt(deps.db, 'deferred'),
    config: () => ({ version: live.cached.version, usable: live.unusable === null }),
    storeUp: () => health.state.ok,
    now: Date.now,
  });
  const registry = metrics.registry;
  app.get('/healthz', async (_req, reply) => {
    const store = await health.check();
    if (!store.ok) {
      return reply
        .code(503)
        .header('Retry-After', '5')
        .send({ ok: false, error: `store unavailable since ${new Date(store.since).toISOString()}: ${store.error}`, store });
    }
    const configVersion = await live.current().then(
      (s) => s.version,
      () => live.cached.version,
    );
    const unusable = live.unusable;
    if (unusable) {
      return reply.code(503).send({
        ok: false,
        error: `the stored configuration (version ${unusable.version}) does not validate and no other is loaded, so mail gets 451; apply a corrected one (relaydesk apply -f FILE): ${unusable.problems.join('; ')}`,
        store,
      });
    }
    return { ok: true, configVersion, store };
  });
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness({ health, live, ...(deps.queueAlive ? { queueAlive: deps.queueAlive } : {}) });
    if (!r.ready) reply.code(503).header('Retry-After', '5');
    return r;
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('Content-Type', registry.contentType);
    return deps.clusterMetrics ? deps.clusterMetrics() : registry.metrics();
  });
  app.setErrorHandler(async (err, _req, reply) => {
    const p = toProblem(err);
    if (p.body.code === 'STORE_UNAVAILABLE') {
      health.saw(err);
      reply.header('Retry-After', '5');
    }
    return reply.code(p.status).send(p.body);
  });
  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ error: `nothing at ${req.method} ${req.url.split('?')[0]}`, code: 'NOT_FOUND', details: [], reason: null, params: {} }),
  );
  const now = () => systemClock.now();
  await app.register(sessionRoutes({ db: deps.db, logger: deps.logger, now, ...(deps.loginLimits ? { limits: deps.loginLimits } : {}) }), { prefix: '/api' });
  await app.register(
    apiPlugin(
      {
        db: deps.db,
        logger: deps.logger,
        live,
        hostname: deps.hostname ?? os.hostname(),
        keys,
        wake: deps.wake ?? (() => undefined),
        now,
        health,
        ...(deps.smtp ? { smtp: deps.smtp } : {}),
        ...(deps.resolver ? { resolver: deps.resolver } : {}),
      },
      deps.authenticators ?? [bearerTokenAuthenticator(deps.db), sessionAuthenticator(deps.db)],
    ),
    { prefix: '/api' },
  );
  await app.register(uiStatic());
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : opts.port };
}

interface Check {
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Whether this node can do its work now, check by check: its store answers, it has a
 * configuration that validates, and (with the queue role) its queue runner comes round.
 */
async function readiness(x: { health: StoreHealth; live: LiveConfig; queueAlive?: () => boolean }): Promise<{ ready: boolean; checks: Record<string, Check> }> {
  const store = await x.health.check();
  // Takes up a configuration applied meanwhile (on any node), valid or not.
  await x.live.current().catch(() => undefined);
  const unusable = x.live.unusable;
  const checks: Record<string, Check> = {
    store: store.ok ? { ok: true } : { ok: false, error: `store unavailable since ${new Date(store.since).toISOString()}: ${store.error}` },
    config: unusable
      ? {
          ok: false,
          error: `the stored configuration (version ${unusable.version}) does not validate and no other is loaded, so mail gets 451; apply a corrected one (relaydesk apply -f FILE): ${unusable.problems.join('; ')}`,
        }
      : { ok: true },
  };
  if (x.queueAlive)
    checks.queue = x.queueAlive()
      ? { ok: true }
      : { ok: false, error: 'the queue runner has not come round for a minute; see the log for store errors, or restart the node' };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
