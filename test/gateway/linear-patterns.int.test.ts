/**
 * No recipient can stall a node through a routing pattern. With `^(a+)+$`, a backtracking
 * engine needs about 2^n steps for n a's and a "!" (30 a's took ten seconds), and while it
 * runs, every SMTP session and web request of the process waits. Patterns run in RE2, in
 * time linear in the address. The node is a child `relaydesk start`, so that a stall
 * shows here as a timeout instead of stopping the test process with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawSmtp } from '../support/smtp-raw.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const CONFIG = `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: 9, tls: none, domains: [crm.test] }
defaultRouting:
  - description: help to crm
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
  - description: runs of a
    match: { pattern: "^(a+)+$" }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
`;

/** Plenty for a linear match plus a store read on a busy machine; far below a backtracking run. */
const ANSWER_WITHIN_MS = 500;
/** How long the test waits for an answer before calling the node stalled. */
const STALLED_AFTER_MS = 3_000;

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin/relaydesk.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const p = cli(args);
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number>((r) => p.on('exit', (c) => r(c ?? -1)));
  return { code, out };
}

/** Starts the node on ports 0 and reads the ports it took from its banner. */
async function startServer(dataDir: string): Promise<{ child: ChildProcess; smtpPort: number; web: string }> {
  const child = cli(['start', '--data', dataDir, '--smtp-port', '0', '--http-port', '0', '--no-dns', '--log-level', 'warn', '--roles', 'inbound,web']);
  const ports = await new Promise<{ smtpPort: number; web: string }>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const smtp = /SMTP +127\.0\.0\.1:(\d+)/.exec(out);
      const web = /Web +(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (out.includes('Stop with Ctrl-C') && smtp && web) {
        clearTimeout(t);
        resolve({ smtpPort: Number(smtp[1]), web: web[1]! });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (c) => reject(new Error(`server exited with ${c}: ${out}`)));
  });
  return { child, ...ports };
}

describe('a routing pattern that backtracking would never finish', () => {
  let dataDir: string;
  let server: { child: ChildProcess; smtpPort: number; web: string } | undefined;

  const healthz = async () => {
    const r = await fetch(`${server!.web}/healthz`, { signal: AbortSignal.timeout(STALLED_AFTER_MS) });
    return (await r.json()) as { ok: boolean };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-linear-'));
    const cfg = path.join(dataDir, 'relaydesk.yaml');
    await writeFile(cfg, CONFIG);
    const applied = await run(['apply', '-f', cfg, '--data', dataDir]);
    expect(applied.code, applied.out).toBe(0);
    server = await startServer(dataDir);
    // The first request to a route pays for compiling it; that is not what is measured here.
    expect((await healthz()).ok).toBe(true);
  }, 60_000);

  afterAll(async () => {
    const child = server?.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      // A node stalled in a match would never handle SIGTERM.
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    // 253 characters, the longest path smtp-server lets through (RFC 5321 4.5.3.1.3): it reaches
    // the rules, no rule takes it (the pattern never matches an address with an @), so 550.
    ['the longest address that reaches the rules', `${'a'.repeat(238)}!@solarmora.com`, /^550 5\.1\.1 /],
    // Refused as too long before the rules; a node that takes longer paths runs RE2 on it.
    ['a 10,000-character local part', `${'a'.repeat(9_999)}!@solarmora.com`, /^5\d\d /],
  ])('answers RCPT with %s at once, and /healthz answers meanwhile', async (_what, address, expected) => {
    const c = await rawSmtp(server!.smtpPort);
    try {
      expect(await c.reply()).toMatch(/^220 /);
      expect(await c.command('EHLO client.example')).toMatch(/^250/);
      expect(await c.command('MAIL FROM:<customer@example.net>')).toMatch(/^250 /);
      const started = performance.now();
      c.send(`RCPT TO:<${address}>\r\n`);
      const [reply, health] = await Promise.all([c.reply(STALLED_AFTER_MS), healthz()]);
      const ms = performance.now() - started;
      expect(reply).toMatch(expected);
      expect(health.ok).toBe(true);
      expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
      // The session goes on as usual.
      expect(await c.command('RCPT TO:<help@solarmora.com>')).toMatch(/^250 /);
    } finally {
      c.close();
    }
  });
});
