/**
 * SIGTERM under load, on a node in its own process: new clients get 421 4.3.2 while the node
 * drains, a message in DATA when the signal arrives is received and answered 250, every
 * message answered 250 is in the store and delivered by the next start, no delivery is left
 * claimed, and the process exits 0. A second signal ends the process at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type StoreLocation } from '../../src/store/index.js';
import { runCli, smtpLoad, startChildNode, type ChildNode } from '../support/child-node.js';
import { freePort } from '../support/ports.js';
import { freshPgDatabase } from '../support/postgres.js';
import { DIALECTS, eventually, type Dialect } from '../support/relaydesk.js';
import { rawSmtp } from '../support/smtp-raw.js';
import { startSink } from '../support/smtp-sink.js';
import { messageIdOf as idOf, relayToSinkConfig as config } from '../support/relay-config.js';

const message = (tag: string) => (n: number) => {
  const id = `${tag}-${n}@customer.example`;
  return {
    id,
    to: 'relay@solarmora.com',
    raw: `From: c${n}@example.net\r\nTo: relay@solarmora.com\r\nSubject: ${tag} ${n}\r\nMessage-ID: <${id}>\r\n\r\n${'y'.repeat(70)}\r\n`,
  };
};

function exitOf(node: ChildNode): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const p = node.process;
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((r) => p.once('exit', (code, signal) => r({ code, signal })));
}

describe.each(DIALECTS)('SIGTERM on %s', (dialect: Dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function newStore(): Promise<{ args: string[]; location: StoreLocation }> {
    if (dialect === 'sqlite') {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-sigterm-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const data = path.join(dir, 'data');
      return { args: ['--data', data], location: { dataDir: data } };
    }
    const pg = await freshPgDatabase();
    cleanups.push(() => pg.drop());
    return { args: ['--database', pg.url], location: { databaseUrl: pg.url } };
  }

  it('drains: 421 4.3.2 for new clients, DATA under way finishes, 250 means stored and later delivered, nothing left claimed, exit 0', async () => {
    // A slow next hop keeps deliveries in flight when the signal comes.
    const sink = await startSink({ dataDelay: 300 });
    cleanups.push(() => sink.stop());
    const { args, location } = await newStore();
    const applied = await runCli(['apply', '-f', '-', ...args], config(sink.port));
    expect(applied.code, applied.out).toBe(0);
    const port = await freePort();
    const node = await startChildNode({ storeArgs: args, smtpPort: port, logLevel: 'info', nodeArgs: ['--stop-timeout', '20'] });
    cleanups.push(() => node.stop());
    const exited = exitOf(node);

    let stopped = false;
    void exited.then(() => (stopped = true));
    const load = smtpLoad({ port, concurrency: 6, maxMessages: 2_000, until: () => stopped, message: message(`load-${dialect}`) });

    // One session is in the middle of DATA when the signal arrives.
    const slow = await rawSmtp(port);
    expect(await slow.reply()).toMatch(/^220 /);
    expect(await slow.command('EHLO client.example')).toMatch(/^250/);
    expect(await slow.command('MAIL FROM:<slow@example.net>')).toMatch(/^250/);
    expect(await slow.command('RCPT TO:<relay@solarmora.com>')).toMatch(/^250/);
    expect(await slow.command('DATA')).toMatch(/^354/);
    const slowId = `slow-${dialect}@customer.example`;
    slow.send(`From: slow@example.net\r\nTo: relay@solarmora.com\r\nSubject: slow\r\nMessage-ID: <${slowId}>\r\n\r\nfirst half\r\n`);

    await eventually(async () => sink.messages.length >= 5, 20_000, 'some deliveries under way');
    node.process.kill('SIGTERM');

    // While the DATA session holds the drain open, a new client is told why it is turned away.
    await new Promise((r) => setTimeout(r, 300));
    const late = await rawSmtp(port);
    const lateReply = await late.reply();
    late.close();
    expect(lateReply).toMatch(/^421 4\.3\.2 gw\.relaydesk\.test Service shutting down/);

    slow.send('second half\r\n.\r\n');
    const slowReply = await slow.reply();
    expect(slowReply).toMatch(/^250 2\.0\.0 Ok: queued as /);
    expect(await slow.command('QUIT')).toMatch(/^221 /);
    slow.close();

    const exit = await exited;
    const result = await load;
    const acked = new Set([...result.acked, slowId]);
    expect(exit, node.output()).toEqual({ code: 0, signal: null });
    expect(node.output()).toContain('"event":"node.stopped"');

    // Every 250 is in the store, and nothing is left claimed.
    const store = await openStore(location);
    try {
      const ids = new Set((await store.db.selectFrom('messages').select('message_id').execute()).map((r) => r.message_id?.replace(/^<|>$/g, '')));
      expect([...acked].filter((id) => !ids.has(id))).toEqual([]);
      const leased = await store.db
        .selectFrom('deliveries')
        .select(['id', 'status', 'lease_owner'])
        .where((eb) => eb.or([eb('status', '=', 'active'), eb('lease_owner', 'is not', null)]))
        .execute();
      expect(leased).toEqual([]);
    } finally {
      await store.close();
    }

    // The next start delivers what the first left queued.
    const again = await startChildNode({ storeArgs: args, smtpPort: await freePort() });
    cleanups.push(() => again.stop());
    const missing = () => [...acked].filter((id) => !sink.messages.some((m) => idOf(m.raw) === id));
    await eventually(async () => missing().length === 0, 60_000, 'every acknowledged message at the CRM').catch(() => undefined);
    console.log(
      `[SIGTERM ${dialect}] ${result.sent} sent, ${acked.size} answered 250, refused ${JSON.stringify(Object.fromEntries(result.refused))}; missing after restart: ${missing().length}`,
    );
    expect(missing()).toEqual([]);
  }, 120_000);

  it('a message still arriving at --stop-timeout is cut off with 421 and no 250; the stop goes on and exits 0', async () => {
    const { args } = await newStore();
    const applied = await runCli(['apply', '-f', '-', ...args], config(9));
    expect(applied.code, applied.out).toBe(0);
    const port = await freePort();
    const node = await startChildNode({ storeArgs: args, smtpPort: port, nodeArgs: ['--stop-timeout', '2'] });
    cleanups.push(() => node.stop());
    const exited = exitOf(node);
    const hold = await rawSmtp(port);
    cleanups.push(async () => hold.close());
    await hold.reply();
    await hold.command('EHLO client.example');
    await hold.command('MAIL FROM:<hold@example.net>');
    expect(await hold.command('RCPT TO:<relay@solarmora.com>')).toMatch(/^250/);
    expect(await hold.command('DATA')).toMatch(/^354/);
    hold.send('Subject: never finished\r\n\r\nhalf');
    const t0 = Date.now();
    node.process.kill('SIGTERM');
    expect(await hold.reply(10_000)).toMatch(/^421 4\.3\.2 gw\.relaydesk\.test Service shutting down/);
    expect(await exited).toEqual({ code: 0, signal: null });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(10_000);
  }, 60_000);

  it('a delivery that outlives --stop-timeout and its margin ends the process with 75, the delivery still claimed (until its lease expires or the node starts again)', async () => {
    // A next hop that never answers the end of DATA holds the attempt.
    const sink = await startSink({ dataDelay: 120_000 });
    cleanups.push(() => sink.stop());
    const { args, location } = await newStore();
    const applied = await runCli(['apply', '-f', '-', ...args], config(sink.port));
    expect(applied.code, applied.out).toBe(0);
    const port = await freePort();
    const node = await startChildNode({ storeArgs: args, smtpPort: port, nodeArgs: ['--stop-timeout', '1'] });
    cleanups.push(() => node.stop());
    const exited = exitOf(node);
    const sent = await smtpLoad({ port, concurrency: 1, maxMessages: 1, until: () => false, message: message(`stuck-${dialect}`) });
    expect(sent.acked.size).toBe(1);
    await eventually(async () => sink.connections > 0, 20_000, 'the attempt under way');
    const t0 = Date.now();
    node.process.kill('SIGTERM');
    expect(await exited).toEqual({ code: 75, signal: null });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(10_500);
    expect(took).toBeLessThan(20_000);
    expect(node.output()).toContain('"event":"node.stop_timeout"');
    const store = await openStore(location);
    try {
      const rows = await store.db.selectFrom('deliveries').select(['status', 'lease_owner']).execute();
      expect(rows).toEqual([{ status: 'active', lease_owner: expect.stringMatching(/^gw\.relaydesk\.test\//) }]);
    } finally {
      await store.close();
    }
  }, 90_000);

  it('a second SIGTERM exits at once with 143', async () => {
    const { args } = await newStore();
    const applied = await runCli(['apply', '-f', '-', ...args], config(9));
    expect(applied.code, applied.out).toBe(0);
    const port = await freePort();
    const node = await startChildNode({ storeArgs: args, smtpPort: port, nodeArgs: ['--stop-timeout', '60'] });
    cleanups.push(() => node.stop());
    const exited = exitOf(node);
    // A session in DATA that never ends would hold the drain for the whole minute.
    const hold = await rawSmtp(port);
    cleanups.push(async () => hold.close());
    await hold.reply();
    await hold.command('EHLO client.example');
    await hold.command('MAIL FROM:<hold@example.net>');
    expect(await hold.command('RCPT TO:<relay@solarmora.com>')).toMatch(/^250/);
    expect(await hold.command('DATA')).toMatch(/^354/);
    node.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(node.alive()).toBe(true);
    const t0 = Date.now();
    node.process.kill('SIGTERM');
    expect(await exited).toEqual({ code: 143, signal: null });
    expect(Date.now() - t0).toBeLessThan(3_000);
  }, 60_000);
});
