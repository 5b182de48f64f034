/**
 * A whole Relaydesk node inside the test process: real SMTP on 127.0.0.1 (port 0), a real
 * store (a temp SQLite file, or a fresh PostgreSQL database), DNS from fixed answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/base/log.js';
import { applyConfigText } from '../../src/config/io/apply.js';
import { startNode, type NodeOptions, type Role, type RunningNode } from '../../src/cli/start.js';
import type { Resolver } from '../../src/spam/index.js';
import { readAll, wholeMessage } from '../../src/base/message-source.js';
import { loadSource, openStore, type Db, type StoreHandle } from '../../src/store/index.js';
import { fixedResolver } from './fixed-dns.js';
import { freshPgDatabase } from './postgres.js';

export type Dialect = 'sqlite' | 'postgres';

/** A stored message's bytes as they would be relayed (our headers on top). */
export async function storedRaw(db: Db, queueId: string): Promise<Buffer> {
  const stored = await loadSource(db, queueId);
  if (!stored) throw new Error(`no stored message ${queueId}`);
  return readAll(wholeMessage(stored.source), 1 << 30);
}
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];
/** How long a test store's WAL rests before the checkpoint thread empties it (a minute in a server). */
export const TEST_WAL_QUIET_MS = 300;

export interface TestStore {
  readonly store: StoreHandle;
  readonly location: { dataDir: string } | { databaseUrl: string };
  cleanup(): Promise<void>;
}

export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-test-'));
    // The WAL is emptied after a short rest, so tests that measure the space see it soon.
    const store = await openStore({ dataDir }, { relaxed: true, walQuietMs: TEST_WAL_QUIET_MS });
    return {
      store,
      location: { dataDir },
      cleanup: async () => {
        await store.close().catch(() => undefined);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const pg = await freshPgDatabase();
  const store = await openStore({ databaseUrl: pg.url });
  return {
    store,
    location: { databaseUrl: pg.url },
    cleanup: async () => {
      await store.close().catch(() => undefined);
      await pg.drop();
    },
  };
}

export interface TestNode {
  readonly node: RunningNode;
  readonly smtpPort: number;
  readonly store: StoreHandle;
  /** Where the store is, for a CLI run against it (`--data DIR` or `--database URL`). */
  readonly location: TestStore['location'];
  apply(yaml: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * `sharedDatabase`: a PostgreSQL database another node uses too (several nodes, one store);
 * this node then opens its own connections to it and leaves the database in place at stop.
 */
export async function startTestNode(opts: {
  dialect: Dialect;
  config?: string;
  resolver?: Resolver;
  roles?: Role[];
  hostname?: string;
  sharedDatabase?: string;
  smtpLimits?: NodeOptions['smtpLimits'];
  webhookLookup?: NodeOptions['webhookLookup'];
  /** The node's clock (default the system's); a test moves it to age mail past retention. */
  clock?: NodeOptions['clock'];
}): Promise<TestNode> {
  const ts = opts.sharedDatabase ? await joinStore(opts.sharedDatabase) : await openTestStore(opts.dialect);
  const apply = async (yaml: string) => (await applyConfigText(ts.store.db, yaml, { appliedBy: 'test', now: Date.now() })).version;
  if (opts.config) await apply(opts.config);
  const node = await startNode({
    store: ts.store,
    listen: '127.0.0.1',
    smtpPort: 0,
    httpPort: 0,
    hostname: opts.hostname ?? 'gw.relaydesk.test',
    roles: opts.roles ?? ['inbound', 'queue'],
    resolver: opts.resolver ?? fixedResolver({}),
    logger: silentLogger,
    ...(opts.smtpLimits ? { smtpLimits: opts.smtpLimits } : {}),
    ...(opts.webhookLookup ? { webhookLookup: opts.webhookLookup } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return {
    node,
    smtpPort: node.smtpPort ?? 0,
    store: ts.store,
    location: ts.location,
    apply,
    async stop() {
      await node.stop();
      await ts.cleanup();
    },
  };
}

async function joinStore(databaseUrl: string): Promise<TestStore> {
  const store = await openStore({ databaseUrl });
  return {
    store,
    location: { databaseUrl },
    cleanup: async () => {
      await store.close().catch(() => undefined);
    },
  };
}

/** Polls until `fn` returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined | false | null>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
