/**
 * What every browser test needs: a whole Relaydesk node in the test process (SMTP in, queue,
 * desk, web on 127.0.0.1, a SQLite store), a sink standing in for the customers' mail
 * servers, and Debian's chromium that may talk to 127.0.0.1 and nothing else.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { listDeskChannels } from '../../src/store/index.js';
import { addUser } from '../../src/accounts/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks, type SwaksResult } from '../support/swaks.js';
import { startTestNode, type TestNode } from '../support/relaydesk.js';

export const ARTIFACTS = path.resolve('test-artifacts/e2e');
export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery staple';

/** The desk's one channel in a test: Support at help@ unless a test asks for another. */
export interface TestChannel {
  readonly name: string;
  readonly kind: 'support' | 'sales';
  readonly publicAddress: string;
}
const SUPPORT: TestChannel = { name: 'Support', kind: 'support', publicAddress: 'help@solarmora.com' };

/** The way out to the customers' servers: every test's sink. */
export const worldHost = (sinkPort: number) => `hosts:
  - { name: world, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [customer.example, example.com] }
`;

const config = (sinkPort: number, ch: TestChannel, allowPrivateWebhooks: boolean) => `
domains: [solarmora.com]
${worldHost(sinkPort)}desk:
  domain: case.relaydesk.test
${allowPrivateWebhooks ? '  webhooks: { allowPrivateDestinations: true }\n' : ''}  channels:
    - { name: ${ch.name}, kind: ${ch.kind}, publicAddress: ${ch.publicAddress}, autoAcknowledge: false }
`;

const routing = (ch: TestChannel, inbound: string) => `
defaultRouting:
  - description: Forward ${ch.publicAddress.split('@')[0]} to the desk
    match: { single: ${ch.publicAddress} }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`;

export interface Desk {
  readonly gw: TestNode;
  readonly sink: Sink;
  readonly baseUrl: string;
  readonly inboundAddress: string;
  addUser(email: string, role: 'admin' | 'agent'): Promise<void>;
  /** A customer's mail to the channel's public address, over SMTP through the gateway's routing rule. */
  mail(opts: { from: string; subject: string; body: string; headers?: Record<string, string> }): Promise<SwaksResult>;
  /** A whole message (headers and body) to the public address. */
  mailRaw(from: string, raw: string | Buffer): Promise<SwaksResult>;
  stop(): Promise<void>;
}

/** `allowPrivateWebhooks`: for a webhook receiver on loopback (desk.webhooks.allowPrivateDestinations). */
export async function startDesk(channel: TestChannel = SUPPORT, opts: { allowPrivateWebhooks?: boolean } = {}): Promise<Desk> {
  const sink = await startSink();
  const allow = opts.allowPrivateWebhooks ?? false;
  const gw = await startTestNode({ dialect: 'sqlite', config: config(sink.port, channel, allow), roles: ['inbound', 'queue', 'web'] });
  const created = (await listDeskChannels(gw.store.db)).find((c) => c.name === channel.name);
  const inboundAddress = created?.inboundAddresses[0]?.address;
  if (!inboundAddress) throw new Error(`the ${channel.name} channel has no inbound address`);
  await gw.apply(config(sink.port, channel, allow) + routing(channel, inboundAddress));
  const server = ['--server', `127.0.0.1:${gw.smtpPort}`];
  const accepted = (r: SwaksResult) => {
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    return r;
  };
  return {
    gw,
    sink,
    baseUrl: `http://127.0.0.1:${gw.node.httpPort}`,
    inboundAddress,
    async addUser(email, role) {
      await addUser(gw.store.db, { email, role, password: PASSWORD, now: Date.now() });
    },
    async mail({ from, subject, body, headers = {} }) {
      const extra = Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]);
      return accepted(await swaks([...server, '--from', from, '--to', channel.publicAddress, '--header', `Subject: ${subject}`, ...extra, '--body', body]));
    },
    async mailRaw(from, raw) {
      return accepted(await swaks([...server, '--from', from, '--to', channel.publicAddress, '--data', '-'], { input: raw }));
    },
    async stop() {
      await gw.stop();
      await sink.stop();
    },
  };
}

export interface ConsoleNode {
  readonly gw: TestNode;
  readonly sink: Sink;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * A node with the given configuration (a function of the sink's port) and two people who
 * can sign in: admin@solarmora.com and agent@solarmora.com, both with PASSWORD.
 */
export async function startConsoleNode(configOf: (sinkPort: number) => string): Promise<ConsoleNode> {
  const sink = await startSink();
  const gw = await startTestNode({ dialect: 'sqlite', config: configOf(sink.port), roles: ['inbound', 'queue', 'web'] });
  for (const [email, role] of [
    ['admin@solarmora.com', 'admin'],
    ['agent@solarmora.com', 'agent'],
  ] as const) {
    await addUser(gw.store.db, { email, role, password: PASSWORD, now: Date.now() });
  }
  return {
    gw,
    sink,
    baseUrl: `http://127.0.0.1:${gw.node.httpPort}`,
    async stop() {
      await gw.stop();
      await sink.stop();
    },
  };
}

export interface Browsing {
  readonly browser: Browser;
  /** Every request the pages tried to send to a host other than 127.0.0.1 (all were refused). */
  readonly foreign: string[];
  newPage(opts?: { locale?: string }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * `publicAddresses` ("127.0.0.1:PORT") are treated as hosts on the internet: Chromium's
 * local network access checks would otherwise refuse a mail frame (an opaque origin) the
 * loopback server that stands in for a sender's image host.
 */
export async function launchBrowser(opts: { publicAddresses?: readonly string[] } = {}): Promise<Browsing> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(opts.publicAddresses?.length ? [`--ip-address-space-overrides=${opts.publicAddresses.map((a) => `${a}=public`).join(',')}`] : []),
    ],
  });
  const foreign: string[] = [];
  return {
    browser,
    foreign,
    async newPage({ locale = 'en-US' } = {}) {
      const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
      // Only other hosts are intercepted: an intercepted response reaches the page only when
      // it is complete, which a stream of server-sent events never is.
      await context.route(
        (url) => url.hostname !== '127.0.0.1',
        (route) => {
          foreign.push(route.request().url());
          return route.abort('blockedbyclient');
        },
      );
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      await browser.close();
    },
  };
}

export async function logIn(page: Page, baseUrl: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel(/^(Email|メールアドレス)$/).fill(email);
  await page.getByLabel(/^(Password|パスワード)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|ログイン)$/ }).click();
  await page.getByTestId('current-user').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

/**
 * The browser globals the tests touch inside page.evaluate, typed here because the root
 * tsconfig (Node code) has no DOM library. Use as `(globalThis as InPage)`.
 */
export type InPage = typeof globalThis & {
  document: { activeElement: { textContent: string | null } | null; documentElement: { lang: string } };
  navigator: { clipboard: { readText(): Promise<string> } };
  axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
  /** Set by the tests to prove that the page was not reloaded. */
  __sameDocument?: boolean;
  /** Set by hostile mail if any of its script ran. */
  __pwned?: string;
  /** Counted by the tests' own listener on /api/events. */
  __deskEvents?: number;
  EventSource: new (url: string) => { addEventListener(type: string, listener: () => void): void; close(): void };
};

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core on the page as it is; serious and critical violations are returned. It is
 * evaluated through the DevTools protocol, which the page's CSP (no inline script) allows.
 * The sandboxed mail frames are mail content, not the console, and axe cannot enter them.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const w = globalThis as InPage;
    const r = await w.axe.run(w.document, { iframes: false, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
