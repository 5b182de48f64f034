/**
 * A Relaydesk node with the web role and a log that is kept, plus a small browser-like
 * client: it keeps the session cookie and sends the CSRF token when asked to.
 */
import pino from 'pino';
import { startNode, type RunningNode } from '../../src/cli/start.js';
import { fixedResolver } from '../support/fixed-dns.js';
import { openTestStore, type Dialect, type TestStore } from '../support/relaydesk.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field in the tests */
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ConsoleNode {
  readonly node: RunningNode;
  readonly ts: TestStore;
  readonly base: string;
  /** Every line the node logged, as written. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export async function startConsoleNode(dialect: Dialect): Promise<ConsoleNode> {
  const ts = await openTestStore(dialect);
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const node = await startNode({
    store: ts.store,
    listen: '127.0.0.1',
    smtpPort: 0,
    httpPort: 0,
    hostname: 'gw.relaydesk.test',
    roles: ['inbound', 'queue', 'web'],
    resolver: fixedResolver({}),
    logger,
  });
  return {
    node,
    ts,
    base: `http://127.0.0.1:${node.httpPort}`,
    logs,
    async stop() {
      await node.stop();
      await ts.cleanup();
    },
  };
}

export interface CallOptions {
  body?: unknown;
  /** true: send this client's CSRF token; a string: send that; false/absent: none. */
  csrf?: boolean | string;
  headers?: Record<string, string>;
  bearer?: string;
}

export class ConsoleClient {
  cookie: string | null = null;
  csrfToken: string | null = null;
  /** The last Set-Cookie header for rd_session, as received. */
  setCookie: string | null = null;

  constructor(readonly base: string) {}

  async call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie) headers.cookie = `rd_session=${this.cookie}`;
    if (opts.csrf === true && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (typeof opts.csrf === 'string') headers['x-csrf-token'] = opts.csrf;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const sc = res.headers.getSetCookie().find((c) => c.startsWith('rd_session='));
    if (sc) {
      this.setCookie = sc;
      const value = sc.slice('rd_session='.length).split(';')[0]!;
      this.cookie = value === '' || /max-age=0/i.test(sc) ? null : value;
    }
    const text = await res.text();
    const parsed = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text || null;
    if (parsed && typeof parsed === 'object' && typeof parsed.csrfToken === 'string') this.csrfToken = parsed.csrfToken;
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async login(email: string, password: string): Promise<Answer> {
    return this.call('POST', '/api/session', { body: { email, password } });
  }
}

/** The token part of a setup link. */
export const setupTokenOf = (link: string): string => new URL(link).hash.replace(/^#token=/, '');
