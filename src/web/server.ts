import Fastify, { type FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { Logger } from '../base/log.js';
import { countByStatus, loadConfigVersion, type Db } from '../store/index.js';

export interface WebDeps {
  readonly db: Db;
  readonly logger: Logger;
}

/**
 * The HTTP side: health and metrics for operators. Queue figures are read from the
 * store at scrape time, so every node reports the same truth.
 */
export async function startWebServer(deps: WebDeps, opts: { host: string; port: number }): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'relaydesk_' });
  new client.Gauge({
    name: 'relaydesk_deliveries',
    help: 'Deliveries in the store by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await countByStatus(deps.db);
      for (const s of ['queued', 'active', 'deferred', 'held', 'delivered', 'bounced', 'expired', 'deleted']) this.set({ status: s }, counts[s] ?? 0);
    },
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
  });
  app.get('/healthz', async (_req, reply) => {
    try {
      const version = await loadConfigVersion(deps.db);
      return { ok: true, configVersion: version };
    } catch (e) {
      return reply.code(503).send({ ok: false, error: `store unavailable: ${(e as Error).message}` });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('Content-Type', registry.contentType);
    return registry.metrics();
  });
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : opts.port };
}
