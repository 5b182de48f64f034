#!/usr/bin/env node
// The report of `npm run bench` (bench/gateway.sh): one table of ratios, the absolute
// figures behind them, and an SVG chart of delivered msgs/s by message size.
//
// usage: node bench/report.mjs OUT_DIR
// Reads, from OUT_DIR (all written by bench/gateway.sh):
//   rig-runs.txt    one line per rig run: "<msg size> <rig output dir>"; each dir has the rig's
//                   results.jsonl (../shared/bench/peers/bench.mjs)
//   latency.jsonl   bench/accept-latency.mjs, one session at a time, one line per target (optional)
//   latency-rate.jsonl  bench/accept-latency.mjs --rate, open loop, one line per target (optional)
//   deadhop.jsonl   bench/dead-hop.sh, one line per gateway (optional)
//   env.txt         commit, knobs, load averages
// Writes OUT_DIR/report.md and OUT_DIR/chart.svg, and prints the report.
// Only the measured runs count (tags rep1, rep2, …); probe and warm-up runs are skipped.
import fs from 'node:fs';
import path from 'node:path';

const GATEWAY = 'relaydesk';
const PG = 'relaydesk-pg';
const REFERENCE = 'postfix';
// The gateway's latency goal: p99 connect -> 250 below 20 ms while 200 msgs/s are offered.
const GOAL_RATE = 200;
const GOAL_P99_MS = 20;
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node bench/report.mjs OUT_DIR');
  process.exit(2);
}
const file = (name) => path.join(outDir, name);
const jsonl = (p) =>
  fs.existsSync(p)
    ? fs
        .readFileSync(p, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

const runs = [];
const rigLat = [];
const rigDirs = [];
if (fs.existsSync(file('rig-runs.txt'))) {
  for (const line of fs.readFileSync(file('rig-runs.txt'), 'utf8').split('\n').filter(Boolean)) {
    const [size, dir] = line.split(' ');
    rigDirs.push(dir);
    for (const r of jsonl(path.join(dir, 'results.jsonl'))) {
      if (/^rep\d+$/.test(r.tag)) runs.push({ ...r, size: Number(size) });
      else if (r.tag === 'latency') rigLat.push({ ...r, size: Number(size) });
    }
  }
}
const probe = jsonl(file('latency.jsonl'));
const rated = jsonl(file('latency-rate.jsonl'));
const dead = jsonl(file('deadhop.jsonl'));
/**
 * The commits PostgreSQL logged as slow (log_min_duration_statement, set by bench/lib.sh)
 * between the open loop's start and end (latency-rate-span.txt: epoch ms, epoch ms, the
 * threshold in ms), or null when there is no such log. The log's lines start with the
 * server's time in UTC (log_timezone, also set there): "2026-12-04 12:57:10.166 UTC".
 */
function slowCommits() {
  if (!fs.existsSync(file('postgresql.log')) || !fs.existsSync(file('latency-rate-span.txt'))) return null;
  const [from, to, threshold = 8] = fs.readFileSync(file('latency-rate-span.txt'), 'utf8').trim().split(/\s+/).map(Number);
  const times = [];
  for (const line of fs.readFileSync(file('postgresql.log'), 'utf8').split('\n')) {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) UTC \[\d+\] LOG: +duration: ([\d.]+) ms +statement: commit\b/.exec(line);
    if (!m) continue;
    const at = Date.parse(`${m[1]}T${m[2]}Z`);
    if (at >= from && at <= to) times.push(Number(m[3]));
  }
  return { threshold, times };
}
const env = fs.existsSync(file('env.txt')) ? fs.readFileSync(file('env.txt'), 'utf8').trim() : '';

const median = (a) => {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) || !Number.isFinite(v) ? '-' : v.toFixed(d));
const range = (a, d = 0) => (a.length > 1 ? ` (${f(Math.min(...a), d)}–${f(Math.max(...a), d)})` : '');
const sizeName = (b) => (b >= 1048576 && b % 1048576 === 0 ? `${b / 1048576} MiB` : b >= 1024 && b % 1024 === 0 ? `${b / 1024} KiB` : `${b} B`);
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

