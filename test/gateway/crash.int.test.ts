/**
 * Crash safety: every message that got its 250 reaches the CRM, even when the server is
 * killed with SIGKILL in the middle of the load and started again. At-least-once is the
 * promise; how many arrived twice is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { freePort } from '../support/ports.js';
import { freshPgDatabase } from '../support/postgres.js';
import { DIALECTS } from '../support/relaydesk.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const N = 200;

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

async function startServer(storeArgs: string[], port: number): Promise<ChildProcess> {
  const p = cli(['start', ...storeArgs, '--smtp-port', String(port), '--http-port', '0', '--no-dns', '--log-level', 'warn', '--roles', 'inbound,queue']);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    p.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Relaydesk is running')) {
        clearTimeout(t);
        resolve();
      }
    });
    p.stderr!.on('data', (d) => (out += d));
    p.on('exit', (c) => reject(new Error(`server exited with ${c}: ${out}`)));
  });
  return p;
}

describe.each(DIALECTS)('crash safety on %s', (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it(`delivers every acknowledged message after SIGKILL mid-load (${N} concurrent sends)`, async () => {
    const sink: Sink = await startSink();
    cleanups.push(() => sink.stop());
    let storeArgs: string[];
    if (dialect === 'sqlite') {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-crash-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      storeArgs = ['--data', dir];
    } else {
      const db = await freshPgDatabase();
      cleanups.push(() => db.drop());
      storeArgs = ['--database', db.url];
    }
    const cfgFile = path.join(os.tmpdir(), `relaydesk-crash-${process.pid}-${dialect}.yaml`);
    await writeFile(
      cfgFile,
      `domains: [solarmora.com]\nhosts:\n  - { name: crm, host: 127.0.0.1, port: ${sink.port}, tls: none, domains: [crm.test] }\ndefaultRouting:\n  - description: help to crm\n    match: { single: help@solarmora.com }\n    modify:\n      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }\nqueue:\n  retry: { firstRetry: 1s, maxInterval: 1s }\n# ${N} clients, all on loopback: none may be turned away by the per-client limit.\nsmtp:\n  connectionLimitExceptions: [127.0.0.0/8]\n`,
    );
    cleanups.push(() => rm(cfgFile, { force: true }));
    const applied = await run(['apply', '-f', cfgFile, ...storeArgs]);
    expect(applied.code, applied.out).toBe(0);

    const port = await freePort();
    let server = await startServer(storeArgs, port);
    cleanups.push(async () => {
      server.kill('SIGKILL');
    });

    const acked = new Set<string>();
    let killed = false;
    const sends = Array.from({ length: N }, (_, i) =>
      (async () => {
        const t = nodemailer.createTransport({
          host: '127.0.0.1',
          port,
          secure: false,
          ignoreTLS: true,
          connectionTimeout: 5_000,
          greetingTimeout: 5_000,
          socketTimeout: 10_000,
        });
        try {
          await t.sendMail({
            envelope: { from: 'customer@example.net', to: ['help@solarmora.com'] },
            from: 'customer@example.net',
            to: 'help@solarmora.com',
            subject: `crash-${i}`,
            text: `message ${i}`,
          });
          acked.add(`crash-${i}`);
          if (!killed && acked.size >= N / 4) {
            killed = true;
            server.kill('SIGKILL');
          }
        } catch {
          // Refused or cut off by the kill: the client keeps the message; not our promise.
        } finally {
          t.close();
        }
      })(),
    );
    await Promise.all(sends);
    expect(killed).toBe(true);
    await new Promise<void>((r) => (server.exitCode !== null || server.signalCode !== null ? r() : server.once('exit', () => r())));
    const ackedAtKill = acked.size;
    server = await startServer(storeArgs, port);

    const subjectOf = (raw: Buffer) => /^Subject: (crash-\d+)\r?$/m.exec(raw.toString())?.[1];
    const deadline = Date.now() + 30_000;
    const missing = () => [...acked].filter((s) => !sink.messages.some((m) => subjectOf(m.raw) === s));
    while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const counts = new Map<string, number>();
    for (const m of sink.messages) {
      const s = subjectOf(m.raw);
      if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const twice = [...counts.values()].filter((c) => c > 1).length;
    console.log(
      `[crash ${dialect}] acknowledged ${ackedAtKill} of ${N} before the kill (${acked.size} in all); delivered ${counts.size}; arrived twice: ${twice}; missing: ${missing().length}`,
    );
    expect(missing()).toEqual([]);
    server.kill('SIGTERM');
    await new Promise<void>((r) => server.once('exit', () => r()));
  }, 90_000);
});
