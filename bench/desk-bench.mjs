// The desk benchmark's client side (bench/desk.sh starts the server and calls this):
//   (a) mail → case latency at a steady rate through the gateway,
//   (b) intake throughput with SEED_CASES cases already in the store,
//   (c) thread lookup time at that size.
// It watches the store through a read-only better-sqlite3 connection, polled every 5 ms:
// a message has become a case when its Message-ID is a `desk_intake` row (the intake
// writes it in the same transaction as the case).
//
// node bench/desk-bench.mjs --port P --db FILE [--rate 50] [--count 1000] [--seed 100000]
//                           [--burst 2000] [--conc 20] [--lookups 10000]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import nodemailer from 'nodemailer';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string' },
    db: { type: 'string' },
    rate: { type: 'string', default: '50' },
    count: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '100000' },
    burst: { type: 'string', default: '2000' },
    conc: { type: 'string', default: '20' },
    lookups: { type: 'string', default: '10000' },
    json: { type: 'string' },
  },
});
const PORT = Number(opt.port);
const RATE = Number(opt.rate);
const COUNT = Number(opt.count);
const SEED = Number(opt.seed);
const BURST = Number(opt.burst);
const CONC = Number(opt.conc);
const LOOKUPS = Number(opt.lookups);
if (!PORT || !opt.db) throw new Error('usage: desk-bench.mjs --port P --db FILE');

const RUN = randomBytes(3).toString('hex');
const log = (s) => process.stderr.write(`[desk-bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

const ro = new Database(opt.db, { readonly: true, fileMustExist: true });
ro.pragma('busy_timeout = 5000');
const channelId = ro.prepare(`select id from desk_channels where name = 'Support'`).pluck().get();
if (!channelId) throw new Error('no Support channel in the store');

const smtp = nodemailer.createTransport({
  host: '127.0.0.1',
  port: PORT,
  secure: false,
  ignoreTLS: true,
  name: 'bench.customer.example',
  pool: false,
  socketTimeout: 60_000,
});
const BODY = `${'Hello, the printer on the third floor shows error E-42 again after the firmware update. '.repeat(10)}\r\n`;

function message(tag, i) {
  const id = `<bench-${RUN}-${tag}-${i}@customer.example>`;
  const from = `bench-${RUN}-${tag}-${i}@customer.example`;
  const raw = Buffer.from(
    `From: Customer ${i} <${from}>\r\nTo: help@solarmora.com\r\nSubject: Bench ${tag} ${i}: printer error\r\nMessage-ID: ${id}\r\n` +
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${BODY}`,
  );
  return { id, from, raw };
}

/** Intake rows as they appear: Message-ID → the time we first saw its row. */
function watcher() {
  let last = ro.prepare('select coalesce(max(id), 0) from desk_intake').pluck().get();
  const next = ro.prepare('select id, dedupe_key as key, effect from desk_intake where id > ? order by id');
  const seen = new Map();
  const effects = {};
  const timer = setInterval(() => {
    const t = now();
    for (const r of next.all(last)) {
      last = r.id;
      seen.set(r.key, t);
      effects[r.effect] = (effects[r.effect] ?? 0) + 1;
    }
  }, 5);
  return { seen, effects, stop: () => clearInterval(timer) };
}

async function send(m) {
  try {
    const info = await smtp.sendMail({ envelope: { from: m.from, to: ['help@solarmora.com'] }, raw: m.raw });
    return info.response.startsWith('250') ? null : info.response;
  } catch (e) {
    return e.response ?? e.message;
  }
}

async function waitAll(w, ids, timeoutMs) {
  const deadline = now() + timeoutMs;
  while (now() < deadline && !ids.every((id) => w.seen.has(id))) await sleep(20);
  return ids.filter((id) => w.seen.has(id)).length;
}

