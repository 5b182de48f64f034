/**
 * The first start of a cluster: several nodes starting at once on one fresh PostgreSQL
 * database print one and the same setup link, which works on any of them, once; after that
 * no node prints one. On one node, a restart prints the same link until it is used.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { startNode } from '../../src/cli/start.js';
import { openStore } from '../../src/store/index.js';
import { startChildNode, type ChildNode } from '../support/child-node.js';
import { freePort } from '../support/ports.js';
import { freshPgDatabase } from '../support/postgres.js';
import { DIALECTS, openTestStore } from '../support/relaydesk.js';
import { ConsoleClient, setupTokenOf } from './console-client.js';

const linkOf = (out: string) => /(http:\/\/127\.0\.0\.1:\d+\/setup#token=[a-z0-9]+)/.exec(out)?.[1];

describe('the setup link on a cluster', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('two nodes starting at once on a fresh PostgreSQL database print the same link; it works once, on either', async () => {
    const pg = await freshPgDatabase();
    cleanups.push(() => pg.drop());
    const storeArgs = ['--database', pg.url];
    const [a, b] = await Promise.all([1, 2].map(async (): Promise<ChildNode> => startChildNode({ storeArgs, smtpPort: await freePort(), web: true })));
    cleanups.push(
      () => a!.stop(),
      () => b!.stop(),
    );
    const linkA = linkOf(a!.output());
    const linkB = linkOf(b!.output());
    expect(linkA, a!.output()).toBeDefined();
    expect(linkB, b!.output()).toBeDefined();
    expect(setupTokenOf(linkB!)).toBe(setupTokenOf(linkA!));
    expect(new URL(linkA!).port).toBe(String(a!.httpPort));
    expect(new URL(linkB!).port).toBe(String(b!.httpPort));

    const store = await openStore({ databaseUrl: pg.url });
    cleanups.push(() => store.close());
    const tokens = () => store.db.withTables<{ setup_tokens: { hash: string } }>().selectFrom('setup_tokens').select('hash').execute();
    expect(await tokens()).toHaveLength(1);

    // A's link, used on B.
    const token = setupTokenOf(linkA!);
    const onB = new ConsoleClient(`http://127.0.0.1:${b!.httpPort}`);
    const made = await onB.call('POST', '/api/setup', { body: { token, email: 'ana@solarmora.com', password: 'correct horse battery staple' } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const onA = new ConsoleClient(`http://127.0.0.1:${a!.httpPort}`);
    expect((await onA.call('GET', '/api/setup')).body).toEqual({ needed: false });
    const twice = await onA.call('POST', '/api/setup', { body: { token, email: 'eve@solarmora.com', password: 'another password!' } });
    expect(twice.status).toBe(409);
    expect(await tokens()).toHaveLength(0);
    const secret = await store.db.selectFrom('secrets').select('name').where('name', '=', 'setup-link').execute();
    expect(secret).toEqual([]);

    // A node started now names the admin instead.
    const c = await startChildNode({ storeArgs, smtpPort: await freePort(), web: true });
    cleanups.push(() => c.stop());
    expect(linkOf(c.output())).toBeUndefined();
    expect(c.output()).toContain('log in as ana@solarmora.com');
  }, 120_000);

  it.each(DIALECTS)('on %s, a restart before setup prints the same link, and an older per-start token stops working', async (dialect) => {
    const ts = await openTestStore(dialect);
    cleanups.push(() => ts.cleanup());
    // What an earlier release left: a token of its own start.
    await ts.store.db
      .withTables<{ setup_tokens: { hash: string; created_at: number } }>()
      .insertInto('setup_tokens')
      .values({ hash: 'left-by-an-earlier-start', created_at: 1 })
      .execute();
    const start = () =>
      startNode({ store: ts.store, listen: '127.0.0.1', smtpPort: 0, httpPort: 0, hostname: 'gw.relaydesk.test', roles: ['web'], logger: silentLogger });
    const first = await start();
    const link1 = first.setupLink;
    await first.stop();
    const second = await start();
    cleanups.push(() => second.stop());
    expect(link1).toMatch(/\/setup#token=[a-z0-9]{32}$/);
    expect(setupTokenOf(second.setupLink!)).toBe(setupTokenOf(link1!));
    const hashes = await ts.store.db.withTables<{ setup_tokens: { hash: string } }>().selectFrom('setup_tokens').select('hash').execute();
    expect(hashes.map((h) => h.hash)).not.toContain('left-by-an-earlier-start');
    expect(hashes).toHaveLength(1);
  });
});
