#!/usr/bin/env node
// Accept latency of SMTP sessions, with many samples so that p99 means something. Each
// message uses a new connection, in lock-step like smtp-source (no PIPELINING), and is
// timed on the client:
//   greeting   connect -> 220
//   dot_to_250 end of DATA (CRLF.CRLF sent) -> 250: the commit (fsync) path
//   total      closed loop: connect -> 250 after DATA, what one message costs a client;
//              with --rate: the message's scheduled start -> 250 after DATA
// Two modes:
//   closed loop (default): one session at a time, the next when the last has ended.
//   --rate R (open loop): a session starts every 1/R s on a fixed schedule, whether or not
//              the earlier ones have ended, so a server that stalls cannot slow the offered
//              load and hide the wait (coordinated omission): every message is timed from
//              its scheduled start. A start that would exceed --max-inflight sessions is not
//              made and is counted as skipped.
// Dependency-free (Node 20). Loopback only; bounded in count and time.
//
// usage: node bench/accept-latency.mjs --port PORT [--count N] [--size 4096] [--name NAME]
//          [--from customer@example.net] [--to help@solarmora.com] [--budget-s S]
//          [--rate R [--max-inflight 200]] [--warmup W]
// --count: closed loop 300, at most 5,000; with --rate 10 s of R, at most 20,000.
// --warmup: messages sent first, the same way, and not counted (closed loop 20; with --rate
//   1 s of R, at most 2,000). They warm this client, a new Node process whose own start-up
//   (its code still interpreted and being compiled) otherwise falls on the first messages
//   timed: against a warm gateway after 12 s idle, the first 40 messages of an open loop at
//   200 msgs/s took 10-25 ms each from a cold client and 2-5 ms from a warm one. The warm-up
//   has its own time limit (count/R + 30 s, or 120 s) and its failures are reported apart.
// --budget-s: the measured messages' time limit. Closed loop 120; with --rate count/R + 30.
//   With --rate, sessions still open at the limit are ended and counted as failed, and
//   messages whose scheduled start falls after it are counted as not_started.
// prints one JSON line: { name, port, mode, count, warmup:{count,ok,failed,errors}, ok, failed,
//   greeting:{p50,p90,p99,max,mean}, ... };
// with --rate also rate, max_inflight, started, skipped, not_started, inflight_peak, elapsed_s,
// achieved_rate (250s per second from the first scheduled start to the last 250) and
// start_lag (how late the client itself opened each connection, ms).
import net from 'node:net';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const HOST = '127.0.0.1';
const PORT = Number(args.port);
const RATE = args.rate === undefined ? 0 : Number(args.rate);
const MAX_INFLIGHT = Number(args['max-inflight'] ?? 200);
const COUNT = RATE ? Math.min(20_000, Number(args.count ?? Math.round(RATE * 10))) : Math.min(5000, Number(args.count ?? 300));
const SIZE = Number(args.size ?? 4096);
const FROM = args.from ?? 'customer@example.net';
const TO = args.to ?? 'help@solarmora.com';
const NAME = args.name ?? `port${PORT}`;
const PER_MSG_TIMEOUT_MS = 30_000;
const WARMUP = Number(args.warmup ?? (RATE ? Math.min(2000, Math.round(RATE)) : 20));
const TOTAL_BUDGET_MS = Number(args['budget-s'] ?? (RATE ? COUNT / RATE + 30 : 120)) * 1000;
const usage =
  'usage: node bench/accept-latency.mjs --port PORT [--count N] [--size BYTES] [--name NAME] [--budget-s S] [--rate MSGS_PER_S [--max-inflight N]] [--warmup N]';
if (!Number.isInteger(PORT) || PORT <= 0) fail(`--port must be a port number. ${usage}`);
if (!(RATE >= 0 && RATE <= 5000)) fail(`--rate must be a number of messages per second between 0 and 5000 (got ${args.rate}). ${usage}`);
if (!Number.isInteger(MAX_INFLIGHT) || MAX_INFLIGHT < 1)
  fail(`--max-inflight must be a whole number of sessions, at least 1 (got ${args['max-inflight']}). ${usage}`);