function pct(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

// (a) steady rate ---------------------------------------------------------------------------
async function steady() {
  const w = watcher();
  const interval = 1000 / RATE;
  const started = new Map();
  const refused = [];
  const inflight = [];
  log(`(a) ${COUNT} messages at ${RATE}/s, one connection each`);
  const t0 = now() + 50;
  let behind = 0;
  for (let i = 0; i < COUNT; i++) {
    const due = t0 + i * interval;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    else if (wait < -interval) behind++;
    const m = message('lat', i);
    started.set(m.id, now());
    inflight.push(send(m).then((err) => err && refused.push(err)));
  }
  const sendSpan = now() - t0;
  await Promise.all(inflight);
  const got = await waitAll(w, [...started.keys()], 60_000);
  w.stop();
  const lat = [...started].filter(([id]) => w.seen.has(id)).map(([id, t]) => w.seen.get(id) - t);
  return {
    count: COUNT,
    rate: RATE,
    offered: (COUNT / sendSpan) * 1000,
    cases: got,
    refused: refused.length,
    firstRefusal: refused[0] ?? null,
    late: behind,
    effects: w.effects,
    p50: pct(lat, 50),
    p90: pct(lat, 90),
    p99: pct(lat, 99),
    max: pct(lat, 100),
  };
}

// seed -----------------------------------------------------------------------------------------
function seed() {
  log(`seeding ${SEED} cases (case + message + intake row each) in one transaction`);
  const rw = new Database(opt.db, { fileMustExist: true });
  rw.pragma('busy_timeout = 30000');
  const t = now();
  const firstNumber = (rw.prepare('select coalesce(max(number), 1000) from desk_cases').pluck().get() ?? 1000) + 1;
  const at = Date.now() - 3 * 86_400_000;
  const insCase = rw.prepare(
    `insert into desk_cases (number, channel_id, subject, requester_name, requester_address, status, assignee, linked_to, original_recipient, created_at, updated_at) values (?, ?, ?, ?, ?, ?, null, null, 'help@solarmora.com', ?, ?)`,
  );
  const insMsg = rw.prepare(
    `insert into desk_messages (case_id, lead_id, direction, message_id, in_reply_to, from_name, from_address, recipients, subject, text, html, queue_id, author, machine_kind, created_at) values (?, null, 'in', ?, null, ?, ?, '{"to":["help@solarmora.com"],"cc":[]}', ?, ?, null, ?, null, null, ?)`,
  );
  const insIntake = rw.prepare(`insert into desk_intake (channel_id, dedupe_key, queue_id, effect, target, created_at) values (?, ?, ?, 'new-case', ?, ?)`);
  const statuses = ['new', 'open', 'pending', 'solved', 'closed'];
  const ids = [];
  rw.transaction(() => {
    for (let i = 0; i < SEED; i++) {
      const created = at + i * 2000;
      const address = `seed${i % 20_000}@customer${i % 97}.example`;
      const subject = `Seeded case ${i}: invoice question`;
      const id = insCase.run(firstNumber + i, channelId, subject, `Seed ${i}`, address, statuses[i % 5], created, created).lastInsertRowid;
      const messageId = `<seed-${RUN}-${i}@customer${i % 97}.example>`;
      insMsg.run(id, messageId, `Seed ${i}`, address, subject, `Seeded message ${i}. ${BODY.slice(0, 300)}`, `SEED${i}`, created);
      insIntake.run(channelId, messageId, `SEED${i}`, String(id), created);
      ids.push(messageId);
    }
  })();
  rw.pragma('wal_checkpoint(TRUNCATE)');
  rw.close();
  const total = ro.prepare('select count(*) from desk_cases').pluck().get();
  return { seeded: SEED, seconds: (now() - t) / 1000, casesInStore: total, messageIds: ids };
}

// (b) throughput at size ------------------------------------------------------------------------
async function burst() {
  const w = watcher();
  const msgs = Array.from({ length: BURST }, (_, i) => message('tp', i));
  const started = new Map();
  const refused = [];
  let next = 0;
  let lastAccept = 0;
  log(`(b) ${BURST} messages, ${CONC} clients, as fast as the gateway takes them`);
  const t0 = now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < msgs.length) {
        const m = msgs[next++];
        started.set(m.id, now());
        const err = await send(m);
        if (err) refused.push(err);
        lastAccept = now();
      }
    }),
  );
  const got = await waitAll(
    w,
    msgs.map((m) => m.id),
    120_000,
  );
  w.stop();
  const lastCase = Math.max(...msgs.filter((m) => w.seen.has(m.id)).map((m) => w.seen.get(m.id)));
  const lat = msgs.filter((m) => w.seen.has(m.id)).map((m) => w.seen.get(m.id) - started.get(m.id));
  return {
    count: BURST,
    conc: CONC,
    cases: got,
    refused: refused.length,
    firstRefusal: refused[0] ?? null,
    effects: w.effects,
    acceptedPerS: (BURST / (lastAccept - t0)) * 1000,
    intoCasesPerS: (got / (lastCase - t0)) * 1000,
    drainS: (lastCase - lastAccept) / 1000,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
  };
}