const sizes = [...new Set(runs.map((r) => r.size))].sort((a, b) => a - b);
const cells = []; // [size, conc]
for (const s of sizes) for (const c of [...new Set(runs.filter((r) => r.size === s).map((r) => r.conc))].sort((a, b) => a - b)) cells.push([s, c]);
const pick = (t, s, c) => runs.filter((r) => r.target === t && r.size === s && r.conc === c);
const med = (t, s, c, field) => median(pick(t, s, c).map((r) => r[field]));
const cpuMs = (r) => (1000 * r.gw_cpu_s) / r.msgs;
// per-rep ratio of adjacent runs (same rep tag), to show the spread behind a median ratio
const pairs = (a, b, s, c) =>
  pick(a, s, c)
    .map((r) => [r, pick(b, s, c).find((q) => q.tag === r.tag)])
    .filter(([, q]) => q && q.delivered_rate > 0)
    .map(([r, q]) => (r.delivered_rate / q.delivered_rate).toFixed(2));

const out = [];
out.push('# Relaydesk beside Postfix: `npm run bench`');
out.push('');
out.push('```');
out.push(env);
out.push('```');
out.push('');

// ------------------------------------------------------------------ ratios
out.push('## Ratios');
out.push('');
out.push('Medians over the measured reps of one run; the per-rep ratios of adjacent runs are in brackets.');
out.push('Within about ±0.2 of 1.00 is a tie on this machine.');
if (rated.some((r) => r.name === GATEWAY || r.name === PG))
  out.push(
    `A p99 row is the median of the open-loop runs' p99s (their range in brackets); its last column is that ÷ the goal (p99 < ${GOAL_P99_MS} ms at ${GOAL_RATE} msgs/s, every message answered).`,
  );
out.push('');
out.push('| measure | Relaydesk | compared with | ratio |');
out.push('|---|---|---|---|');
for (const [s, c] of cells) {
  const g = med(GATEWAY, s, c, 'delivered_rate');
  const p = med(REFERENCE, s, c, 'delivered_rate');
  if (!pick(GATEWAY, s, c).length || !pick(REFERENCE, s, c).length) continue;
  const pr = pairs(GATEWAY, REFERENCE, s, c);
  out.push(`| delivered msgs/s, ${sizeName(s)}, c=${c} | ${f(g)} | Postfix ${f(p)} | **${f(ratio(g, p), 2)}**${pr.length > 1 ? ` [${pr.join(', ')}]` : ''} |`);
}
// what the gateway held when the next hop came back (older lines: what was offered)
const accepted = (d) => d.accepted ?? d.msgs;
const dg = dead.find((d) => d.target === GATEWAY);
const dp = dead.find((d) => d.target === REFERENCE);
if (dg && dp) {
  out.push(
    `| accepted msgs/s, next hop dead, ${dead[0].msgs} × ${sizeName(dead[0].size)} offered, c=${dead[0].conc} | ${f(dg.accept_rate)} | Postfix ${f(dp.accept_rate)} | **${f(
      ratio(dg.accept_rate, dp.accept_rate),
      2,
    )}** |`,
  );
  const note = (d) => (d.drain_complete ? '' : ` (${d.drained} of ${accepted(d)} in the ${d.drain_limit_s} s limit)`);
  out.push(
    `| drained msgs/s after the next hop is back | ${f(dg.drain_rate)}${note(dg)} | Postfix ${f(dp.drain_rate)}${note(dp)} | **${f(ratio(dg.drain_rate, dp.drain_rate), 2)}** |`,
  );
}
for (const [s, c] of cells) {
  if (!pick(PG, s, c).length || !pick(GATEWAY, s, c).length) continue;
  const g = med(PG, s, c, 'delivered_rate');
  const q = med(GATEWAY, s, c, 'delivered_rate');
  const pr = pairs(PG, GATEWAY, s, c);
  out.push(
    `| delivered msgs/s on PostgreSQL, ${sizeName(s)}, c=${c} | ${f(g)} | Relaydesk on SQLite ${f(q)} | **${f(ratio(g, q), 2)}**${pr.length > 1 ? ` [${pr.join(', ')}]` : ''} |`,
  );
}
// open loop: the goal is a bound, not a peer, so the last column is the share of it
// With LAT_RATE_REPS runs per target: the median run's p99, its spread, and every message of every run.
const byName = (n) => {
  const runs = rated.filter((r) => r.name === n);
  if (!runs.length) return undefined;
  const p99s = runs.map((r) => r.total?.p99).filter(Number.isFinite);
  const sum = (k) => runs.reduce((a, r) => a + (r[k] ?? 0), 0);
  return {
    ...runs[0],
    runs: runs.length,
    total: { p99: median(p99s) },
    p99Range: p99s.length > 1 ? ` (${f(Math.min(...p99s), 1)}–${f(Math.max(...p99s), 1)}, ${p99s.length} runs)` : '',
    count: sum('count'),
    skipped: sum('skipped'),
    failed: sum('failed'),
    not_started: sum('not_started'),
  };
};
const lostOf = (x) => [x.skipped && `${x.skipped} skipped`, x.failed && `${x.failed} failed`, x.not_started && `${x.not_started} not started`].filter(Boolean);
for (const [t, label] of [
  [GATEWAY, ''],
  [PG, ' on PostgreSQL'],
]) {
  const r = byName(t);
  if (!r) continue;
  const p99 = r.total?.p99;
  const lost = lostOf(r);
  const floor = [
    ['sink', 'sink'],
    [REFERENCE, 'Postfix'],
  ]
    .filter(([n]) => byName(n))
    .map(([n, shown]) => {
      const x = byName(n);
      return `${shown} ${f(x.total?.p99, 1)}${lostOf(x).length ? ` with ${lostOf(x).join(', ')}` : ''}`;
    });
  const verdict = p99 < GOAL_P99_MS && !lost.length ? 'met' : `not met${lost.length ? `: ${lost.join(', ')} of ${r.count}` : ''}`;
  const cell =
    r.rate !== GOAL_RATE
      ? `not compared: the goal is at ${GOAL_RATE} msgs/s`
      : `${Number.isFinite(p99) ? `**${f(ratio(p99, GOAL_P99_MS), 2)}** of the goal, ` : ''}${verdict}`;
  out.push(
    `| p99 connect -> 250 ms at ${r.rate} msgs/s${label}, open loop, ${sizeName(r.size)} | ${f(p99, 1)}${r.p99Range} | goal < ${GOAL_P99_MS} ms${floor.length ? ` (${floor.join(', ')})` : ''} | ${cell} |`,
  );
}
for (const [s, c] of cells) {
  const g = median(pick(GATEWAY, s, c).map(cpuMs));
  const p = median(pick(REFERENCE, s, c).map(cpuMs));
  if (Number.isFinite(g) && Number.isFinite(p)) out.push(`| CPU ms/msg, ${sizeName(s)}, c=${c} | ${f(g, 2)} | Postfix ${f(p, 2)} | ${f(ratio(g, p), 2)} |`);
}
out.push('');

