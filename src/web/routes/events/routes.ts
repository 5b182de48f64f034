/**
 * GET /api/events: server-sent events that tell the console the desk changed (new mail, a
 * new lead, set-aside mail), so lists reload at once instead of at their next poll. One
 * feed per web server reads a cheap mark from the store while anyone listens; the store is
 * what every node shares, so mail taken in by another node is announced here too.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../../base/log.js';
import { loadDeskMark, type Db } from '../../../store/index.js';
import type { ApiDeps } from '../../api/api-deps.js';
import type { Authenticator } from '../../auth/principal.js';
import { SECURITY_HEADERS } from '../../security-headers.js';
import { requireDeskRead } from '../mail-frame/routes.js';
import { EVENTS } from '../../../base/events.js';

/** How often the mark is read while someone listens. */
const FEED_MS = 1_000;
/** A comment now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;
/** One browser holds one stream per tab; far more than that from one server means something is wrong. */
const MAX_LISTENERS = 1_000;

type Listener = (mark: string) => void;

export class DeskFeed {
  readonly #listeners = new Set<Listener>();
  /** Ends each open stream: a server closing must not wait for browsers to hang up. */
  readonly #enders = new Set<() => void>();
  #timer: NodeJS.Timeout | null = null;
  #mark: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  get listeners(): number {
    return this.#listeners.size;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#tick(), FEED_MS);
      // Read the mark now, not a second later: a change in that second would go unannounced.
      void this.#tick();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Registers how to end a stream when the server closes; returns the unregistration. */
  onShutdown(end: () => void): () => void {
    this.#enders.add(end);
    return () => {
      this.#enders.delete(end);
    };
  }

  /** Ends every open stream and stops reading the store. */
  shutdown(): void {
    for (const end of [...this.#enders]) end();
    this.#enders.clear();
    this.stop();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#mark = null;
  }

  async #tick(): Promise<void> {
    let mark: string;
    try {
      mark = await loadDeskMark(this.db);
    } catch (e) {
      // The lists still poll on their own; a store outage shows there.
      this.logger.warn({ event: EVENTS.eventsUnavailable, err: (e as Error).message }, 'desk events paused: the store did not answer');
      return;
    }
    const before = this.#mark;
    this.#mark = mark;
    if (before === null || before === mark) return;
    for (const l of this.#listeners) l(mark);
  }
}

export function deskEventRoutes(deps: ApiDeps, authenticators: readonly Authenticator[], feed: DeskFeed) {
  return async (api: FastifyInstance) => {
    api.get('/events', async (req, reply) => {
      await requireDeskRead(req, authenticators);
      if (feed.listeners >= MAX_LISTENERS) {
        return reply.code(503).header('Retry-After', '30').send({
          error: 'too many open event streams on this node; the console falls back to polling',
          code: 'UNAVAILABLE',
          details: [],
          reason: null,
          params: {},
        });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      // Browsers wait this long before reconnecting after the stream drops.
      res.write('retry: 3000\n\n');
      const unsubscribe = feed.subscribe((mark) => res.write(`event: desk\ndata: ${JSON.stringify({ mark })}\n\n`));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      let forget = (): void => undefined;
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        forget();
      };
      forget = feed.onShutdown(() => {
        close();
        res.end();
      });
      req.raw.on('close', close);
      res.on('error', close);
    });
  };
}
