/**
 * Retention keeps the store its size: MESSAGES messages (200,000 by default) go through a real
 * node over SMTP on 127.0.0.1 (Postfix's smtp-source in, smtp-sink as the next hop), in blocks
 * of PER_DAY (20,000). The node's clock moves one day after each block has drained, so with
 * `retention: { messages: 1d, log: 2d }` the run spans ten windows. The retention job runs on
 * its own schedule (every minute, sooner with a backlog); nothing here calls it. After each
 * block the script prints the store's size on disk (file + WAL), the largest size seen during
 * the block (sampled every second), the rows kept and what the job removed meanwhile (from its
 * log lines).
 *
 *   npm run bench:retention                   # 200,000 messages, 20,000 a simulated day
 *   npx tsx bench/retention.ts --messages 40000 --per-day 5000 --sessions 10 --size 4096 --max-minutes 30
 *
 * Loopback only. Bounded: the message count, each block's time (smtp-source and the drain are
 * killed or given up on after --block-timeout seconds), and the whole run (--max-minutes).
 * It stops what it starts by PID (smtp-sink, each smtp-source) and removes its temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startNode, type RunningNode } from '../src/cli/start.js';
import { applyConfigText } from '../src/config/io/apply.js';
import { countByStatus, loadStoreStats, openStore, type StoreHandle } from '../src/store/index.js';

const { values: opt } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    'per-day': { type: 'string', default: '20000' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '4096' },
    'block-timeout': { type: 'string', default: '900' },
    'max-minutes': { type: 'string', default: '120' },
  },
});
const MESSAGES = Number(opt.messages);
const PER_DAY = Number(opt['per-day']);
const SESSIONS = Number(opt.sessions);
const SIZE = Number(opt.size);
const BLOCK_TIMEOUT_MS = Number(opt['block-timeout']) * 1000;
const DEADLINE = Date.now() + Number(opt['max-minutes']) * 60_000;
const DAY = 86_400_000;
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const SMTP_SINK = '/usr/sbin/smtp-sink';
for (const [name, v] of Object.entries({ MESSAGES, PER_DAY, SESSIONS, SIZE, BLOCK_TIMEOUT_MS })) {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive whole number`);
}
if (MESSAGES > 2_000_000) throw new Error('--messages is capped at 2,000,000 so that a run stays bounded');

const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Stops a child by its PID: TERM, then KILL after `graceMs`. */
async function stop(child: ChildProcess | null, graceMs = 5_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stderr });
    });
  });
}