// ------------------------------------------------------------------ absolute figures
out.push('## Figures');
out.push('');
out.push('Medians over the measured reps (min–max). CPU and memory are summed over the process tree that the rig samples.');
out.push('');
out.push(
  '| size | conc | target | reps | msgs/run | accepted msgs/s | delivered msgs/s | drain after last accept s | CPU ms/msg | peak RSS MiB | peak PSS MiB | complete |',
);
out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [s, c] of cells) {
  for (const t of [...new Set(runs.filter((r) => r.size === s && r.conc === c).map((r) => r.target))]) {
    const x = pick(t, s, c);
    const col = (fn, d = 0) => `${f(median(x.map(fn)), d)}${range(x.map(fn), d)}`;
    out.push(
      `| ${sizeName(s)} | ${c} | ${t} | ${x.length} | ${x[0].msgs} | ${col((r) => r.accept_rate)} | ${col((r) => r.delivered_rate)} | ${col((r) => r.drain_after_accept_s, 2)} | ` +
        `${t === 'sink' ? '-' : col(cpuMs, 2)} | ${col((r) => r.peak_rss_mib)} | ${col((r) => r.peak_pss_mib)} | ${x.filter((r) => r.complete).length}/${x.length} |`,
    );
  }
}
out.push('');

if (dead.length) {
  out.push('## Dead next hop, then back');
  out.push('');
  out.push(
    'Accept: `smtp-source` to the gateway while its next hop is a closed loopback port. Attempts: connections to that port before the drain, ' +
      "as the gateway records them (Relaydesk: sum of `deliveries.attempts`; Postfix: its smtp client's `connect to …: Connection refused` lines) and as the kernel's " +
      'TcpAttemptFails counter saw them (the whole machine: an upper bound). Drain: a sink starts on the port; time from its start until it counted ' +
      'every message (if the limit came first: messages counted ÷ the limit). Both retry every 10–20 s here.',
  );
  out.push('');
  out.push(
    '| target | accepted of offered | accepted msgs/s | accept CPU ms/msg | PSS with the backlog MiB | attempts (own record / kernel) | first arrival s | drain s | drained msgs/s | complete |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const d of dead) {
    out.push(
      `| ${d.target} | ${accepted(d)} of ${d.msgs} | ${f(d.accept_rate)}${d.src_rc ? ` (smtp-source rc ${d.src_rc})` : ''} | ${f(d.accept_cpu_ms_per_msg, 2)} | ${d.backlog_pss_mib} | ` +
        `${d.dead_attempts ?? '-'} / ${d.dead_attempt_fails_kernel} | ${f(d.drain_first_s, 1)} | ${f(d.drain_s, 1)} | ${f(d.drain_rate)} | ${d.drained}/${accepted(d)} |`,
    );
  }
  out.push('');
}

