/**
 * A Relaydesk node with the web role and the desk configured behind the gateway, plus a
 * small JSON client for its API. Mail reaches the desk over real SMTP (swaks).
 */
import type { WebhookLookup } from '../../src/desk/index.js';
import { createApiToken } from '../../src/accounts/index.js';
import { listDeskChannels } from '../../src/store/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { startTestNode, type Dialect, type TestNode } from '../support/relaydesk.js';

export const deskConfig = (sinkPort: number, opts: { allowPrivateWebhooks?: boolean } = {}) => `
domains: [solarmora.com]
hosts:
  - { name: world, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [example.net, customer.example] }
desk:
  domain: case.relaydesk.test
${opts.allowPrivateWebhooks ? '  webhooks: { allowPrivateDestinations: true }\n' : ''}  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: true }
    - { name: Sales, kind: sales, publicAddress: sales@solarmora.com, autoAcknowledge: false }
    - { name: Spare, kind: support, publicAddress: spare@solarmora.com, autoAcknowledge: false }
queue:
  retry: { firstRetry: 1s, maxInterval: 1s }
`;

const rules = (support: string, sales: string) => `
defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${support} }
  - description: sales to the desk
    match: { single: sales@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${sales} }
`;

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field in the tests */
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiNode {
  readonly gw: TestNode;
  readonly sink: Sink;
  readonly base: string;
  readonly admin: string;
  readonly agent: string;
  call<T = any>(method: string, path: string, opts?: { token?: string | null; body?: unknown; rawBody?: string }): Promise<ApiAnswer<T>>;
  mail(to: string, from: string, headers: Record<string, string>, body?: string): Promise<void>;
  configure(opts: { allowPrivateWebhooks?: boolean }): Promise<number>;
  stop(): Promise<void>;
}

/**
 * `allowPrivateWebhooks`: desk.webhooks.allowPrivateDestinations, for receivers on loopback.
 * `webhookLookup`: how webhook host names resolve. `apply(opts)` applies the configuration
 * again with other options. `extra`: more top-level YAML (a section the desk configuration
 * does not have, such as `smtp:`).
 */
export async function startApiNode(
  dialect: Dialect,
  opts: { allowPrivateWebhooks?: boolean; webhookLookup?: WebhookLookup; extra?: string } = {},
): Promise<ApiNode> {
  const sink = await startSink();
  const extra = opts.extra ?? '';
  const gw = await startTestNode({
    dialect,
    config: deskConfig(sink.port, opts) + extra,
    roles: ['inbound', 'queue', 'web'],
    ...(opts.webhookLookup ? { webhookLookup: opts.webhookLookup } : {}),
  });
  const channels = await listDeskChannels(gw.store.db);
  const address = (name: string) => channels.find((c) => c.name === name)!.inboundAddresses[0]!.address;
  const configure = (o: { allowPrivateWebhooks?: boolean }) => gw.apply(deskConfig(sink.port, o) + extra + rules(address('Support'), address('Sales')));
  await configure(opts);
  const now = Date.now();
  const admin = (await createApiToken(gw.store.db, { name: 'admin-script', role: 'admin', now })).token;
  const agent = (await createApiToken(gw.store.db, { name: 'agent-script', role: 'agent', now })).token;
  const base = `http://127.0.0.1:${gw.node.httpPort}`;
  return {
    gw,
    sink,
    base,
    admin,
    agent,
    async call(method, path, opts = {}) {
      const token = opts.token === undefined ? admin : opts.token;
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.rawBody !== undefined || opts.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = opts.rawBody ?? JSON.stringify(opts.body);
      }
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async mail(to, from, headers, body = 'Hello') {
      const r = await swaks([
        '--server',
        `127.0.0.1:${gw.smtpPort}`,
        '--from',
        from,
        '--to',
        to,
        ...Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
        '--body',
        body,
      ]);
      if (!r.lastReply?.startsWith('250')) throw new Error(`mail to ${to} refused: ${r.lastReply}`);
    },
    configure,
    async stop() {
      await gw.stop();
      await sink.stop();
    },
  };
}
