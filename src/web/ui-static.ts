import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:ui` (web/ui/vite.config.ts) writes the console. */
export const UI_DIST = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** Vite names every built asset for its content hash, so a year-long immutable cache is safe. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const MISSING =
  'The web console is not built. Run `npm run build:ui` in the Relaydesk directory (npm ci does it too), then reload this page; the API under /api works without it.';

/**
 * The console (a single-page app) at `/`: hashed assets under /assets, index.html for every
 * other path that is not the API, so /cases/1001 can be reloaded or bookmarked. Whether the
 * build exists is checked per request: building while the server runs needs no restart.
 */
export function uiStatic(opts: { root?: string } = {}) {
  const root = opts.root ?? UI_DIST;
  const index = path.join(root, 'index.html');
  return async (app: FastifyInstance) => {
    await app.register(fastifyStatic, { root, serve: false, suppressWarning: true, index: false, dotfiles: 'deny', etag: true, lastModified: true });

    app.get('/assets/*', (req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
      // send refuses `..` and answers 404 through callNotFound when the file is not there.
      return reply.header('Cache-Control', IMMUTABLE).sendFile(`assets/${req.params['*']}`, root, { cacheControl: false });
    });

    const page = (req: FastifyRequest, reply: FastifyReply) => {
      const pathname = req.url.split('?')[0] ?? '/';
      if (pathname === '/api' || pathname.startsWith('/api/')) return reply.callNotFound();
      if (!existsSync(index)) return reply.code(503).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(MISSING);
      // index.html names the current hashed assets: never cache it without asking again.
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
    };
    app.get('/', page);
    app.get('/*', page);
  };
}
