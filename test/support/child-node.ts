/**
 * A node as its own process (`relaydesk start`), for tests that break things under it: a
 * crash of the node must show as its exit, not take the test runner with it. Also bounded
 * SMTP load that records which messages got their 250.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import nodemailer from 'nodemailer';

const ROOT = path.resolve(import.meta.dirname, '../..');

export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin/relaydesk.js'), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Runs a command to its end; `input` goes to its standard input. */
export async function runCli(args: readonly string[], input?: string): Promise<{ code: number; out: string }> {
  const p = cli(args);
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  p.stdin!.end(input ?? '');
  const code = await new Promise<number>((r) => p.on('exit', (c) => r(c ?? -1)));
  return { code, out };
}

export interface ChildNode {
  readonly process: ChildProcess;
  readonly smtpPort: number;
  readonly httpPort: number | null;
  /** Everything it wrote, for the failure message of a test. */
  output(): string;
  /** Whether it is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts `relaydesk start` with these store flags and ports, and waits until it says it runs. */
export async function startChildNode(opts: {
  storeArgs: readonly string[];
  smtpPort: number;
  roles?: string;
  web?: boolean;
  logLevel?: string;
  nodeArgs?: readonly string[];
}): Promise<ChildNode> {
  const roles = opts.roles ?? (opts.web ? 'inbound,queue,web' : 'inbound,queue');
  const p = cli([
    'start',
    ...opts.storeArgs,
    '--smtp-port',
    String(opts.smtpPort),
    '--http-port',
    '0',
    '--no-dns',
    '--log-level',
    opts.logLevel ?? 'warn',
    '--roles',
    roles,
    '--hostname',
    'gw.relaydesk.test',
    ...(opts.nodeArgs ?? []),
  ]);
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the node did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      if (out.includes('Relaydesk is running')) {
        clearTimeout(t);
        resolve();
      }
    };
    p.stdout!.on('data', check);
    p.on('exit', (c, s) => {
      clearTimeout(t);
      reject(new Error(`the node exited (${c ?? s}) while starting:\n${out}`));
    });
  });
  const web = /Web +http:\/\/[^:]+:(\d+)\//.exec(out);
  return {
    process: p,
    smtpPort: opts.smtpPort,
    httpPort: web ? Number(web[1]) : null,
    output: () => out,
    alive: () => p.exitCode === null && p.signalCode === null,
    async stop() {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface LoadResult {
  /** Ids of the messages answered 250. */
  readonly acked: Set<string>;
  /** Replies other than 250, by their first three characters. */
  readonly refused: Map<string, number>;
  readonly sent: number;
}

/**
 * Sends messages from `concurrency` sessions until `until()` says stop (and at most
 * `maxMessages`), each with a unique id; records which were accepted.
 */
export async function smtpLoad(opts: {
  port: number;
  concurrency: number;
  maxMessages: number;
  until: () => boolean;
  message: (n: number) => { id: string; to: string; raw: string };
}): Promise<LoadResult> {
  const acked = new Set<string>();
  const refused = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (!opts.until() && next < opts.maxMessages) {
      const m = opts.message(next++);
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: opts.port,
        secure: false,
        ignoreTLS: true,
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: 15_000,
      });
      try {
        await t.sendMail({ envelope: { from: 'customer@example.net', to: [m.to] }, raw: m.raw });
        acked.add(m.id);
      } catch (e) {
        const code = String((e as { responseCode?: number }).responseCode ?? (e as { code?: string }).code ?? 'error');
        refused.set(code, (refused.get(code) ?? 0) + 1);
        // A refusal comes fast; do not spin on it.
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        t.close();
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { acked, refused, sent: next };
}

/** Asks a node's /healthz; null when nothing answers. */
export async function healthOf(httpPort: number): Promise<{ status: number; body: { ok: boolean; error?: string } } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } };
  } catch {
    return null;
  }
}
