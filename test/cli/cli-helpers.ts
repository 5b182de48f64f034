/**
 * The real `relaydesk` binary as a child process, for the CLI's integration tests: every
 * run is bounded by a timeout, and every server started here is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports.js';
import { freshPgDatabase } from '../support/postgres.js';
import type { Dialect } from '../support/relaydesk.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/relaydesk.js');

export interface CliResult {
  /** Exit code; -1 when killed by the timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a child: without a database URL that would silently win over --data. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.RELAYDESK_DATABASE_URL;
  return env;
}

/**
 * Runs started by one test file at once: each costs a node start and its store, and
 * more than a couple in parallel only make them all slow enough to hit their timeouts.
 */
const MAX_PARALLEL = 2;
let running = 0;
const queued: (() => void)[] = [];

/** Runs `relaydesk ARGS` from the repository root and collects its output. */
export async function relaydesk(args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  // A finishing run hands its slot straight to the next in line.
  if (running >= MAX_PARALLEL) await new Promise<void>((r) => queued.push(r));
  else running++;
  try {
    return await runOnce(args, opts);
  } finally {
    const next = queued.shift();
    if (next) next();
    else running--;
  }
}

function runOnce(args: readonly string[], opts: { input?: string; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}

/** stdout parsed as JSON, with the whole run in the error when it is not JSON. */
export function parseJson<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** For expect(...).toBe(…, describe(r)): the run's output when an assertion fails. */
export function describeRun(r: CliResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

export interface CliStore {
  readonly dialect: Dialect;
  /** --data DIR or --database URL. */
  readonly args: readonly string[];
  /** A scratch directory for files the test writes (configs). */
  readonly scratch: string;
  file(name: string, text: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** A fresh store for CLI runs: a temp SQLite data dir, or a fresh PostgreSQL database. */
export async function cliStore(dialect: Dialect): Promise<CliStore> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-cli-'));
  let args: string[];
  let drop = async (): Promise<void> => {};
  if (dialect === 'sqlite') {
    args = ['--data', path.join(scratch, 'data')];
  } else {
    const db = await freshPgDatabase();
    args = ['--database', db.url];
    drop = () => db.drop();
  }
  return {
    dialect,
    args,
    scratch,
    async file(name, text) {
      const p = path.join(scratch, name);
      await writeFile(p, text);
      return p;
    },
    async cleanup() {
      await drop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** The 1-based line of the first line containing `needle`, to check the places problems name. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" is not in the text`);
  return i + 1;
}

export interface ServerChild {
  readonly pid: number;
  readonly smtpPort: number;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** `relaydesk start` as a child on 127.0.0.1 (inbound and queue, no DNS), ready once it says so. */
export async function startServer(storeArgs: readonly string[]): Promise<ServerChild> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOn(storeArgs, port);
    } catch (e) {
      // Another process may take the free port before the server binds it.
      if (attempt >= 3 || !/already in use/.test((e as Error).message)) throw e;
    }
  }
}

function startOn(storeArgs: readonly string[], port: number): Promise<ServerChild> {
  const args = [
    'start',
    ...storeArgs,
    '--listen',
    '127.0.0.1',
    '--smtp-port',
    String(port),
    '--http-port',
    '0',
    '--no-dns',
    '--roles',
    'inbound,queue',
    '--log-level',
    'warn',
    '--hostname',
    'gw.relaydesk.test',
  ];
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const server: ServerChild = {
    pid: child.pid ?? -1,
    smtpPort: port,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relaydesk start did not come up within 20 s:\n${out}`));
    }, 20_000);
    const onData = (): void => {
      if (!out.includes('Relaydesk is running')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(server);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relaydesk start exited with ${code}:\n${out}`));
    });
  });
}

/**
 * A hand-driven SMTP session, for what swaks cannot do: pause between commands (to change
 * the configuration in the middle of a transaction).
 */
export interface SmtpSession {
  /** Sends one command line and resolves with the whole reply (multi-line joined with '\n'). */
  command(line: string): Promise<string>;
  close(): void;
}

export async function openSmtpSession(port: number): Promise<SmtpSession & { greeting: string }> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.setTimeout(15_000, () => socket.destroy(new Error('SMTP session timed out')));
  let buffer = '';
  let waiting: { resolve: (reply: string) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const tryReply = (): void => {
    if (!waiting) return;
    const lines = buffer.split('\r\n');
    // The last piece is an unfinished line (or '' after a CRLF): never a whole reply yet.
    const last = lines.slice(0, -1).findIndex((l) => /^\d{3}(?: |$)/.test(l));
    if (last < 0) return;
    const reply = lines.slice(0, last + 1).join('\n');
    buffer = lines.slice(last + 1).join('\r\n');
    const w = waiting;
    waiting = null;
    w.resolve(reply);
  };
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    tryReply();
  });
  socket.on('error', (e) => {
    failure = e;
    waiting?.reject(e);
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiting = { resolve, reject };
      tryReply();
    });
  const greeting = await next();
  return {
    greeting,
    command(line) {
      const reply = next();
      socket.write(`${line}\r\n`);
      return reply;
    },
    close() {
      socket.end();
      socket.destroy();
    },
  };
}

/** The queue id from swaks's last reply: `250 2.0.0 Ok: queued as ID`. */
export function queuedId(lastReply: string | undefined): string {
  const m = /queued as (\S+)/.exec(lastReply ?? '');
  if (!m) throw new Error(`not accepted: ${lastReply}`);
  return m[1]!;
}

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