if (probe.length || rated.length) {
  out.push('## Accept latency');
  out.push('');
}
/**
 * What the runs sent first without counting it (accept-latency.mjs --warmup), and any of those
 * messages that failed; empty for runs made without a warm-up.
 */
function warmupNote(runs) {
  const counts = [...new Set(runs.map((r) => r.warmup?.count ?? 0))];
  if (counts.length === 1 && counts[0] === 0) return '';
  const failedRuns = runs.filter((r) => r.warmup?.failed);
  const failures = failedRuns.length ? ` Warm-up messages that failed: ${failedRuns.map((r) => `${r.name} ${r.warmup.failed}`).join(', ')}.` : '';
  return ` Each run first sent ${counts.join(' or ')} messages the same way, not counted: they warm the client, a new Node process whose start-up would otherwise fall on the first messages timed.${failures}`;
}
if (probe.length) {
  out.push(`One session at a time, a new connection per message (bench/accept-latency.mjs), client side, ms.${warmupNote(probe)}`);
  out.push('');
  out.push('| target | messages | connect -> 220 p50 / p99 | end of DATA -> 250 p50 / p99 | connect -> 250 p50 / p99 / max |');
  out.push('|---|---|---|---|---|');
  for (const p of probe) {
    const c = (s, max) => (s ? `${f(s.p50, 2)} / ${f(s.p99, 2)}${max ? ` / ${f(s.max, 1)}` : ''}` : '-');
    out.push(`| ${p.name} | ${p.ok}${p.failed ? ` (${p.failed} failed)` : ''} | ${c(p.greeting)} | ${c(p.dot_to_250)} | ${c(p.total, true)} |`);
  }
  out.push('');
}
if (rated.length) {
  out.push(
    `Open loop (bench/accept-latency.mjs --rate): a new connection every 1/rate s on a fixed schedule, whether or not the earlier sessions have ended, ` +
      `at most ${rated[0].max_inflight} open at once (a start beyond that is skipped). Connect -> 250 runs from the scheduled start, so a wait in the server ` +
      `(or in the client: its start lag) counts. The achieved rate is 250s per second from the first scheduled start to the last 250.${warmupNote(rated)} Client side, ms:`,
  );
  out.push('');
  out.push(
    '| target | msgs/s offered | achieved msgs/s | 250s of offered | skipped / failed / not started | most open | client start lag p99 | connect -> 220 p50 / p99 | end of DATA -> 250 p50 / p99 | scheduled start -> 250 p50 / p99 / max |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rated) {
    const c = (s, max) => (s ? `${f(s.p50, 2)} / ${f(s.p99, 2)}${max ? ` / ${f(s.max, 1)}` : ''}` : '-');
    out.push(
      `| ${r.name} | ${r.rate} | ${f(r.achieved_rate)} | ${r.ok} of ${r.count} | ${r.skipped} / ${r.failed} / ${r.not_started} | ${r.inflight_peak} | ${f(r.start_lag?.p99, 1)} | ` +
        `${c(r.greeting)} | ${c(r.dot_to_250)} | ${c(r.total, true)} |`,
    );
  }
  const errs = rated.filter((r) => r.errors.length);
  if (errs.length) {
    out.push('');
    for (const r of errs) out.push(`- ${r.name}: ${r.errors.join('; ')}`);
  }
  const slow = slowCommits();
  if (slow) {
    out.push('');
    out.push(
      `PostgreSQL's own log during these runs (statements of ${slow.threshold} ms or more are logged; all of them in postgresql.log): ` +
        (slow.times.length
          ? `${slow.times.length} ${slow.times.length === 1 ? 'commit' : 'commits'} took that long, the longest ${f(Math.max(...slow.times), 1)} ms (${slow.times
              .slice(0, 20)
              .map((t) => f(t, 0))
              .join(', ')}${slow.times.length > 20 ? ', …' : ''}); a message whose 250 waits on one of them waits that long.`
          : 'no commit took that long.'),
    );
  }
  out.push('');
}
if (rigLat.length) {
  out.push("Single-message latency from the rig (client start -> counted at the sink; includes starting the client; subtract the sink's row), p50 / p99 ms:");
  out.push('');
  out.push('| size | target | smtp-source -m 1 | swaks |');
  out.push('|---|---|---|---|');
  for (const s of [...new Set(rigLat.map((r) => r.size))]) {
    for (const t of [...new Set(rigLat.filter((r) => r.size === s).map((r) => r.target))]) {
      const cell = (client) => {
        const v = rigLat.filter((r) => r.size === s && r.target === t && r.client === client && r.to_sink_ms !== null).map((r) => r.to_sink_ms);
        return v.length ? `${f(pct(v, 50), 1)} / ${f(pct(v, 99), 1)} (n=${v.length})` : '-';
      };
      out.push(`| ${sizeName(s)} | ${t} | ${cell('smtp-source')} | ${cell('swaks')} |`);
    }
  }
  out.push('');
}
out.push(`Rig outputs: ${rigDirs.join(', ') || 'none'}`);
out.push('');

