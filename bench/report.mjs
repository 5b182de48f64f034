#!/usr/bin/env node
// Reads the peers' rig output (results.jsonl, written by ../shared/bench/peers/bench.mjs)
// and our accept-latency probe (latency.jsonl), and prints the figures the gateway
// issue asks for, plus the ratio of each measured gateway to a reference gateway.
//
// usage: node bench/report.mjs RIG_OUT_DIR [LATENCY_JSONL] [--gateway relaydesk] [--reference postfix]
// Only the measured runs count (tags rep1, rep2, …); probe and warm-up runs are skipped.
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv.splice(i, 2)[1] : dflt;
};
const GATEWAY = opt('gateway', 'relaydesk');
const REFERENCE = opt('reference', 'postfix');
const [outDir, latencyFile] = argv;
if (!outDir) {
  console.error('usage: node bench/report.mjs RIG_OUT_DIR [LATENCY_JSONL] [--gateway NAME] [--reference NAME]');
  process.exit(2);
}

const rows = fs
  .readFileSync(path.join(outDir, 'results.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const runs = rows.filter((r) => /^rep\d+$/.test(r.tag));
const lat = rows.filter((r) => r.tag === 'latency');
const probe =
  latencyFile && fs.existsSync(latencyFile)
    ? fs
        .readFileSync(latencyFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v.toFixed(d));
const range = (a, d = 0) => `${f(Math.min(...a), d)}–${f(Math.max(...a), d)}`;

const targets = [...new Set(runs.map((r) => r.target))];
const concs = [...new Set(runs.map((r) => r.conc))].sort((a, b) => a - b);

const latCell = (target, client, field) => {
  const v = lat.filter((r) => r.target === target && r.client === client && r[field] !== null).map((r) => r[field]);
  return v.length ? `${f(pct(v, 50), 1)} / ${f(pct(v, 99), 1)} (n=${v.length})` : '-';
};

const out = [];
out.push('Figures (medians over the measured reps, min–max in brackets):');
out.push('');
out.push('| target | conc | reps | accepted msgs/s | delivered msgs/s | drain after last accept, s | peak RSS MiB | gateway CPU ms/msg | complete |');
out.push('|---|---|---|---|---|---|---|---|---|');
for (const c of concs) {
  for (const t of targets) {
    const s = runs.filter((r) => r.target === t && r.conc === c);
    if (!s.length) continue;
    const acc = s.map((r) => r.accept_rate);
    const del = s.map((r) => r.delivered_rate);
    const dr = s.map((r) => r.drain_after_accept_s);
    const rss = s.map((r) => r.peak_rss_mib);
    const cpu = s.map((r) => (1000 * r.gw_cpu_s) / r.msgs);
    out.push(
      `| ${t} | ${c} | ${s.length} | ${f(median(acc))} (${range(acc)}) | ${f(median(del))} (${range(del)}) | ` +
        `${f(median(dr), 2)} (${range(dr, 2)}) | ${f(median(rss))} (${range(rss)}) | ${f(median(cpu), 2)} | ${s.filter((r) => r.complete).length}/${s.length} |`,
    );
  }
}
out.push('');
out.push('Single-message latency from the rig (client start -> counted at the sink; includes starting the client), p50 / p99 in ms:');
out.push('');
out.push('| target | smtp-source -m 1: to sink | smtp-source -m 1: client exit | swaks: to sink |');
out.push('|---|---|---|---|');
for (const t of [...new Set(lat.map((r) => r.target))]) {
  out.push(`| ${t} | ${latCell(t, 'smtp-source', 'to_sink_ms')} | ${latCell(t, 'smtp-source', 'client_exit_ms')} | ${latCell(t, 'swaks', 'to_sink_ms')} |`);
}
if (probe.length) {
  out.push('');
  out.push('Accept latency, one session at a time, new connection per message (bench/accept-latency.mjs), ms:');
  out.push('');
  out.push('| target | messages | connect -> 220 p50 / p99 | end of DATA -> 250 p50 / p99 | connect -> 250 p50 / p99 / max |');
  out.push('|---|---|---|---|---|');
  for (const p of probe) {
    const c = (s, max) => (s ? `${f(s.p50, 2)} / ${f(s.p99, 2)}${max ? ` / ${f(s.max, 1)}` : ''}` : '-');
    out.push(`| ${p.name} | ${p.ok}${p.failed ? ` (${p.failed} failed)` : ''} | ${c(p.greeting)} | ${c(p.dot_to_250)} | ${c(p.total, true)} |`);
  }
}
out.push('');
const have = (t) => runs.some((r) => r.target === t);
if (have(GATEWAY) && have(REFERENCE)) {
  out.push(`Ratios, ${GATEWAY} ÷ ${REFERENCE} (medians; per-rep pairs in brackets, same rep = adjacent runs):`);
  for (const c of concs) {
    const g = runs.filter((r) => r.target === GATEWAY && r.conc === c);
    const p = runs.filter((r) => r.target === REFERENCE && r.conc === c);
    if (!g.length || !p.length) continue;
    const pairs = g
      .map((r) => [r, p.find((q) => q.tag === r.tag)])
      .filter(([, q]) => q)
      .map(([r, q]) => (r.delivered_rate / q.delivered_rate).toFixed(2));
    const del = median(g.map((r) => r.delivered_rate)) / median(p.map((r) => r.delivered_rate));
    const acc = median(g.map((r) => r.accept_rate)) / median(p.map((r) => r.accept_rate));
    out.push(
      `  c=${c}: delivered/s ${f(median(g.map((r) => r.delivered_rate)))} ÷ ${f(median(p.map((r) => r.delivered_rate)))} = ${del.toFixed(2)}x` +
        ` [${pairs.join(', ')}]; accepted/s ratio ${acc.toFixed(2)}x; goal (>= 1.00x delivered): ${del >= 1 ? 'met' : 'NOT met'}`,
    );
  }
} else {
  out.push(`Ratios: need both "${GATEWAY}" and "${REFERENCE}" among the measured targets (have: ${targets.join(', ') || 'none'}).`);
}
console.log(out.join('\n'));
