// Preload (`node --require bench/sqlite-stats.cjs …`) for bench/profile.sh: counts and
// times every better-sqlite3 statement the process runs, grouped by SQL text, and
// writes the table to $RELAYDESK_SQL_STATS when the process exits. better-sqlite3 is
// synchronous, so this time is time the event loop was blocked (fsync included:
// with WAL, a COMMIT is where the fsync happens).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const out = process.env.RELAYDESK_SQL_STATS;
const Database = require(require.resolve('better-sqlite3', { paths: [process.cwd()] }));
const stats = new Map();
const now = () => Number(process.hrtime.bigint()) / 1e6;
const norm = (sql) => sql.replace(/\s+/g, ' ').trim().slice(0, 140);
const rec = (key, ms) => {
  const s = stats.get(key) ?? { n: 0, ms: 0, max: 0 };
  s.n++;
  s.ms += ms;
  if (ms > s.max) s.max = ms;
  stats.set(key, s);
};

const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql, ...rest) {
  const t0 = now();
  const stmt = prepare.call(this, sql, ...rest);
  rec('(prepare, all statements)', now() - t0);
  const key = norm(sql);
  for (const m of ['run', 'all', 'get', 'iterate']) {
    const orig = stmt[m];
    stmt[m] = function (...a) {
      const t = now();
      try {
        return orig.apply(this, a);
      } finally {
        rec(key, now() - t);
      }
    };
  }
  return stmt;
};
const exec = Database.prototype.exec;
Database.prototype.exec = function (sql) {
  const t = now();
  try {
    return exec.call(this, sql);
  } finally {
    rec(`exec: ${norm(sql)}`, now() - t);
  }
};

process.on('exit', () => {
  if (!out) return;
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, s]) => a + s.ms, 0);
  const lines = [`total ${total.toFixed(0)} ms in better-sqlite3 calls (prepare included)`, '   count   total ms   mean ms    max ms  sql'];
  for (const [k, s] of rows) {
    lines.push(`${String(s.n).padStart(8)} ${s.ms.toFixed(0).padStart(10)} ${(s.ms / s.n).toFixed(3).padStart(9)} ${s.max.toFixed(1).padStart(9)}  ${k}`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
});
