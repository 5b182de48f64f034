/**
 * How fast the CLI answers: median wall time and peak RSS of `relaydesk --version`,
 * `relaydesk queue list --json` and `relaydesk desk case N --json` on a store holding
 * MESSAGES relayed messages (100,000 by default, each with a delivery and its trace) and
 * a desk of 1,000 cases, beside `node -e 0` and `postconf -d mail_version` in the same run.
 * Each command runs RUNS times after two warm-ups; peak RSS comes from the kernel's
 * accounting of the finished child (wait4), so it is the whole process, not a sample.
 *
 *   npm run bench:cli [-- --messages 100000 --runs 20 --json]
 *
 * It builds dist/server from the sources first, then runs bin/relaydesk.js as an admin would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';
import { buildServer } from '../test/support/build-server.js';

const { values: opt } = parseArgs({
  options: { messages: { type: 'string', default: '100000' }, runs: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
});
const MESSAGES = Number(opt.messages);
const RUNS = Number(opt.runs);
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/relaydesk.js');
const log = (s: string) => process.stderr.write(`${s}\n`);

// wait4 gives the child's own peak RSS, which Node cannot read for a child.
const MEASURE = `
import json, os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "cpuMs": (ru.ru_utime + ru.ru_stime) * 1000, "rssKb": ru.ru_maxrss, "status": os.waitstatus_to_exitcode(status)}))
`;

interface Sample {
  ms: number;
  cpuMs: number;
  rssKb: number;
  status: number;
}

function runOnce(cmd: readonly string[]): Sample {
  const r = spawnSync('python3', ['-c', MEASURE, ...cmd], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`measuring ${cmd.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Sample;
}

function measure(name: string, cmd: readonly string[]): { name: string; medianMs: number; p90Ms: number; medianCpuMs: number; peakRssMiB: number } {
  for (let i = 0; i < 2; i++) {
    const s = runOnce(cmd);
    if (s.status !== 0) throw new Error(`${cmd.join(' ')} exited with ${s.status}`);
  }
  const samples = Array.from({ length: RUNS }, () => runOnce(cmd));
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    name,
    medianMs: round(ms[Math.floor(ms.length / 2)]!),
    p90Ms: round(ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.9))]!),
    // CPU time is what a busy machine disturbs least: wall time includes the wait for a core.
    medianCpuMs: round(median(samples.map((s) => s.cpuMs))),
    peakRssMiB: round(Math.max(...samples.map((s) => s.rssKb)) / 1024),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Rows as the gateway and the desk write them, inserted directly: SMTP would take an hour. */
