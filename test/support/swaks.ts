/**
 * Real SMTP clients for integration tests: swaks (one scripted session, with a transcript to
 * assert on) and Postfix's smtp-source (many sessions, for load). Both are Debian packages.
 */
import { spawn } from 'node:child_process';

export const SWAKS = '/usr/bin/swaks';
export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export interface ToolOptions {
  /** Killed (SIGKILL) after this long; the result then has code -1. Default 30 s. */
  timeoutMs?: number;
  /** Written to stdin, e.g. a message for `swaks --data -`. */
  input?: string | Buffer;
}

export interface ToolResult {
  /** Exit code; -1 when killed by the timeout or a signal. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface SwaksResult extends ToolResult {
  /** Every reply of the server, in order; the lines of a multi-line reply joined with '\n'. */
  replies: string[];
  /**
   * The server's reply to the last command before QUIT: `250 …queued as …` after a
   * successful DATA, `550 5.1.1 …` when swaks gave up at a refused RCPT.
   */
  lastReply?: string;
}

/**
 * Runs swaks with `args`, e.g.
 * `swaks(['--server', `127.0.0.1:${port}`, '--from', 'a@elsewhere.example', '--to', 'help@solarmora.com'])`.
 * A non-zero `code` is swaks reporting a refusal (23 MAIL, 24 RCPT, 26 end of DATA), not an exception.
 */
export async function swaks(args: string[], opts: ToolOptions = {}): Promise<SwaksResult> {
  const result = await runTool(SWAKS, args, opts, 'swaks');
  const exchanges = parseTranscript(`${result.stdout}\n${result.stderr}`);
  const replies = exchanges.map((e) => e.reply);
  const last = exchanges.at(-1);
  const beforeQuit = last?.command === 'QUIT' ? exchanges.at(-2) : last;
  return { ...result, replies, lastReply: beforeQuit?.reply };
}

/** The server's replies in a swaks transcript, in order (multi-line replies joined with '\n'). */
export function serverReplies(transcript: string): string[] {
  return parseTranscript(transcript).map((e) => e.reply);
}

interface Exchange {
  /** The client line sent last before this reply; null before the first (the greeting). */
  command: string | null;
  reply: string;
}

// swaks prefixes what the server sent with "<-  " (or "<** " when it is an error) and what it
// sent itself with " -> "; see "transaction hints" in swaks(1).
function parseTranscript(transcript: string): Exchange[] {
  const exchanges: Exchange[] = [];
  let command: string | null = null;
  let pending: string[] = [];
  for (const line of transcript.split(/\r?\n/)) {
    const sent = /^ -> (.*)$/.exec(line);
    if (sent) {
      command = sent[1]!;
      continue;
    }
    const received = /^<(?:-|\*\*) {1,2}(.*)$/.exec(line);
    if (!received) continue;
    const text = received[1]!;
    pending.push(text);
    if (/^\d{3}-/.test(text)) continue;
    exchanges.push({ command, reply: pending.join('\n') });
    pending = [];
  }
  return exchanges;
}

export interface SmtpSourceOptions extends ToolOptions {
  host?: string;
  port: number;
  /** Parallel sessions (-s). Default 1. */
  sessions?: number;
  /** Messages in total (-m). Default 1. */
  messages?: number;
  /** Body size in bytes (-l). */
  size?: number;
  from?: string;
  to?: string;
  /** More smtp-source(1) options, placed before the destination. */
  extraArgs?: string[];
}

export interface SmtpSourceResult extends ToolResult {
  elapsedMs: number;
}

/** Runs Postfix's smtp-source against host:port; it prints nothing unless told (-c counts). */
export async function smtpSource(opts: SmtpSourceOptions): Promise<SmtpSourceResult> {
  const args = ['-s', String(opts.sessions ?? 1), '-m', String(opts.messages ?? 1)];
  if (opts.size !== undefined) args.push('-l', String(opts.size));
  if (opts.from !== undefined) args.push('-f', opts.from);
  if (opts.to !== undefined) args.push('-t', opts.to);
  args.push(...(opts.extraArgs ?? []), `${opts.host ?? '127.0.0.1'}:${opts.port}`);
  const started = performance.now();
  const result = await runTool(SMTP_SOURCE, args, opts, 'postfix');
  return { ...result, elapsedMs: performance.now() - started };
}

function runTool(command: string, args: string[], opts: ToolOptions, aptPackage: string): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(`${command} is missing, and the tests need it: install it with \`apt-get install -y ${aptPackage}\``) : err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a tool that exits without reading its input is not a failure here
    child.stdin.end(opts.input);
  });
}
