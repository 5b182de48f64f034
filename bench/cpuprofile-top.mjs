#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the time went, by
// function (self and inclusive), by our source file, and by library.
// usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [--top 30]
import fs from 'node:fs';

const argv = process.argv.slice(2);
const ti = argv.indexOf('--top');
const TOP = ti >= 0 ? Number(argv.splice(ti, 2)[1]) : 30;
const file = argv[0];
if (!file) {
  console.error('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N]');
  process.exit(2);
}
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a frame lives: our source file, a package, Node itself, or V8 pseudo-frames. */
function place(url) {
  if (!url) return '(native/V8)';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 14).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (u.startsWith('node:')) return 'node:internal';
  const src = u.indexOf('/src/');
  if (src >= 0) return u.slice(src + 1).replace(/\?.*$/, '');
  return u;
}
const key = (n) => {
  const cf = n.callFrame;
  const name = cf.functionName || '(anonymous)';
  if (!cf.url) return name;
  const p = place(cf.url);
  // tsx-compiled sources report line 1 for everything; their line numbers mean nothing
  return p.startsWith('src/') ? `${name}  ${p}` : `${name}  ${p}:${cf.lineNumber + 1}`;
};

// self time per sample: timeDeltas[i] is the time before sample i; attribute it to sample i
const self = new Map();
const incl = new Map();
const selfPlace = new Map();
const inclPlace = new Map();
let total = 0;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
for (let i = 0; i < prof.samples.length; i++) {
  const dt = (prof.timeDeltas?.[i] ?? 0) / 1000; // ms
  if (dt <= 0) continue;
  total += dt;
  const leaf = byId.get(prof.samples[i]);
  add(self, key(leaf), dt);
  add(selfPlace, place(leaf.callFrame.url) === '(native/V8)' ? leaf.callFrame.functionName || '(native)' : place(leaf.callFrame.url), dt);
  const seenK = new Set();
  const seenP = new Set();
  for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id);
    const k = key(n);
    if (!seenK.has(k)) {
      seenK.add(k);
      add(incl, k, dt);
    }
    const p = place(n.callFrame.url);
    if (p.startsWith('src/') && !seenP.has(p)) {
      seenP.add(p);
      add(inclPlace, p, dt);
    }
  }
}
const idle = self.get('(idle)') ?? 0;
const busy = total - idle;
const pct = (v) => `${((100 * v) / busy).toFixed(1)}%`;
const table = (title, m, n, filter = () => true) => {
  const rows = [...m]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${v.toFixed(0).padStart(7)} ms  ${pct(v).padStart(6)}  ${k}`);
};
console.log(`profile: ${file}`);
console.log(`sampled ${(total / 1000).toFixed(1)} s, idle ${(idle / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (percentages are of busy time)`);
const notIdle = (k) => k !== '(idle)';
table('Self time by place (our files under src/, pkg:NAME = node_modules package, V8 pseudo-frames by name):', selfPlace, TOP, notIdle);
table(`Top ${TOP} functions by self time:`, self, TOP, notIdle);
table('Inclusive time of our source files (time with a frame of that file on the stack):', inclPlace, TOP);
table(`Top ${TOP} of our functions by inclusive time:`, incl, TOP, (k) => /\ssrc\//.test(k));