function seed(file: string): number {
  const t = performance.now();
  const db = new Database(file);
  const insMessage = db.prepare(
    `insert into messages (queue_id, message_id, mail_from, helo, client_ip, size, subject, header_from, received_at, config_version, spam, spam_score, spam_reasons, auth_results, body_purged_at, delivery_summary)
     values (?, ?, ?, 'mx.example', '192.0.2.7', 4096, ?, ?, ?, 1, 0, 0, '[]', '[]', null, null)`,
  );
  const insDelivery = db.prepare(
    `insert into deliveries (queue_id, recipient, original_recipient, transport, route, require_tls, suppress_bounces, spam_flag, transform, rules, status, hold_reason, attempts, next_attempt_at, lease_until, lease_owner, last_reply, created_at, updated_at)
     values (?, 'support@crm.example', 'help@solarmora.com', 'smtp', null, 0, 0, 0, '{}', '[]', ?, null, 1, ?, null, null, ?, ?, ?)`,
  );
  const insTrace = db.prepare(`insert into trace_events (queue_id, delivery_id, at, code, summary, data) values (?, ?, ?, ?, ?, '{}')`);
  const insChannel = db.prepare(
    `insert into desk_channels (id, name, kind, public_address, auto_acknowledge, verification_state, created_at, updated_at) values ('ch_bench', 'Support', 'support', null, 0, 'unverified', ?, ?)`,
  );
  const insCase = db.prepare(
    `insert into desk_cases (number, channel_id, subject, requester_name, requester_address, status, assignee, linked_to, original_recipient, created_at, updated_at) values (?, 'ch_bench', ?, ?, ?, 'open', null, null, 'help@solarmora.com', ?, ?)`,
  );
  const insDeskMessage = db.prepare(
    `insert into desk_messages (case_id, lead_id, direction, message_id, in_reply_to, from_name, from_address, recipients, subject, text, html, queue_id, author, machine_kind, created_at)
     values (?, null, 'in', ?, null, ?, ?, '{"to":["help@solarmora.com"],"cc":[]}', ?, ?, null, null, null, null, ?)`,
  );
  const start = Date.now() - MESSAGES * 1000;
  db.transaction(() => {
    for (let i = 0; i < MESSAGES; i++) {
      const at = start + i * 1000;
      const queueId = `BENCH${String(i).padStart(8, '0')}`;
      insMessage.run(
        queueId,
        `<bench-${i}@customer.example>`,
        `customer${i % 997}@customer.example`,
        `Order ${i}: where is my parcel?`,
        `customer${i % 997}@customer.example`,
        at,
      );
      const status = i % 50 === 0 ? 'deferred' : 'delivered';
      const reply = status === 'delivered' ? '250 2.0.0 Ok: queued' : '451 4.3.0 try again later';
      const deliveryId = insDelivery.run(queueId, status, at + 60_000, reply, at, at + 1000).lastInsertRowid;
      insTrace.run(queueId, null, at, 'inbound.accepted', 'accepted');
      insTrace.run(queueId, deliveryId, at + 1000, status === 'delivered' ? 'queue.delivered' : 'queue.deferred', reply);
    }
    insChannel.run(start, start);
    for (let c = 0; c < 1000; c++) {
      const at = start + c * 60_000;
      const caseId = insCase.run(1001 + c, `Parcel question ${c}`, `Customer ${c}`, `customer${c}@customer.example`, at, at).lastInsertRowid;
      for (let m = 0; m < 5; m++)
        insDeskMessage.run(
          caseId,
          `<case-${c}-${m}@customer.example>`,
          `Customer ${c}`,
          `customer${c}@customer.example`,
          `Parcel question ${c}`,
          `Message ${m} of case ${c}.\n\nWhere is my parcel?`,
          at + m * 1000,
        );
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  log(`seeded ${MESSAGES} messages and 1,000 cases in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return 1500;
}

buildServer();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-cli-bench-'));
try {
  const store = await openStore({ dataDir }, { relaxed: true });
  await store.close();
  const caseNumber = seed(path.join(dataDir, 'relaydesk.sqlite'));
  const [load1] = os.loadavg();
  const results = [
    measure('node -e 0', ['node', '-e', '0']),
    ...(spawnSync('postconf', ['-d', 'mail_version']).status === 0 ? [measure('postconf -d mail_version', ['postconf', '-d', 'mail_version'])] : []),
    measure('relaydesk --version', ['node', BIN, '--version']),
    measure('relaydesk queue list --json', ['node', BIN, 'queue', 'list', '--json', '--data', dataDir]),
    measure(`relaydesk desk case ${caseNumber} --json`, ['node', BIN, 'desk', 'case', String(caseNumber), '--json', '--data', dataDir]),
  ];
  const nodeMs = results[0]!.medianMs;
  const nodeCpuMs = results[0]!.medianCpuMs;
  const report = {
    messages: MESSAGES,
    runs: RUNS,
    loadAverage: { start: round(load1!), end: round(os.loadavg()[0]!) },
    cpus: os.cpus().length,
    results: results.map((r) => ({ ...r, vsNode: round(r.medianMs / nodeMs), cpuVsNode: round(r.medianCpuMs / nodeCpuMs) })),
  };
  if (opt.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(
      `CLI on a store of ${MESSAGES} messages, ${RUNS} runs each; load average ${report.loadAverage.start} → ${report.loadAverage.end} on ${report.cpus} CPUs\n\n`,
    );
    const cols: [string, number, (r: (typeof report.results)[number]) => string | number][] = [
      ['command', 36, (r) => r.name],
      ['median ms', 11, (r) => r.medianMs],
      ['p90 ms', 9, (r) => r.p90Ms],
      ['× node', 8, (r) => r.vsNode],
      ['CPU ms', 9, (r) => r.medianCpuMs],
      ['CPU × node', 12, (r) => r.cpuVsNode],
      ['peak RSS MiB', 14, (r) => r.peakRssMiB],
    ];
    const row = (cells: (string | number)[]) =>
      `${cells.map((c, i) => (i === 0 ? String(c).padEnd(cols[i]![1]) : String(c).padStart(cols[i]![1]))).join('')}\n`;
    process.stdout.write(row(cols.map((c) => c[0])));
    for (const r of report.results) process.stdout.write(row(cols.map((c) => c[2](r))));
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
