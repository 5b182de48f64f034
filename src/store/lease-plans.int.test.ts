/**
 * The queue's lease queries find their rows through an index on both dialects, not by
 * reading every delivery: they run on every turn of every node's queue loop, while the
 * table holds every delivery the retention period keeps. The traffic rollup's reads of the
 * trace, once a minute, go through the indexes of the lines they count, not through every
 * line of the minute.
 */
import { CompiledQuery, sql, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type Dialect, type TestStore } from '../../test/support/relaydesk.js';
import type { Db } from './db.js';
import { claimDue, nextDueAt, reclaimExpiredLeases, reclaimOwnStaleLeases, releaseLeases, renewLeases } from './repos/delivery-repo.js';
import { rollMinutes } from './repos/traffic-repo.js';

const NOW = 10_000_000;
const MESSAGES = 4_000;
const MINUTE = Math.floor(NOW / 60_000) * 60_000;

/** Keeps the statements a repository function runs (and lets them run). */
function capture(db: Db): { db: Db; taken: RootOperationNode[] } {
  const taken: RootOperationNode[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      taken.push(args.node);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: db.withPlugin(plugin), taken };
}

/** A realistic table: most deliveries done, some waiting, some due, a few leased. */
async function seed(db: Db): Promise<void> {
  const statuses = (i: number) => (i % 40 === 0 ? 'active' : i % 20 === 1 ? 'deferred' : i % 50 === 2 ? 'queued' : i % 30 === 3 ? 'held' : 'delivered');
  for (let from = 0; from < MESSAGES; from += 500) {
    const ids = Array.from({ length: 500 }, (_, k) => from + k);
    await db
      .insertInto('messages')
      .values(
        ids.map((i) => ({
          queue_id: `P${i}`,
          message_id: null,
          mail_from: 's@example.net',
          helo: 'h',
          client_ip: '127.0.0.1',
          size: 1,
          subject: null,
          header_from: null,
          received_at: NOW - i,
          config_version: 1,
          spam: 0,
          spam_score: 0,
          spam_reasons: '[]',
          auth_results: '{}',
        })),
      )
      .execute();
    await db
      .insertInto('deliveries')
      .values(
        ids.map((i) => ({
          queue_id: `P${i}`,
          recipient: 'a@crm.test',
          original_recipient: 'a@crm.test',
          transport: 'smtp',
          route: null,
          require_tls: 0,
          suppress_bounces: 0,
          spam_flag: 0,
          transform: '{}',
          rules: '[]',
          status: statuses(i),
          hold_reason: null,
          attempts: 1,
          // Waiting work is spread over the next hour; a few are due now.
          next_attempt_at: NOW + (i % 7 === 0 ? -1_000 : (i % 60) * 60_000),
          lease_until: statuses(i) === 'active' ? NOW + (i % 3 === 0 ? -1 : 60_000) : null,
          lease_owner: statuses(i) === 'active' ? `node${i % 4}/1/aa#${i % 9}` : null,
          last_reply: null,
          created_at: NOW - i,
          updated_at: NOW - i,
        })),
      )
      .execute();
  }
  // About seven trace lines a message, as a relay writes them; one in seven is an outcome.
  const ids = await db.selectFrom('deliveries').select(['id', 'queue_id']).execute();
  const codes = ['inbound.envelope', 'inbound.accepted', 'routing.planned', 'routing.rule_applied', 'spam.verdict', 'spam.auth_results'];
  for (let from = 0; from < ids.length; from += 200) {
    const rows = ids.slice(from, from + 200).flatMap((d, k) => {
      const i = from + k;
      const outcome = i % 5 === 0 ? 'queue.deferred' : i % 30 === 3 ? 'queue.held' : 'queue.delivered';
      // Spread over the minute the test rolls up, so that every slice of it has lines to read.
      return [...codes, outcome].map((code) => ({ queue_id: d.queue_id, delivery_id: d.id, at: MINUTE + i * 15, code, summary: code, data: '{}' }));
    });
    await db.insertInto('trace_events').values(rows).execute();
  }
  await sql`analyze`.execute(db);
}

interface Plan {
  /** Full reads of the table. */
  readonly scans: string[];
  /** The indexes of the table the plan uses. */
  readonly indexes: string[];
}

