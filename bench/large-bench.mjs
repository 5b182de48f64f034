#!/usr/bin/env node
// Large messages through each gateway, measured in the same run (bench/large.sh starts
// the targets and writes the plan). For every phase (e.g. 30 MiB at c=20, then 1 MiB at
// c=100) and rep, each target gets one load run in turn: `smtp-source -s CONC -m COUNT
// -l SIZE` (one message per session), while its process tree is sampled every 250 ms
// from /proc/<pid>/statm and smaps_rollup (peak RSS and PSS), until the smtp-sink has
// counted COUNT more messages. The order alternates between reps (A B C, then C B A), so
// neither target always runs on the heels of the other.
// Dependency-free (Node 20). Loopback only; counts are fixed and every wait is bounded.
//
// usage: node bench/large-bench.mjs PLAN.json
// plan: { sinkOut, outDir, smtpSource, reps, runTimeoutS, drainTimeoutS, gateway, reference,
//         rssGoalMiB, phases: [{ name, conc, count, size }], targets: [{ name, port, pids, queueDirs }] }
// writes OUT/results.jsonl (one line per run), OUT/timeline.jsonl (every sample), and
// prints the summary (markdown) on stdout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const HOST = '127.0.0.1';
const FROM = 'customer@example.net';
const TO = 'help@solarmora.com';
const PAGE_KIB = 4;
const CLK_TCK = 100;
const SAMPLE_MS = 250;
const MIB = 1024 * 1024;
const GATEWAY = plan.gateway ?? 'relaydesk';
const REFERENCE = plan.reference ?? 'postfix';
fs.mkdirSync(plan.outDir, { recursive: true });
const resultsFile = path.join(plan.outDir, 'results.jsonl');
const timelineFile = path.join(plan.outDir, 'timeline.jsonl');

