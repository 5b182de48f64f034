/**
 * `relaydesk backup` while a node takes mail over SMTP, `relaydesk restore` into a new data
 * directory, and a node started on the copy serving the same cases; the refusals (a store
 * that exists, a live one, a file that is no Relaydesk store, PostgreSQL). For PostgreSQL,
 * the README's pg_dump / pg_restore recipe into a new database.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeskChannels, openStore, type StoreLocation } from '../../src/store/index.js';
import { runCli, smtpLoad, startChildNode } from '../support/child-node.js';
import { PG_BIN } from '../support/pg-cluster.js';
import { freePort } from '../support/ports.js';
import { freshPgDatabase } from '../support/postgres.js';
import { eventually } from '../support/relaydesk.js';

const config = (inbound?: string) => `
domains: [solarmora.com]
smtp:
  connectionLimitExceptions: [127.0.0.0/8]
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
${
  inbound
    ? `defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`
    : ''
}`;

const message = (tag: string) => (n: number) => {
  const id = `${tag}-${n}@customer.example`;
  return {
    id,
    to: 'help@solarmora.com',
    raw: `From: customer${n}@example.net\r\nTo: help@solarmora.com\r\nSubject: ${tag} question ${n}\r\nMessage-ID: <${id}>\r\n\r\nPlease help with ${n}.\r\n`,
  };
};

/** Applies the desk configuration, then the route to the channel's generated address. */
async function setUp(storeArgs: string[], location: StoreLocation): Promise<void> {
  const first = await runCli(['apply', '-f', '-', ...storeArgs], config());
  expect(first.code, first.out).toBe(0);
  const store = await openStore(location);
  let inbound: string;
  try {
    inbound = (await listDeskChannels(store.db))[0]!.inboundAddresses[0]!.address;
  } finally {
    await store.close();
  }
  const second = await runCli(['apply', '-f', '-', ...storeArgs], config(inbound));
  expect(second.code, second.out).toBe(0);
}

type CaseLine = { number: number; subject: string };
async function casesOf(storeArgs: string[]): Promise<CaseLine[]> {
  const r = await runCli(['desk', 'cases', '--json', '--limit', '5000', ...storeArgs]);
  expect(r.code, r.out).toBe(0);
  return (JSON.parse(r.out) as CaseLine[]).map((c) => ({ number: c.number, subject: c.subject })).sort((a, b) => a.number - b.number);
}

