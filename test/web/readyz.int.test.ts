/**
 * /readyz says whether the node can do its work, check by check: 200 while its store
 * answers, a configuration that validates is loaded and its queue runner comes round;
 * 503 naming the check that failed otherwise. /metrics still answers while the store
 * is away, so the counters of an outage can be read during it.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { saveConfigVersion } from '../../src/store/index.js';
import { startCluster } from '../support/pg-cluster.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const valid = `
domains: [solarmora.com]
users: [{ address: alice@solarmora.com }]
`;

interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

async function readyz(node: TestNode): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`http://127.0.0.1:${node.node.httpPort}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

describe('/readyz', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function node(opts: Parameters<typeof startTestNode>[0] & { unconfigured?: boolean }): Promise<TestNode> {
    const { unconfigured, ...rest } = opts;
    const n = await startTestNode({ ...(unconfigured ? {} : { config: valid }), roles: ['inbound', 'queue', 'web'], ...rest });
    cleanups.push(() => n.stop());
    return n;
  }

  it.each(DIALECTS)('is 200 with every check passed on %s', async (dialect) => {
    const n = await node({ dialect });
    const r = await eventually(
      async () => {
        const x = await readyz(n);
        return x.status === 200 && x;
      },
      5_000,
      'the queue runner to come round',
    );
    expect(r.body).toEqual({ ready: true, checks: { store: { ok: true }, config: { ok: true }, queue: { ok: true } } });
  });

  it('leaves out the queue check on a node without the queue role', async () => {
    const n = await node({ dialect: 'sqlite', roles: ['inbound', 'web'] });
    expect(await readyz(n)).toEqual({ status: 200, body: { ready: true, checks: { store: { ok: true }, config: { ok: true } } } });
  });

  it('is 503 for a queue runner that has stopped', async () => {
    const n = await node({ dialect: 'sqlite' });
    await n.node.runner!.stop();
    const r = await readyz(n);
    expect(r.status).toBe(503);
    expect(r.body.ready).toBe(false);
    expect(r.body.checks.queue).toEqual({ ok: false, error: expect.stringMatching(/queue runner has not come round/) });
    expect(r.body.checks.store?.ok).toBe(true);
  });

  it('is 503 while the stored configuration does not validate, and 200 once a valid one is applied', async () => {
    const n = await node({ dialect: 'sqlite', unconfigured: true });
    // Stored as an older release would have stored it: RE2 refuses the lookahead today.
    await saveConfigVersion(n.store.db, {
      basedOn: 0,
      yaml: `${valid}defaultRouting:\n  - description: old\n    match: { pattern: "help(?!desk)@solarmora\\\\.com" }\n    action: reject\n`,
      appliedBy: 'test',
      summary: 'old',
      now: Date.now(),
    });
    const r = await readyz(n);
    expect(r.status).toBe(503);
    expect(r.body.checks.config).toEqual({ ok: false, error: expect.stringMatching(/version 1\) does not validate.*defaultRouting\[0\]\.match\.pattern/) });
    expect(r.body.checks.store?.ok).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${n.node.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^relaydesk_config_usable\{node="gw\.relaydesk\.test"\} 0$/m);

    await n.apply(valid);
    expect((await readyz(n)).status).toBe(200);
  });

  it('is 503 while the SQLite file is gone, and /metrics still answers', async () => {
    const n = await node({ dialect: 'sqlite' });
    expect((await readyz(n)).status).toBe(200);
    await rm((n.location as { dataDir: string }).dataDir, { recursive: true, force: true });
    const r = await readyz(n);
    expect(r.status).toBe(503);
    expect(r.body.checks.store).toEqual({ ok: false, error: expect.stringMatching(/^store unavailable since .*removed or replaced/) });
    await storeDownInMetrics(n);
  });

  it('is 503 while PostgreSQL is stopped, and 200 again once it is back', async () => {
    const cluster = await startCluster('relaydesk_readyz');
    cleanups.push(() => cluster.stop());
    const n = await node({ dialect: 'postgres', sharedDatabase: cluster.url });
    await eventually(async () => (await readyz(n)).status === 200, 5_000, 'ready');
    await cluster.kill();
    const r = await eventually(
      async () => {
        const x = await readyz(n);
        return x.status === 503 && x;
      },
      15_000,
      '/readyz to see the store gone',
    );
    expect(r.body.ready).toBe(false);
    expect(r.body.checks.store).toEqual({ ok: false, error: expect.stringMatching(/^store unavailable since /) });
    await storeDownInMetrics(n);
    // Without an answer the queue figures go away rather than repeat stale ones.
    expect(await (await fetch(`http://127.0.0.1:${n.node.httpPort}/metrics`)).text()).not.toMatch(/^relaydesk_deliveries\{/m);
    await cluster.restart();
    await eventually(async () => (await readyz(n)).status === 200, 30_000, '/readyz to see the store back');
  }, 90_000);
});

/** While the store does not answer, the counters are still served and relaydesk_store_up says so. */
async function storeDownInMetrics(n: TestNode): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${n.node.httpPort}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toMatch(/^relaydesk_store_up\{node="gw\.relaydesk\.test"\} 0$/m);
  expect(text).toMatch(/^relaydesk_smtp_connections_accepted_total\{node="gw\.relaydesk\.test"\} \d+$/m);
}