const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`[large ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const loadavg = () => fs.readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');

// ---------- the sink's counter: smtp-sink -c writes "sess=N quit=N mesg=N\r" ----------
const sinkFd = fs.openSync(plan.sinkOut, 'r');
const tail = Buffer.alloc(256);
function sinkCount() {
  const size = fs.fstatSync(sinkFd).size;
  if (size === 0) return 0;
  const len = Math.min(size, tail.length);
  fs.readSync(sinkFd, tail, 0, len, size - len);
  const recs = tail.toString('latin1', 0, len).split('\r').slice(0, -1);
  for (let i = recs.length - 1; i >= 0; i--) {
    const m = recs[i].match(/mesg=(\d+)$/);
    if (m) return Number(m[1]);
  }
  return 0;
}

// ---------- /proc ----------
function procStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}
/** The roots and all their descendants (Postfix's master forks smtpd, cleanup, qmgr, smtp…). */
function treePids(roots) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(d);
    if (st) parent.set(Number(d), st.ppid);
  }
  const out = new Set(roots.filter((p) => parent.has(p)));
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, pp] of parent) {
      if (!out.has(p) && out.has(pp)) {
        out.add(p);
        grew = true;
      }
    }
  }
  return [...out];
}
function rssKiB(pid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * PAGE_KIB;
  } catch {
    return 0;
  }
}
function pssKiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1').match(/^Pss:\s+(\d+)/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
function treeMemory(roots) {
  const pids = treePids(roots);
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += rssKiB(p);
    pss += pssKiB(p);
  }
  return { rssMiB: rss / 1024, pssMiB: pss / 1024, procs: pids.length };
}
function treeCpuS(roots) {
  let t = 0;
  for (const p of treePids(roots)) t += procStat(p)?.cpu ?? 0;
  return t / CLK_TCK;
}
/**
 * Time each thread of the tree has spent runnable but waiting for a CPU (schedstat's
 * run_delay, ns), by thread id: on a busy machine this shows how much of a run's wall time
 * a target lost to other work rather than to its own.
 */
function runQueueWaits(roots) {
  const waits = new Map();
  for (const p of treePids(roots)) {
    let tids;
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tids) {
      try {
        waits.set(Number(t), Number(fs.readFileSync(`/proc/${p}/task/${t}/schedstat`, 'latin1').split(' ')[1]));
      } catch {
        // the thread has just exited
      }
    }
  }
  return waits;
}
/** Seconds waited during the run by the threads alive at its end (those that exited are lost). */
function waitedS(start, end, only) {
  let ns = 0;
  for (const [t, v] of end) if (only === undefined || t === only) ns += v - (start.get(t) ?? 0);
  return ns / 1e9;
}
function queueFiles(dirs) {
  let n = 0;
  const walk = (d) => {
    let ents;
    try {
      ents = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else n++;
    }
  };
  for (const d of dirs ?? []) walk(d);
  return n;
}

function runSource(args, timeoutS) {
  return new Promise((resolve) => {
    const t0 = now();
    const ch = spawn(plan.smtpSource ?? 'smtp-source', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    ch.stderr.on('data', (d) => {
      if (err.length < 4000) err += d;
    });
    const kill = setTimeout(() => ch.kill('SIGTERM'), timeoutS * 1000);
    ch.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, t0, t1: now(), err: err.trim() });
    });
  });
}

// ---------- one load run ----------
async function loadRun(target, phase, rep) {
  const roots = target.pids;
  // Postfix's queue must be empty before the next run (bounded); the others have none we can see.
  for (let i = 0; i < 300 && queueFiles(target.queueDirs) > 0; i++) await sleep(100);
  await sleep(1000);
  const before = treeMemory(roots);
  const load0 = loadavg();
  const c0 = sinkCount();
  const cpu0 = treeCpuS(roots);
  const wait0 = runQueueWaits(roots);
  const peak = { rss: 0, pss: 0, procs: 0 };
  const samples = [];
  let tStart = now();
  let stopped = false;
  let timer;
  const sample = () => {
    if (stopped) return;
    const m = treeMemory(roots);
    peak.rss = Math.max(peak.rss, m.rssMiB);
    peak.pss = Math.max(peak.pss, m.pssMiB);
    peak.procs = Math.max(peak.procs, m.procs);
    samples.push({ t: +(now() - tStart).toFixed(2), rss: +m.rssMiB.toFixed(1), pss: +m.pssMiB.toFixed(1), procs: m.procs, delivered: sinkCount() - c0 });
    timer = setTimeout(sample, SAMPLE_MS);
  };
  tStart = now();
  sample();
  const args = ['-s', String(phase.conc), '-m', String(phase.count), '-l', String(phase.size), '-f', FROM, '-t', TO, `${HOST}:${target.port}`];
  const src = await runSource(args, plan.runTimeoutS ?? 600);
  // Wait for the sink to count every message, bounded: give up at the drain limit, or when
  // nothing has arrived for a while (sooner when smtp-source itself failed).
  const goal = c0 + phase.count;
  const limit = now() + (plan.drainTimeoutS ?? 600);
  const stallS = src.code === 0 ? (plan.stallS ?? 120) : 30;
  let tDone = null;
  let count = sinkCount();
  let lastMove = now();
  while (count < goal && now() < limit && now() - lastMove < stallS) {
    await sleep(5);
    const c = sinkCount();
    if (c !== count) lastMove = now();
    count = c;
  }
  if (count >= goal) tDone = now();
  stopped = true;
  clearTimeout(timer);
  const wait1 = runQueueWaits(roots);
  const cpu1 = treeCpuS(roots);
  const tEnd = tDone ?? now();
  const delivered = count - c0;
  const e2e = tEnd - src.t0;
  const accept = src.t1 - src.t0;
  await sleep(1000);
  const after = treeMemory(roots);
  const r = {
    phase: phase.name,
    rep,
    target: target.name,
    conc: phase.conc,
    msgs: phase.count,
    size: phase.size,
    load_start: load0,
    load_end: loadavg(),
    src_rc: src.code,
    src_err: src.err ? src.err.split('\n').slice(-3).join(' | ') : '',
    accept_s: +accept.toFixed(2),
    delivered,
    complete: tDone !== null,
    e2e_s: +e2e.toFixed(2),
    drain_s: +Math.max(0, tEnd - src.t1).toFixed(2),
    delivered_msgs_s: +(delivered / e2e).toFixed(2),
    delivered_mib_s: +((delivered * phase.size) / MIB / e2e).toFixed(1),
    accepted_mib_s: +((phase.count * phase.size) / MIB / accept).toFixed(1),
    cpu_s: +(cpu1 - cpu0).toFixed(1),
    runq_wait_s: +waitedS(wait0, wait1).toFixed(1),
    main_thread_runq_wait_s: +waitedS(wait0, wait1, roots[0]).toFixed(1),
    rss_before_mib: +before.rssMiB.toFixed(1),
    peak_rss_mib: +peak.rss.toFixed(1),
    peak_pss_mib: +peak.pss.toFixed(1),
    rss_after_mib: +after.rssMiB.toFixed(1),
    peak_procs: peak.procs,
    queue_left: queueFiles(target.queueDirs),
  };
  fs.appendFileSync(resultsFile, `${JSON.stringify(r)}\n`);
  fs.appendFileSync(timelineFile, `${JSON.stringify({ phase: phase.name, rep, target: target.name, samples })}\n`);
  log(
    `${phase.name} rep${rep} ${target.name}: ${delivered}/${phase.count} delivered in ${r.e2e_s}s ` +
      `(${r.delivered_mib_s} MiB/s, ${r.delivered_msgs_s} msgs/s, drain ${r.drain_s}s) ` +
      `peak RSS ${r.peak_rss_mib} MiB PSS ${r.peak_pss_mib} MiB (before ${r.rss_before_mib}, after ${r.rss_after_mib}) ` +
      `cpu ${r.cpu_s}s runq-wait ${r.runq_wait_s}s (main thread ${r.main_thread_runq_wait_s}s) load ${load0} -> ${r.load_end} rc=${src.code}${r.complete ? '' : ' INCOMPLETE'}${r.src_err ? ` err=${r.src_err}` : ''}`,
  );
  return r;
}

// ---------- summary ----------
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v, d = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const spread = (a, d = 0) => (a.length > 1 ? ` (${fmt(Math.min(...a), d)}–${fmt(Math.max(...a), d)})` : '');
const cell = (a, d = 0) => `${fmt(median(a), d)}${spread(a, d)}`;

function summary(results) {
  const L = [];
  L.push('Medians over the reps, (min–max) when there are several. MiB/s counts the payload (`-l SIZE`) of each message the sink counted.');
  L.push(
    "Waiting for a CPU: time the tree's threads were runnable but not running (schedstat), summed over the threads alive at the end of the run; in brackets the root process's main thread alone (Relaydesk's event loop; Postfix's master).",
  );
  L.push('');
  L.push(
    '| phase | target | msgs | delivered MiB/s | delivered msgs/s | accepted MiB/s | drain s | peak RSS MiB | peak PSS MiB | RSS before → after MiB | CPU s | waiting for a CPU s: tree (main thread) | complete |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const ph of plan.phases) {
    for (const t of plan.targets) {
      const s = results.filter((r) => r.phase === ph.name && r.target === t.name);
      if (!s.length) continue;
      const col = (k, d = 0) =>
        cell(
          s.map((r) => r[k]),
          d,
        );
      L.push(
        `| ${ph.name} c=${ph.conc} | ${t.name} | ${ph.count} | ${col('delivered_mib_s', 1)} | ${col('delivered_msgs_s', 1)} | ${col('accepted_mib_s', 1)} | ` +
          `${col('drain_s', 1)} | ${col('peak_rss_mib')} | ${col('peak_pss_mib')} | ${s.map((r) => `${fmt(r.rss_before_mib)} → ${fmt(r.rss_after_mib)}`).join(', ')} | ` +
          `${col('cpu_s', 1)} | ${col('runq_wait_s', 1)} (${col('main_thread_runq_wait_s', 1)}) | ${s.filter((r) => r.complete).length}/${s.length} |`,
      );
    }
  }
  const names = plan.targets.map((t) => t.name);
  if (!names.includes(GATEWAY) || !names.includes(REFERENCE)) return L.join('\n');
  L.push('');
  L.push(`${GATEWAY} ÷ ${REFERENCE}, from the medians of this run (per-rep pairs in brackets):`);
  L.push('');
  L.push('| phase | delivered MiB/s | peak RSS | peak PSS |');
  L.push('|---|---|---|---|');
  const verdicts = [];
  for (const ph of plan.phases) {
    const g = results.filter((r) => r.phase === ph.name && r.target === GATEWAY);
    const f = results.filter((r) => r.phase === ph.name && r.target === REFERENCE);
    if (!g.length || !f.length) continue;
    const ratio = (k) => median(g.map((r) => r[k])) / median(f.map((r) => r[k]));
    const pairs = (k) => {
      const ps = g.map((r) => {
        const o = f.find((x) => x.rep === r.rep);
        return o ? fmt(r[k] / o[k], 2) : '-';
      });
      return ps.length > 1 ? ` [${ps.join(', ')}]` : '';
    };
    L.push(
      `| ${ph.name} c=${ph.conc} | ${fmt(ratio('delivered_mib_s'), 2)}${pairs('delivered_mib_s')} | ${fmt(ratio('peak_rss_mib'), 2)}${pairs('peak_rss_mib')} | ${fmt(ratio('peak_pss_mib'), 2)}${pairs('peak_pss_mib')} |`,
    );
    const maxRss = Math.max(...g.map((r) => r.peak_rss_mib));
    const all = g.every((r) => r.complete);
    verdicts.push(
      `- ${ph.name} c=${ph.conc}: peak RSS ${fmt(maxRss)} MiB (highest rep) ${maxRss < plan.rssGoalMiB ? '<' : '≥'} ${plan.rssGoalMiB} MiB: ` +
        `${maxRss < plan.rssGoalMiB ? 'met' : 'NOT met'}; delivered MiB/s ${fmt(ratio('delivered_mib_s'), 2)}× ${REFERENCE}'s: ` +
        `${ratio('delivered_mib_s') >= 1 ? 'met' : 'NOT met'}${all ? '' : `; only ${g.filter((r) => r.complete).length}/${g.length} runs delivered every message`}`,
    );
  }
  L.push('');
  L.push(`Goal (${GATEWAY}: peak RSS below ${plan.rssGoalMiB} MiB, delivered bytes/s at least ${REFERENCE}'s):`);
  L.push('');
  L.push(...verdicts);
  return L.join('\n');
}

async function main() {
  const results = [];
  log(
    `plan: targets=${plan.targets.map((t) => t.name).join(',')} phases=${plan.phases.map((p) => `${p.count}x${p.size}@c${p.conc}`).join(',')} reps=${plan.reps}`,
  );
  for (const ph of plan.phases) {
    for (let rep = 1; rep <= plan.reps; rep++) {
      const order = rep % 2 ? plan.targets : [...plan.targets].reverse();
      for (const t of order) results.push(await loadRun(t, ph, rep));
    }
  }
  const text = summary(results);
  fs.writeFileSync(path.join(plan.outDir, 'summary.md'), `${text}\n`);
  console.log(text);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
