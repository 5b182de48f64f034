/**
 * The binary as a process among others: output cut short by its reader (`| head`) ends
 * quietly with status 0, and `--version` answers from the package without opening anything.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { cliStore, relaydesk, ROOT, type CliStore } from './cli-helpers.js';

const BIN = path.join(ROOT, 'bin/relaydesk.js');
const MESSAGES = 600;

/** `relaydesk ARGS | head -c BYTES`, in a shell: the exit status and stderr of relaydesk itself. */
function pipedToHead(args: readonly string[], bytes: number): Promise<{ status: number; stderr: string; head: string }> {
  return new Promise((resolve, reject) => {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const sh = spawn('bash', ['-c', `${quoted} 2>&3 | head -c ${bytes}; echo "|status=\${PIPESTATUS[0]}" >&2`], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let head = '';
    let status = '';
    let stderr = '';
    sh.stdout!.on('data', (d: Buffer) => (head += d.toString()));
    sh.stderr!.on('data', (d: Buffer) => (status += d.toString()));
    (sh.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => sh.kill('SIGKILL'), 60_000);
    sh.on('error', reject);
    sh.on('close', () => {
      clearTimeout(timer);
      const m = /\|status=(\d+)/.exec(status);
      if (!m) return reject(new Error(`no status from the pipeline: ${status}`));
      resolve({ status: Number(m[1]), stderr, head });
    });
  });
}

describe('the relaydesk process', { timeout: 120_000 }, () => {
  let store: CliStore;
  beforeAll(async () => {
    store = await cliStore('sqlite');
    const dataDir = store.args[1]!;
    const handle = await openStore({ dataDir });
    await handle.close();
    // Enough messages that `queue list --json` writes far more than a pipe holds (64 KiB).
    const db = new Database(path.join(dataDir, 'relaydesk.sqlite'));
    const ins = db.prepare(
      `insert into messages (queue_id, message_id, mail_from, helo, client_ip, size, subject, header_from, received_at, config_version, spam, spam_score, spam_reasons, auth_results, body_purged_at, delivery_summary)
       values (?, ?, 'customer@customer.example', 'mx.example', '192.0.2.7', 4096, ?, 'customer@customer.example', ?, 1, 0, 0, '[]', '[]', null, null)`,
    );
    db.transaction(() => {
      for (let i = 0; i < MESSAGES; i++)
        ins.run(
          `PIPE${String(i).padStart(6, '0')}`,
          `<pipe-${i}@customer.example>`,
          `Order ${i}: where is my parcel? ${'x'.repeat(100)}`,
          Date.now() - i * 1000,
        );
    })();
    db.close();
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('ends with status 0 and nothing on stderr when its reader closes the pipe early', async () => {
    const r = await pipedToHead(['queue', 'list', '--json', '--limit', String(MESSAGES), ...store.args], 100);
    expect(r.head).toMatch(/^\{/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('still prints everything to a reader that reads everything', async () => {
    const r = await relaydesk(['queue', 'list', '--json', '--limit', String(MESSAGES), ...store.args]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { messages: unknown[] }).messages).toHaveLength(MESSAGES);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await relaydesk(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('help for one command lists its subcommands, and the top-level help lists every command', async () => {
    const one = await relaydesk(['help', 'queue']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('list');
    const all = await relaydesk(['--help']);
    expect(all.code).toBe(0);
    for (const c of ['start', 'apply', 'export', 'quarantine', 'mailbox', 'trace', 'queue', 'store', 'desk', 'token', 'webhook', 'user', 'backup', 'restore'])
      expect(all.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('an unknown command is a usage error (exit 2) that lists the commands', async () => {
    const r = await relaydesk(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
