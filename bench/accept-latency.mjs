#!/usr/bin/env node
// Accept latency of one SMTP session at a time (no concurrency), with many samples
// so that p99 means something. Each message uses a new connection, in lock-step
// like smtp-source (no PIPELINING), and is timed on the client:
//   greeting   connect -> 220
//   dot_to_250 end of DATA (CRLF.CRLF sent) -> 250: the commit (fsync) path
//   total      connect -> 250 after DATA: what one message costs a client
// Dependency-free (Node 20). Loopback only; bounded in count and time.
//
// usage: node bench/accept-latency.mjs --port PORT [--count 300] [--size 4096]
//          [--name NAME] [--from customer@example.net] [--to help@solarmora.com]
// prints one JSON line: { name, port, count, ok, failed, greeting:{p50,p90,p99,max}, ... }
import net from 'node:net';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const HOST = '127.0.0.1';
const PORT = Number(args.port);
const COUNT = Math.min(5000, Number(args.count ?? 300));
const SIZE = Number(args.size ?? 4096);
const FROM = args.from ?? 'customer@example.net';
const TO = args.to ?? 'help@solarmora.com';
const NAME = args.name ?? `port${PORT}`;
const PER_MSG_TIMEOUT_MS = 30_000;
const TOTAL_BUDGET_MS = Number(args['budget-s'] ?? 120) * 1000;
if (!Number.isInteger(PORT) || PORT <= 0) {
  console.error('usage: node bench/accept-latency.mjs --port PORT [--count N] [--size BYTES] [--name NAME]');
  process.exit(2);
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function body(i) {
  const head = `From: <${FROM}>\r\nTo: <${TO}>\r\nSubject: accept latency ${i}\r\nMessage-ID: <lat-${process.pid}-${i}@bench.test>\r\n\r\n`;
  const line = `${'x'.repeat(78)}\r\n`;
  let b = head;
  while (b.length + line.length <= SIZE) b += line;
  return `${b}.\r\n`;
}

/** One lock-step SMTP transaction on a new connection; resolves with its timings. */
function oneMessage(i) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const marks = {};
    const sock = net.connect({ host: HOST, port: PORT });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`message ${i}: no reply within ${PER_MSG_TIMEOUT_MS} ms`));
    }, PER_MSG_TIMEOUT_MS);
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
    const fail = (msg) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new Error(`message ${i}: ${msg}`));
    };
    sock.on('error', (e) => fail(e.message));
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
        if (code !== s.expect) return fail(`expected ${s.expect}, got "${m[0].trim()}"`);
        if (s.mark) marks[s.mark] = now();
        step++;
        if (!s.send) {
          clearTimeout(timer);
          sock.end();
          return resolve({
            greeting: marks.greeting - t0,
            dot_to_250: marks.accepted - marks.dot,
            total: marks.accepted - t0,
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

const samples = [];
const errors = [];
const start = now();
for (let i = 0; i < COUNT && now() - start < TOTAL_BUDGET_MS; i++) {
  try {
    samples.push(await oneMessage(i));
  } catch (e) {
    errors.push(e.message);
    if (errors.length >= 5) break;
  }
}
console.log(
  JSON.stringify({
    name: NAME,
    port: PORT,
    size: SIZE,
    count: COUNT,
    ok: samples.length,
    failed: errors.length,
    errors: errors.slice(0, 3),
    greeting: stats(samples.map((s) => s.greeting)),
    dot_to_250: stats(samples.map((s) => s.dot_to_250)),
    total: stats(samples.map((s) => s.total)),
  }),
);
process.exit(errors.length && !samples.length ? 1 : 0);
