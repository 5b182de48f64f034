/**
 * The agents' case list at scale: CASES cases (100,000 by default) in a fresh SQLite store,
 * then every view of the list page through the real HTTP API, newest page and a page deep
 * in the cursor chain, timed per request. The same views run once more with the store's
 * view indexes dropped, in the same run, so the figures come with their own comparison.
 *
 *   npx tsx bench/case-list.ts [--cases 100000] [--runs 30]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { openStore } from '../src/store/index.js';
import { createApiToken } from '../src/accounts/index.js';
import { startWebServer } from '../src/web/server.js';

const { values: opt } = parseArgs({ options: { cases: { type: 'string', default: '100000' }, runs: { type: 'string', default: '30' } } });
const CASES = Number(opt.cases);
const RUNS = Number(opt.runs);
const VIEW_INDEXES = ['desk_cases_status_number', 'desk_cases_assignee_number', 'desk_cases_channel_number'];
const STATUSES = ['new', 'open', 'pending', 'solved', 'closed'];

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-case-list-'));
const log = (s: string) => process.stderr.write(`${s}\n`);

try {
  const store = await openStore({ dataDir }, { relaxed: true });
  const file = path.join(dataDir, 'relaydesk.sqlite');
  seed(file);
  const { token } = await createApiToken(store.db, { name: 'bench', role: 'agent', now: Date.now() });
  const web = await startWebServer({ db: store.db, logger: pino({ level: 'silent' }) }, { host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${web.port}`;
  const get = async (q: string) => {
    const res = await fetch(`${base}/api/cases${q}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${q}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { items: unknown[]; nextCursor: string | null };
  };
  // A page deep in the chain: the cursor of the case 90% of the way back.
  const deepCursor = String(1001 + Math.floor(CASES * 0.1));
  const views: [string, string][] = [
    ['all, newest page', '?limit=50'],
    ['all, page 90% deep (cursor)', `?limit=50&cursor=${deepCursor}`],
    ['status pending (1 in 5)', '?status=pending&limit=50'],
    ['status new, page 90% deep', `?status=new&limit=50&cursor=${deepCursor}`],
    ['assignee "mine" (1 in 1000)', '?assignee=agent-rare%40solarmora.com&limit=50'],
    ['unassigned', '?assignee=none&limit=50'],
    ['channel Sales (1 in 50)', '?channel=Sales&limit=50'],
    ['search subject word, common', '?search=invoice&limit=50'],
    ['search requester, rare', `?search=seed${CASES - 7}%40&limit=50`],
  ];
  const measure = async () => {
    const out: Record<string, { p50: number; p99: number; items: number }> = {};
    for (const [name, q] of views) {
      const first = await get(q); // warm the page cache and the statement
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await get(q);
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      out[name] = { p50: ms[Math.floor(ms.length / 2)]!, p99: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))]!, items: first.items.length };
    }
    return out;
  };
  log('warming up (the first pass is thrown away: it pays for compiling and the page cache)');
  await measure();
  log(`timing ${views.length} views × ${RUNS} requests with the view indexes`);
  const indexed = await measure();
  const raw = new Database(file);
  for (const ix of VIEW_INDEXES) raw.exec(`drop index ${ix}`);
  raw.close();
  log('and again without them');
  const bare = await measure();
  await web.app.close();
  await store.close();

  console.log(`case list over HTTP, ${CASES.toLocaleString('en')} cases, SQLite, ${RUNS} requests per view (ms)`);
  console.log(['view', 'items', 'p50', 'p99', 'p50 without view indexes', 'ratio'].join(' | '));
  for (const [name] of views) {
    const a = indexed[name]!;
    const b = bare[name]!;
    console.log([name, a.items, a.p50.toFixed(2), a.p99.toFixed(2), b.p50.toFixed(2), `${(b.p50 / a.p50).toFixed(1)}×`].join(' | '));
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

/** Cases, each with one message, written straight into the file in one transaction. */
function seed(file: string): void {
  const t = performance.now();
  const db = new Database(file);
  const channel = (name: string, kind: string) => {
    const id = `ch_bench_${name.toLowerCase()}`;
    db.prepare(
      `insert into desk_channels (id, name, kind, public_address, auto_acknowledge, verification_state, created_at, updated_at) values (?, ?, ?, null, 0, 'unverified', ?, ?)`,
    ).run(id, name, kind, Date.now(), Date.now());
    return id;
  };
  const support = channel('Support', 'support');
  const sales = channel('Sales', 'support');
  const insCase = db.prepare(
    `insert into desk_cases (number, channel_id, subject, requester_name, requester_address, status, assignee, linked_to, original_recipient, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, null, 'help@solarmora.com', ?, ?)`,
  );
  const insMsg = db.prepare(
    `insert into desk_messages (case_id, lead_id, direction, message_id, in_reply_to, from_name, from_address, recipients, subject, text, html, queue_id, author, machine_kind, created_at) values (?, null, 'in', ?, null, ?, ?, '{"to":["help@solarmora.com"],"cc":[]}', ?, ?, null, ?, null, null, ?)`,
  );
  const start = Date.now() - CASES * 1000;
  db.transaction(() => {
    for (let i = 0; i < CASES; i++) {
      const at = start + i * 1000;
      const address = `seed${i}@customer${i % 97}.example`;
      const subject = i % 3 === 0 ? `Invoice question ${i}` : `Delivery question ${i}`;
      const assignee = i % 1000 === 0 ? 'agent-rare@solarmora.com' : i % 2 === 0 ? 'agent@solarmora.com' : null;
      const id = insCase.run(1001 + i, i % 50 === 0 ? sales : support, subject, `Seed ${i}`, address, STATUSES[i % 5], assignee, at, at).lastInsertRowid;
      insMsg.run(id, `<seed-${i}@customer.example>`, `Seed ${i}`, address, subject, `Seeded message ${i}: where is my parcel?`, `SEED${i}`, at);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  log(`seeded ${CASES} cases in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