async function planOf(db: Db, dialect: Dialect, node: RootOperationNode, table = 'deliveries'): Promise<Plan> {
  const q = db.getExecutor().compileQuery(node, { queryId: 'plan' });
  if (dialect === 'postgres') {
    // At a few thousand rows a full read is as cheap as any index, and PostgreSQL rightly
    // takes it; with sequential scans priced out, the plan shows which index it can use
    // (a query no index serves still reads the whole table).
    const r = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return trx.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (format json) ${q.sql}`, [...q.parameters]));
    });
    const scans: string[] = [];
    const indexes: string[] = [];
    const walk = (n: Record<string, unknown>): void => {
      if (n['Relation Name'] === table && n['Node Type'] === 'Seq Scan') scans.push(JSON.stringify(n));
      // A bitmap scan names its index on the child node, which names no relation.
      const index = n['Index Name'];
      if (typeof index === 'string' && index.startsWith(table)) indexes.push(index);
      for (const c of (n['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(c);
    };
    const doc = r.rows[0]!['QUERY PLAN'];
    const plans = (typeof doc === 'string' ? JSON.parse(doc) : doc) as { Plan: Record<string, unknown> }[];
    walk(plans[0]!.Plan);
    return { scans, indexes };
  }
  const r = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
  const details = r.rows.map((x) => x.detail);
  // The table may go by an alias ("trace_events AS t" reads "SEARCH t USING ...").
  const names = new Set([table, ...[...q.sql.matchAll(new RegExp(`"${table}" as "(\\w+)"`, 'g'))].map((m) => m[1]!)]);
  const named = (d: string, verb: string) => [...names].some((n) => d.startsWith(`${verb} ${n} `) || d === `${verb} ${n}`);
  return {
    scans: details.filter((d) => named(d, 'SCAN')),
    indexes: details
      .filter((d) => named(d, 'SEARCH'))
      .flatMap((d) => /USING (?:COVERING )?INDEX (\w+)/.exec(d)?.[1] ?? (/USING INTEGER PRIMARY KEY/.test(d) ? `${table}_pkey` : [])),
  };
}

describe.each(DIALECTS)('queue and rollup queries on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
    await seed(ts.store.db);
  }, 60_000);
  afterAll(async () => {
    await ts?.cleanup();
  });

  const cases: [string, (db: Db) => Promise<unknown>][] = [
    ['claimDue', (db) => claimDue(db, ts.store.caps, { now: NOW, limit: 50, owner: 'nodeA/1/aa#1', leaseMs: 60_000 })],
    ['renewLeases', (db) => renewLeases(db, { owner: 'node1/1/aa', now: NOW, leaseMs: 60_000 })],
    ['reclaimExpiredLeases', (db) => reclaimExpiredLeases(db, NOW)],
    ['reclaimOwnStaleLeases', (db) => reclaimOwnStaleLeases(db, { nodeName: 'node2', owner: 'node2/2/bb', now: NOW })],
    ['releaseLeases', (db) => releaseLeases(db, { owner: 'node3/1/aa', now: NOW })],
    ['nextDueAt', (db) => nextDueAt(db)],
  ];
  it.each(cases)('%s reads deliveries through an index', async (name, run) => {
    const { db, taken } = capture(ts.store.db);
    await run(db);
    expect(taken.length).toBeGreaterThan(0);
    for (const node of taken) {
      const plan = await planOf(ts.store.db, dialect, node);
      expect(plan.scans, `a full scan of deliveries in ${JSON.stringify(plan)}`).toEqual([]);
      expect(plan.indexes.length).toBeGreaterThan(0);
      // In order, so a claim stops after its few rows instead of sorting every due one.
      if (name === 'claimDue') expect(plan.indexes).toContain('deliveries_claimable');
    }
  });

  it('the traffic rollup reads only the trace lines it counts, through their own indexes', async () => {
    const { db, taken } = capture(ts.store.db);
    await rollMinutes(db, { from: MINUTE, to: MINUTE + 60_000, now: NOW });
    const reads = taken.filter(
      (node) => node.kind === 'SelectQueryNode' && db.getExecutor().compileQuery(node, { queryId: 'r' }).sql.includes('"trace_events"'),
    );
    // The outcomes and each hop's outcomes (a slice at a time), the holds, the failures' texts.
    expect(reads.length).toBeGreaterThanOrEqual(4);
    const used = new Set<string>();
    for (const node of reads) {
      const plan = await planOf(ts.store.db, dialect, node, 'trace_events');
      expect(plan.scans, `a full scan of the trace in ${JSON.stringify(plan)}`).toEqual([]);
      expect(plan.indexes.length, JSON.stringify(plan)).toBeGreaterThan(0);
      plan.indexes.forEach((i) => used.add(i));
      // On SQLite, not the index of every line by time: at ~7 lines a message it read six for
      // each one kept, on the node's event loop, holding its one connection. PostgreSQL runs
      // the reads on its own server, on a connection of their own, and weighs the two indexes
      // by cost (it took the one by time for a slice of a few thousand lines).
      if (dialect === 'sqlite') expect(plan.indexes, db.getExecutor().compileQuery(node, { queryId: 'r' }).sql).not.toContain('trace_events_at');
    }
    if (dialect === 'sqlite') expect([...used].sort()).toEqual(['trace_events_held', 'trace_events_outcomes', 'trace_events_pkey']);
  });
});