const config = (sinkPort: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
smtp:
  connectionLimitExceptions: [127.0.0.0/8, "::1"]
retention: { messages: 1d, log: 2d }
`;

/** As `--no-dns`: nothing is looked up, every name is unknown at once. */
const noDns = async () => {
  throw Object.assign(new Error('DNS is off in the benchmark'), { code: 'ENOTFOUND' });
};

/**
 * What the job removed, from its own log lines (one per run that removed something): its
 * last run in the store would show only the newest run, often an empty one.
 */
const removed = { runs: 0, bodies: 0, logEntries: 0, pagesReturned: 0, longestMs: 0 };
function onLogLine(line: string): void {
  const entry = JSON.parse(line) as { level: number; event?: string; bodies?: number; logEntries?: number; pagesReturned?: number; durationMs?: number };
  if (entry.event === 'retention.purged') {
    removed.runs++;
    removed.bodies += entry.bodies ?? 0;
    removed.logEntries += entry.logEntries ?? 0;
    removed.pagesReturned += entry.pagesReturned ?? 0;
    removed.longestMs = Math.max(removed.longestMs, entry.durationMs ?? 0);
  } else if (entry.level >= 40) {
    process.stderr.write(line);
  }
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-bench-retention-'));
let sink: ChildProcess | null = null;
let node: RunningNode | null = null;
let store: StoreHandle | null = null;
const stopAll = async () => {
  await node?.stop().catch(() => undefined);
  await store?.close().catch(() => undefined);
  await stop(sink);
  await rm(dataDir, { recursive: true, force: true });
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  const loadAtStart = loadavg();
  const sinkPort = await freePort();
  sink = spawn(SMTP_SINK, [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), `127.0.0.1:${sinkPort}`, '1000'], { stdio: 'ignore' });
  sink.once('error', (e) => log(`smtp-sink: ${e.message}`));

  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  store = await openStore({ dataDir }, { relaxed: true });
  await applyConfigText(store.db, config(sinkPort), { appliedBy: 'bench', now: Date.now() });
  node = await startNode({
    store,
    listen: '127.0.0.1',
    smtpPort: 0,
    httpPort: 0,
    hostname: 'gw.relaydesk.test',
    roles: ['inbound', 'queue'],
    resolver: noDns,
    authenticate: false,
    clock,
    logger: pino({ level: 'info' }, { write: onLogLine }),
  });
  const smtpPort = node.smtpPort!;
  const file = store.where;
  const onDisk = () => {
    const main = statSync(file).size;
    const wal = statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    return { main, wal, total: main + wal };
  };
  log(`node on 127.0.0.1:${smtpPort}, smtp-sink pid ${sink.pid} on 127.0.0.1:${sinkPort}, store ${file}`);
  log(
    `${MESSAGES} messages of ${SIZE} bytes from ${SESSIONS} sessions, ${PER_DAY} per simulated day; retention messages 1d, log 2d; load average ${loadAtStart}`,
  );

  console.log(
    `retention over ${MESSAGES.toLocaleString('en')} messages (${SIZE} B each, ${SESSIONS} sessions, ${PER_DAY.toLocaleString('en')} per simulated day; retention messages 1d, log 2d), SQLite`,
  );
  console.log(
    '| day | elapsed s | sent | msgs/s | file+WAL MiB | (file, WAL) | max during block MiB | log rows | with body | purged during block: runs, bodies, log entries, pages returned, longest run ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const started = performance.now();
  let sent = 0;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, onDisk().total)), 1000);
  for (let day = 1; sent < MESSAGES; day++) {
    if (Date.now() > DEADLINE) {
      log('the run reached --max-minutes; stopping early');
      break;
    }
    const n = Math.min(PER_DAY, MESSAGES - sent);
    peak = onDisk().total;
    Object.assign(removed, { runs: 0, bodies: 0, logEntries: 0, pagesReturned: 0, longestMs: 0 });
    const t = performance.now();
    const r = await run(
      SMTP_SOURCE,
      ['-s', String(SESSIONS), '-m', String(n), '-l', String(SIZE), '-f', 'bench@customer.example', '-t', 'help@solarmora.com', `127.0.0.1:${smtpPort}`],
      BLOCK_TIMEOUT_MS,
    );
    if (r.code !== 0) throw new Error(`smtp-source exited ${r.code}: ${r.stderr.slice(0, 500)}`);
    const drainUntil = Date.now() + BLOCK_TIMEOUT_MS;
    for (;;) {
      const c = await countByStatus(store.db);
      if (!c.queued && !c.active && !c.deferred) break;
      if (Date.now() > drainUntil) throw new Error(`block ${day} did not drain within --block-timeout: ${JSON.stringify(c)}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    const seconds = (performance.now() - t) / 1000;
    sent += n;
    const size = onDisk();
    const stats = await loadStoreStats(store);
    const purge = `${removed.runs}, ${removed.bodies.toLocaleString('en')}, ${removed.logEntries.toLocaleString('en')}, ${removed.pagesReturned.toLocaleString('en')}, ${removed.longestMs}`;
    const elapsed = ((performance.now() - started) / 1000).toFixed(0);
    console.log(
      `| ${day} | ${elapsed} | ${sent.toLocaleString('en')} | ${(n / seconds).toFixed(0)} | ${mib(size.total)} | (${mib(size.main)}, ${mib(size.wal)}) | ${mib(Math.max(peak, size.total))} | ${stats.kinds.log.rows.toLocaleString('en')} | ${stats.kinds.bodies.rows.toLocaleString('en')} | ${purge} |`,
    );
    // The block has drained: nothing is in flight when the day passes.
    offset += DAY;
  }
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  console.log('');
  console.log(
    `${sent.toLocaleString('en')} messages in ${seconds.toFixed(0)} s (${(sent / seconds).toFixed(0)} msgs/s end to end); load average at start ${loadAtStart}, at end ${loadavg()} (${os.cpus().length} CPUs)`,
  );
} finally {
  await stopAll();
}
