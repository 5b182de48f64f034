import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/principal.js';
import { toProblem } from '../http-problem.js';
import { caseRoutes } from '../routes/cases/routes.js';
import { channelRoutes } from '../routes/channels/routes.js';
import { configDocumentRoutes } from '../routes/config/document.js';
import { configReplayRoutes } from '../routes/config/replay.js';
import { configRoutes } from '../routes/config/routes.js';
import { routingRoutes } from '../routes/routing/routes.js';
import { setAsideRoutes } from '../routes/set-aside/routes.js';
import { leadRoutes } from '../routes/leads/routes.js';
import { deskEventRoutes, DeskFeed } from '../routes/events/routes.js';
import { mailFrameRoutes } from '../routes/mail-frame/routes.js';
import { quarantineRoutes } from '../routes/quarantine/routes.js';
import { logRoutes } from '../routes/log/routes.js';
import { onboardingRoutes } from '../routes/onboarding/routes.js';
import { tokenRoutes } from '../routes/tokens/routes.js';
import { trafficRoutes } from '../routes/traffic/routes.js';
import { agentRoutes } from '../routes/agents/routes.js';
import { userRoutes } from '../routes/users/routes.js';
import { webhookRoutes } from '../routes/webhooks/routes.js';
import type { ApiDeps } from './api-deps.js';
import { buildOpenApi } from './openapi.js';
import { registerRoutes, type ApiRoute } from './route-kit.js';
import { EVENTS } from '../../base/events.js';

export const API_ROUTES: readonly ApiRoute[] = [
  ...channelRoutes,
  ...caseRoutes,
  ...leadRoutes,
  ...setAsideRoutes,
  ...webhookRoutes,
  ...tokenRoutes,
  ...userRoutes,
  ...agentRoutes,
  ...configRoutes,
  ...configDocumentRoutes,
  ...configReplayRoutes,
  ...routingRoutes,
  ...quarantineRoutes,
  ...logRoutes,
  ...trafficRoutes,
  ...onboardingRoutes,
];

export const API_VERSION = '0.1.0';

/**
 * The REST API under /api, as one encapsulated plugin: its routes, its document at
 * /api/openapi.json (public, like any API description), and its error shape.
 */
export function apiPlugin(deps: ApiDeps, authenticators: readonly Authenticator[]) {
  const document = buildOpenApi(API_ROUTES, { version: API_VERSION });
  return async (api: FastifyInstance) => {
    api.setErrorHandler(async (err, req, reply) => {
      const p = toProblem(err);
      if (p.fault)
        deps.logger.error({ event: EVENTS.apiFault, method: req.method, url: req.routeOptions.url, err: (err as Error).message }, 'API request failed');
      if (p.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="relaydesk"');
      if (p.body.code === 'STORE_UNAVAILABLE') {
        deps.health?.saw(err);
        reply.header('Retry-After', '5');
      }
      return reply.code(p.status).send(p.body);
    });
    api.setNotFoundHandler(async (req, reply) =>
      reply.code(404).send({
        error: `no API endpoint ${req.method} ${req.url.split('?')[0]}; see /api/openapi.json`,
        code: 'NOT_FOUND',
        details: [],
        reason: null,
        params: {},
      }),
    );
    api.get('/openapi.json', async () => document);
    registerRoutes(api, API_ROUTES, deps, authenticators);
    await api.register(mailFrameRoutes(deps, authenticators));
    const feed = new DeskFeed(deps.db, deps.logger);
    api.addHook('preClose', async () => feed.shutdown());
    await api.register(deskEventRoutes(deps, authenticators, feed));
  };
}