if (!Number.isInteger(COUNT) || COUNT < 1) fail(`--count must be a whole number of messages, at least 1 (got ${args.count}). ${usage}`);
if (!Number.isInteger(WARMUP) || WARMUP < 0 || WARMUP > 20_000)
  fail(`--warmup must be a whole number of messages from 0 to 20,000 (got ${args.warmup}). ${usage}`);
if (!(TOTAL_BUDGET_MS > 0)) fail(`--budget-s must be a positive number of seconds (got ${args['budget-s']}). ${usage}`);

function fail(msg) {
  console.error(msg);
  process.exit(2);
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

const LINE = `${'x'.repeat(78)}\r\n`;
function body(i) {
  const head = `From: <${FROM}>\r\nTo: <${TO}>\r\nSubject: accept latency ${i}\r\nMessage-ID: <lat-${process.pid}-${i}@bench.test>\r\n\r\n`;
  const lines = Math.max(0, Math.floor((SIZE - head.length) / LINE.length));
  return `${head}${LINE.repeat(lines)}.\r\n`;
}

/** Sessions under way, each with a way to end it (the open loop's time limit). */
const live = new Set();

/**
 * One lock-step SMTP transaction on a new connection; resolves with its timings.
 * `scheduled` is when the message was due to start (the open loop's schedule); `total`
 * runs from it. In the closed loop it is the connect itself.
 */
function oneMessage(i, scheduled) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const start = scheduled ?? t0;
    const marks = {};
    const sock = net.connect({ host: HOST, port: PORT });
    sock.setNoDelay(true);
    const timer = setTimeout(() => abort(`no reply within ${PER_MSG_TIMEOUT_MS} ms`), PER_MSG_TIMEOUT_MS);
    const steps = [
      { expect: '220', send: () => `EHLO bench.test\r\n`, mark: 'greeting' },
      { expect: '250', send: () => `MAIL FROM:<${FROM}>\r\n` },
      { expect: '250', send: () => `RCPT TO:<${TO}>\r\n` },
      { expect: '250', send: () => 'DATA\r\n' },
      { expect: '354', send: () => body(i), markAfterSend: 'dot' },
      { expect: '250', send: () => 'QUIT\r\n', mark: 'accepted' },
      { expect: '221', send: null },
    ];
    let step = 0;
    let buf = '';
    const done = () => {
      clearTimeout(timer);
      live.delete(abort);
    };
    function abort(msg) {
      done();
      sock.destroy();
      reject(new Error(`message ${i}: ${msg}`));
    }
    live.add(abort);
    sock.on('error', (e) => abort(e.message));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      // a complete reply ends with a line "NNN text\r\n" (space, not hyphen, after the code)
      for (;;) {
        const m = buf.match(/(^|\r\n)(\d{3}) [^\r\n]*\r\n/);
        if (!m) return;
        const code = m[2];
        buf = buf.slice(m.index + m[0].length);
        const s = steps[step];
        if (!s) return;
        if (code !== s.expect) return abort(`expected ${s.expect}, got "${m[0].trim()}"`);
        if (s.mark) marks[s.mark] = now();
        step++;
        if (!s.send) {
          done();
          sock.end();
          return resolve({
            greeting: marks.greeting - t0,
            dot_to_250: marks.accepted - marks.dot,
            total: marks.accepted - start,
            start_lag: t0 - start,
            accepted_at: marks.accepted,
          });
        }
        sock.write(s.send());
        if (s.markAfterSend) marks[s.markAfterSend] = now();
      }
    });
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return null;
  const r = (v) => +v.toFixed(2);
  return { p50: r(pct(s, 50)), p90: r(pct(s, 90)), p99: r(pct(s, 99)), max: r(s[s.length - 1]), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

let samples = [];
let errors = [];
let failed = 0;
/** Counts every failure; keeps the first three different causes, each with its first message. */
const noteError = (e) => {
  failed++;
  const cause = e.message.replace(/^message \d+: /, '');
  if (errors.length < 3 && !errors.some((m) => m.endsWith(`: ${cause}`))) errors.push(e.message);
};

async function closedLoop(count, budgetMs, firstId) {
  const start = now();
  for (let i = 0; i < count && now() - start < budgetMs; i++) {
    try {
      samples.push(await oneMessage(firstId + i));
    } catch (e) {
      noteError(e);
      if (failed >= 5) break;
    }
  }
  return {};
}

/**
 * Message i is due at first + i/RATE s. Every due message starts as soon as the timer
 * runs, late ones together, so a late timer delays the starts but never thins them out.
 */
function openLoop(count, budgetMs, firstId) {
  const interval = 1000 / RATE;
  const first = now() + 20; // the first start is on time, not late by the set-up
  const limit = first + budgetMs;
  let next = 0;
  let started = 0;
  let skipped = 0;
  let inflight = 0;
  let peak = 0;
  let scheduling = true;
  let lastAccepted = first;
  let tickTimer;
  return new Promise((resolve) => {
    const finish = () => {
      if (scheduling || inflight) return;
      clearTimeout(limitTimer);
      resolve({
        rate: RATE,
        max_inflight: MAX_INFLIGHT,
        started,
        skipped,
        not_started: count - started - skipped,
        inflight_peak: peak,
        elapsed_s: +((lastAccepted - first) / 1000).toFixed(2),
        achieved_rate: samples.length && lastAccepted > first ? +((1000 * samples.length) / (lastAccepted - first)).toFixed(1) : 0,
      });
    };
    const tick = () => {
      if (!scheduling) return;
      const t = now();
      for (; next < count && first + next * interval <= t; next++) {
        const due = first + next * interval;
        if (due >= limit) break;
        if (inflight >= MAX_INFLIGHT) {
          skipped++;
          continue;
        }
        started++;
        inflight++;
        peak = Math.max(peak, inflight);
        oneMessage(firstId + next, due)
          .then((s) => {
            samples.push(s);
            lastAccepted = Math.max(lastAccepted, s.accepted_at);
          }, noteError)
          .finally(() => {
            inflight--;
            finish();
          });
      }
      if (next < count && first + next * interval < limit) {
        tickTimer = setTimeout(tick, Math.max(0, first + next * interval - now()));
      } else {
        scheduling = false;
        finish();
      }
    };
    const limitTimer = setTimeout(() => {
      scheduling = false;
      clearTimeout(tickTimer);
      for (const abort of [...live]) abort(`still open at the time limit (${(budgetMs / 1000).toFixed(0)} s)`);
      finish();
    }, limit - now());
    tickTimer = setTimeout(tick, Math.max(0, first - now()));
  });
}

const run = (count, budgetMs, firstId) => (RATE ? openLoop(count, budgetMs, firstId) : closedLoop(count, budgetMs, firstId));
// The warm-up's messages are numbered after the measured ones (each has its own Message-ID).
let warmup = { count: 0, ok: 0, failed: 0, errors: [] };
if (WARMUP > 0) {
  await run(WARMUP, (RATE ? WARMUP / RATE + 30 : 120) * 1000, COUNT);
  warmup = { count: WARMUP, ok: samples.length, failed, errors };
  samples = [];
  errors = [];
  failed = 0;
}
const extra = await run(COUNT, TOTAL_BUDGET_MS, 0);
console.log(
  JSON.stringify({
    name: NAME,
    port: PORT,
    mode: RATE ? 'rate' : 'closed',
    size: SIZE,
    count: COUNT,
    warmup,
    ...extra,
    ok: samples.length,
    failed,
    errors,
    greeting: stats(samples.map((s) => s.greeting)),
    dot_to_250: stats(samples.map((s) => s.dot_to_250)),
    total: stats(samples.map((s) => s.total)),
    ...(RATE ? { start_lag: stats(samples.map((s) => s.start_lag)) } : {}),
  }),
);
process.exit(failed && !samples.length ? 1 : 0);