describe('backup and restore', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-backup-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('SQLite: a backup taken while mail arrives restores into a new directory, where a node serves the same cases', async () => {
    const dir = await tempDir();
    const data = path.join(dir, 'data');
    await setUp(['--data', data], { dataDir: data });
    const port = await freePort();
    const node = await startChildNode({ storeArgs: ['--data', data], smtpPort: port });
    cleanups.push(() => node.stop());

    const warmup = await smtpLoad({ port, concurrency: 3, maxMessages: 30, until: () => false, message: message('before') });
    expect(warmup.acked.size).toBe(30);
    const before = await eventually(
      async () => {
        const c = await casesOf(['--data', data]);
        return c.length === 30 ? c : undefined;
      },
      30_000,
      '30 cases before the backup',
    );

    // Mail keeps arriving while the backup runs.
    let done = false;
    const during = smtpLoad({ port, concurrency: 3, maxMessages: 10_000, until: () => done, message: message('during') });
    await new Promise((r) => setTimeout(r, 500));
    const file = path.join(dir, 'relaydesk-backup.sqlite');
    const backup = await runCli(['backup', '--to', file, '--data', data, '--json']);
    done = true;
    const duringResult = await during;
    expect(backup.code, backup.out).toBe(0);
    const out = JSON.parse(backup.out) as { path: string; bytes: number; durationMs: number };
    expect(out.path).toBe(file);
    expect(out.bytes).toBeGreaterThan(10_000);
    expect(out.durationMs).toBeGreaterThanOrEqual(0);
    expect(duringResult.acked.size, 'mail accepted while the backup ran').toBeGreaterThan(0);

    // A backup never overwrites, and the live store is no place to restore into.
    const again = await runCli(['backup', '--to', file, '--data', data]);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/exists already; choose a new file name/);
    const onLive = await runCli(['restore', '--from', file, '--data', data]);
    expect(onLive.code).toBe(1);
    expect(onLive.out).toMatch(/already holds a Relaydesk store and a server is running on it \(gw\.relaydesk\.test, pid \d+\)/);

    await node.stop();
    const original = await casesOf(['--data', data]);

    const restoredDir = path.join(dir, 'restored');
    const restore = await runCli(['restore', '--from', file, '--data', restoredDir, '--json']);
    expect(restore.code, restore.out).toBe(0);
    expect(JSON.parse(restore.out)).toMatchObject({ path: path.join(restoredDir, 'relaydesk.sqlite'), from: file });
    const restored = await casesOf(['--data', restoredDir]);
    // The copy is the store at one moment: every case made before it, none that was not in the original.
    expect(restored.slice(0, before.length)).toEqual(before);
    const originalByNumber = new Map(original.map((c) => [c.number, c.subject]));
    for (const c of restored) expect(originalByNumber.get(c.number)).toBe(c.subject);
    const restoredNode = await startChildNode({ storeArgs: ['--data', restoredDir], smtpPort: await freePort() });
    cleanups.push(() => restoredNode.stop());
    // Mail the copy had accepted but not yet taken into the desk becomes cases on the restored
    // node, numbered in its own order: each one a case of the original, none twice.
    const served = await casesOf(['--data', restoredDir]);
    const originalSubjects = new Set(original.map((c) => c.subject));
    expect(served.filter((c) => !originalSubjects.has(c.subject))).toEqual([]);
    expect(new Set(served.map((c) => c.subject)).size).toBe(served.length);
    console.log(
      `[backup] ${out.bytes} bytes in ${out.durationMs} ms with ${duringResult.acked.size} messages accepted meanwhile; cases: ${before.length} before, ${restored.length} in the copy, ${original.length} in the original at the end`,
    );

    // The restored node takes new mail into the same desk.
    const after = await smtpLoad({ port: restoredNode.smtpPort, concurrency: 1, maxMessages: 1, until: () => false, message: message('after') });
    expect(after.acked.size).toBe(1);
    await eventually(
      async () => (await casesOf(['--data', restoredDir])).some((c) => c.subject === 'after question 0'),
      30_000,
      'a new case on the restored store',
    );
  }, 180_000);

  it('refuses a file that is not a Relaydesk store, a store that exists, and a PostgreSQL store', async () => {
    const dir = await tempDir();
    const text = path.join(dir, 'notes.txt');
    await writeFile(text, 'not a database at all, just some words that are long enough to fill a header\n'.repeat(20));
    const r1 = await runCli(['restore', '--from', text, '--data', path.join(dir, 'a')]);
    expect(r1.code).toBe(1);
    expect(r1.out).toMatch(/cannot be restored: it is not an SQLite database/);

    const other = path.join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('create table t (x integer)');
    db.close();
    const r2 = await runCli(['restore', '--from', other, '--data', path.join(dir, 'b')]);
    expect(r2.code).toBe(1);
    expect(r2.out).toMatch(/not a Relaydesk store \(it has no migrations table\)/);

    const missing = await runCli(['restore', '--from', path.join(dir, 'nope.sqlite'), '--data', path.join(dir, 'c')]);
    expect(missing.code).toBe(4);

    // A store that exists (no server on it) is not overwritten either.
    const data = path.join(dir, 'data');
    expect((await runCli(['apply', '-f', '-', '--data', data], config())).code).toBe(0);
    const file = path.join(dir, 'b.sqlite');
    expect((await runCli(['backup', '--to', file, '--data', data])).code).toBe(0);
    const r3 = await runCli(['restore', '--from', file, '--data', data]);
    expect(r3.code).toBe(1);
    expect(r3.out).toMatch(/already holds a Relaydesk store; restore never overwrites a store/);

    const noStore = await runCli(['backup', '--to', path.join(dir, 'x.sqlite'), '--data', path.join(dir, 'empty')]);
    expect(noStore.code).toBe(3);
    expect(noStore.out).toMatch(/no Relaydesk store in/);

    const pg = await runCli(['backup', '--to', path.join(dir, 'y.sqlite'), '--database', 'postgres://relaydesk@127.0.0.1:1/relaydesk']);
    expect(pg.code).toBe(2);
    expect(pg.out).toMatch(/this store is PostgreSQL\. Back it up with pg_dump/);
  }, 60_000);

  it('PostgreSQL: a pg_dump restored with pg_restore into a new database starts and serves the same cases', async () => {
    const dir = await tempDir();
    const source = await freshPgDatabase();
    cleanups.push(() => source.drop());
    await setUp(['--database', source.url], { databaseUrl: source.url });
    const port = await freePort();
    const node = await startChildNode({ storeArgs: ['--database', source.url], smtpPort: port });
    cleanups.push(() => node.stop());
    const load = await smtpLoad({ port, concurrency: 3, maxMessages: 20, until: () => false, message: message('pg') });
    expect(load.acked.size).toBe(20);
    const original = await eventually(
      async () => {
        const c = await casesOf(['--database', source.url]);
        return c.length === 20 ? c : undefined;
      },
      30_000,
      '20 cases',
    );

    // The README's recipe, while the node runs.
    const dump = path.join(dir, 'relaydesk.dump');
    execFileSync(path.join(PG_BIN, 'pg_dump'), ['--format=custom', `--file=${dump}`, source.url]);
    const target = await freshPgDatabase();
    cleanups.push(() => target.drop());
    execFileSync(path.join(PG_BIN, 'pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${target.url}`, dump]);

    const copy = await startChildNode({ storeArgs: ['--database', target.url], smtpPort: await freePort() });
    cleanups.push(() => copy.stop());
    expect(await casesOf(['--database', target.url])).toEqual(original);
    const after = await smtpLoad({ port: copy.smtpPort, concurrency: 1, maxMessages: 1, until: () => false, message: message('pg-after') });
    expect(after.acked.size).toBe(1);
    await eventually(
      async () => (await casesOf(['--database', target.url])).some((c) => c.subject === 'pg-after question 0'),
      30_000,
      'a new case on the restored database',
    );
    // The new case continues the numbering of the copied ones.
    const numbers = (await casesOf(['--database', target.url])).map((c) => c.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  }, 120_000);
});