// (c) lookups at size -------------------------------------------------------------------------------
function lookups(messageIds) {
  // The statements the intake runs, as Kysely writes them (src/store/repos/desk-case-repo.ts).
  const byMessageIds = ro.prepare(
    'select "desk_cases"."id" from "desk_messages" inner join "desk_cases" on "desk_cases"."id" = "desk_messages"."case_id" where "desk_messages"."message_id" in (?) and "desk_cases"."channel_id" = ? order by "desk_messages"."id" desc limit ?',
  );
  const caseById = ro.prepare('select * from "desk_cases" where "id" = ?');
  const participants = ro.prepare('select "name", "address" from "desk_participants" where "case_id" = ? order by "address"');
  const intake = ro.prepare('select "id", "effect", "target" from "desk_intake" where "channel_id" = ? and "dedupe_key" = ?');
  const recent = ro.prepare('select count(*) as "n" from "desk_cases" where "requester_address" = ? and "created_at" >= ?');
  const plan = (st, ...args) =>
    ro
      .prepare(`explain query plan ${st.source}`)
      .all(...args)
      .map((r) => r.detail)
      .join('; ');
  const time = (fn) => {
    const xs = new Array(LOOKUPS);
    for (let i = 0; i < LOOKUPS; i++) {
      const t = process.hrtime.bigint();
      fn(i);
      xs[i] = Number(process.hrtime.bigint() - t) / 1000;
    }
    return { p50: pct(xs, 50), p99: pct(xs, 99), max: pct(xs, 100) };
  };
  const pick = () => messageIds[Math.floor(Math.random() * messageIds.length)];
  let misses = 0;
  // Warm the page cache the way a running server's would be.
  for (let i = 0; i < 2000; i++) byMessageIds.get(pick(), channelId, 1);
  const results = {
    'thread hit (findCaseByMessageIds + loadCaseById)': time(() => {
      const r = byMessageIds.get(pick(), channelId, 1);
      if (!r) {
        misses++;
        return;
      }
      caseById.get(r.id);
      participants.all(r.id);
    }),
    'thread miss (unknown Message-ID)': time((i) => byMessageIds.get(`<nobody-${i}@nowhere.example>`, channelId, 1)),
    'dedupe (findIntake)': time(() => intake.get(channelId, pick())),
    'flood count (countRecentOpenedBy, cases)': time((i) => recent.get(`seed${i % 20_000}@customer${i % 97}.example`, Date.now() - 3_600_000)),
  };
  return {
    lookups: LOOKUPS,
    misses,
    results,
    plans: {
      findCaseByMessageIds: plan(byMessageIds, pick(), channelId, 1),
      findIntake: plan(intake, channelId, pick()),
      countRecentOpenedBy: plan(recent, 'x', 0),
    },
  };
}

const a = await steady();
log(`(a) done: ${a.cases}/${a.count} cases, p50 ${ms(a.p50)} ms, p99 ${ms(a.p99)} ms`);
const s =
  SEED > 0
    ? seed()
    : {
        seeded: 0,
        seconds: 0,
        casesInStore: ro.prepare('select count(*) from desk_cases').pluck().get(),
        messageIds: ro.prepare('select message_id from desk_messages where message_id is not null').pluck().all(),
      };
log(`seeded in ${s.seconds.toFixed(1)} s; ${s.casesInStore} cases in the store`);
await sleep(1000);
const b = await burst();
log(`(b) done: ${b.cases}/${b.count} cases, ${b.intoCasesPerS.toFixed(0)} msg/s into cases`);
const c = lookups(s.messageIds);
smtp.close();
ro.close();

const line = (cells) => `| ${cells.join(' | ')} |`;
const out = [
  '',
  `## Desk benchmark (run ${RUN})`,
  '',
  line(['measure', 'figure', 'notes']),
  line(['---', '---', '---']),
  line([
    '(a) mail → case latency p50',
    `${ms(a.p50)} ms`,
    `${a.count} msgs offered at ${a.offered.toFixed(1)}/s (target ${a.rate}/s), one SMTP connection each; ${a.cases} cases, ${a.refused} refused, ${a.late} sent late`,
  ]),
  line([
    '(a) mail → case latency p90 / p99 / max',
    `${ms(a.p90)} / ${ms(a.p99)} / ${ms(a.max)} ms`,
    'from just before connect to the desk_intake row being visible (5 ms poll)',
  ]),
  line([
    '(b) intake throughput into cases',
    `${b.intoCasesPerS.toFixed(0)} msg/s`,
    `${b.count} msgs, c=${b.conc}, with ${s.casesInStore} cases already in the store; ${b.cases} cases, ${b.refused} refused`,
  ]),
  line([
    '(b) accepted by the gateway',
    `${b.acceptedPerS.toFixed(0)} msg/s`,
    `drain after the last 250: ${b.drainS.toFixed(2)} s; latency p50 ${ms(b.p50)} ms, p99 ${ms(b.p99)} ms`,
  ]),
  ...Object.entries(c.results).map(([k, v]) =>
    line([`(c) ${k}`, `p50 ${v.p50.toFixed(0)} µs, p99 ${v.p99.toFixed(0)} µs`, `${c.lookups} lookups, random seeded Message-IDs, max ${v.max.toFixed(0)} µs`]),
  ),
  '',
  `seed: ${s.seeded} cases in ${s.seconds.toFixed(1)} s; effects (a) ${JSON.stringify(a.effects)}, (b) ${JSON.stringify(b.effects)}`,
  `query plans: findCaseByMessageIds: ${c.plans.findCaseByMessageIds}`,
  `             findIntake: ${c.plans.findIntake}`,
  `             countRecentOpenedBy: ${c.plans.countRecentOpenedBy}`,
  ...(a.firstRefusal || b.firstRefusal ? [`first refusal: ${a.firstRefusal ?? b.firstRefusal}`] : []),
  '',
];
process.stdout.write(out.join('\n'));
if (opt.json) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(opt.json, JSON.stringify({ run: RUN, steady: a, seed: { ...s, messageIds: undefined }, burst: b, lookups: c }, null, 2));
}