// ------------------------------------------------------------------ chart
// Delivered msgs/s by message size at the lowest concurrency of each size, log scale:
// the rates of 4 KiB and 1 MiB messages differ by orders of magnitude.
const series = [
  { name: 'Relaydesk (SQLite)', target: GATEWAY, color: '#1f77b4' },
  { name: 'Relaydesk (PostgreSQL)', target: PG, color: '#17becf' },
  { name: 'Postfix', target: REFERENCE, color: '#d62728' },
].filter((s) => runs.some((r) => r.target === s.target));
const points = sizes.map((s) => {
  const c = Math.min(...runs.filter((r) => r.size === s).map((r) => r.conc));
  return { size: s, conc: c, values: series.map((x) => med(x.target, s, c, 'delivered_rate')) };
});
fs.writeFileSync(file('chart.svg'), chart(points, series));
fs.writeFileSync(file('report.md'), `${out.join('\n')}\n`);
console.log(out.join('\n'));
console.log(`report: ${file('report.md')}`);
console.log(`chart:  ${file('chart.svg')}`);

function chart(pts, ser) {
  const W = 640;
  const H = 360;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 60;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const vals = pts.flatMap((p) => p.values).filter((v) => Number.isFinite(v) && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(1, ...vals)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(10, ...vals)));
  const y = (v) => top + (H - top - bottom) * (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  const el = [];
  el.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  el.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  el.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">Delivered msgs/s by message size (log scale; same run)</text>`);
  for (let v = lo; v <= hi; v *= 10) {
    el.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    el.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  el.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" stroke="#333"/>`);
  el.push(`<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" stroke="#333"/>`);
  el.push(`<text transform="translate(16 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">delivered msgs/s</text>`);
  const groupW = (W - left - right) / Math.max(1, pts.length);
  const barW = Math.min(50, (groupW * 0.7) / Math.max(1, ser.length));
  pts.forEach((p, i) => {
    const gx = left + groupW * i + (groupW - barW * ser.length) / 2;
    p.values.forEach((v, j) => {
      if (!Number.isFinite(v) || v <= 0) return;
      const x = gx + barW * j;
      el.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(H - bottom - y(v)).toFixed(1)}" fill="${ser[j].color}"/>`,
      );
      el.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="11">${v < 10 ? v.toFixed(1) : Math.round(v)}</text>`,
      );
    });
    el.push(
      `<text x="${(left + groupW * i + groupW / 2).toFixed(1)}" y="${H - bottom + 18}" text-anchor="middle">${esc(sizeName(p.size))}, c=${p.conc}</text>`,
    );
  });
  ser.forEach((s, j) => {
    const lx = left + 10 + j * 190;
    el.push(`<rect x="${lx}" y="${H - 24}" width="12" height="12" fill="${s.color}"/>`);
    el.push(`<text x="${lx + 18}" y="${H - 14}">${esc(s.name)}</text>`);
  });
  el.push('</svg>');
  return `${el.join('\n')}\n`;
}
