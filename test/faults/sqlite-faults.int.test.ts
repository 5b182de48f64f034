/**
 * SQLite under the faults an admin meets: the disk fills up (a small tmpfs as the data
 * directory), and the data directory is removed while the node runs. The node stays up,
 * refuses what it cannot keep (451), says why in /healthz, and delivers every message it
 * answered 250 for.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { healthOf, runCli, smtpLoad, startChildNode } from '../support/child-node.js';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/relaydesk.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { messageIdOf as idOf, relayToSinkConfig as config } from '../support/relay-config.js';

const isRoot = process.getuid?.() === 0;

describe('SQLite faults', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function delivered(sink: Sink, acked: Set<string>, timeoutMs = 60_000): Promise<{ missing: string[]; twice: number }> {
    const missing = () => [...acked].filter((id) => !sink.messages.some((m) => idOf(m.raw) === id));
    await eventually(async () => missing().length === 0, timeoutMs, 'every acknowledged message at the CRM').catch(() => undefined);
    const counts = new Map<string, number>();
    for (const m of sink.messages) {
      const id = idOf(m.raw);
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return { missing: missing(), twice: [...counts.values()].filter((c) => c > 1).length };
  }

  const message = (tag: string, size: number) => (n: number) => {
    const id = `${tag}-${n}@customer.example`;
    const body = 'x'
      .repeat(76)
      .concat('\r\n')
      .repeat(Math.ceil(size / 78));
    return {
      id,
      to: 'relay@solarmora.com',
      raw: `From: c${n}@example.net\r\nTo: relay@solarmora.com\r\nSubject: ${tag} ${n}\r\nMessage-ID: <${id}>\r\n\r\n${body}`,
    };
  };

  it.skipIf(!isRoot)(
    'a full disk: 451 while it is full, mail again once there is room, nothing acknowledged lost',
    async () => {
      const sink = await startSink();
      cleanups.push(() => sink.stop());
      const mount = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
      cleanups.push(async () => {
        execFileSync('umount', ['-l', mount]);
        await rm(mount, { recursive: true, force: true });
      });
      const data = path.join(mount, 'data');
      const applied = await runCli(['apply', '-f', '-', '--data', data], config(sink.port));
      expect(applied.code, applied.out).toBe(0);
      // Leave a few MB: the node starts, then the disk fills under load.
      const filler = path.join(mount, 'filler');
      const free = Number(execFileSync('df', ['--output=avail', '-B1', mount]).toString().split('\n')[1]);
      await writeFile(filler, Buffer.alloc(Math.max(0, free - 6 * 1024 * 1024)));
      // The sink refuses for a while, so accepted mail waits in the store while it fills.
      sink.setReply({ dataReply: () => ({ code: 451, message: '4.3.0 not now' }) });
      const node = await startChildNode({ storeArgs: ['--data', data], smtpPort: await freePort(), web: true });
      cleanups.push(() => node.stop());

      let full = false;
      const first = await smtpLoad({ port: node.smtpPort, concurrency: 8, maxMessages: 400, until: () => full, message: message('full', 100 * 1024) }).then(
        (r) => {
          full = true;
          return r;
        },
      );
      // It filled up: the node refused with 451, stayed up, and says why.
      expect(first.refused.get('451') ?? 0, JSON.stringify([...first.refused])).toBeGreaterThan(0);
      expect(node.alive(), node.output()).toBe(true);
      const h = await eventually(
        async () => {
          const r = await healthOf(node.httpPort!);
          return r && r.status === 503 ? r : undefined;
        },
        15_000,
        '/healthz to report the full disk',
      ).catch(() => null);

      // Room again, and the next hop takes mail: new mail is accepted, everything is delivered.
      await rm(filler, { force: true });
      sink.setReply({});
      await eventually(async () => (await healthOf(node.httpPort!))?.status === 200, 20_000, '/healthz to report the store back');
      const second = await smtpLoad({ port: node.smtpPort, concurrency: 4, maxMessages: 20, until: () => false, message: message('room', 2 * 1024) });
      expect(second.acked.size).toBe(20);
      const all = new Set([...first.acked, ...second.acked]);
      const { missing, twice } = await delivered(sink, all);
      console.log(
        `[disk full] ${first.sent} sent while filling, ${first.acked.size} answered 250, refused ${JSON.stringify(Object.fromEntries(first.refused))}; health while full: ${h ? h.body.error : 'not reported in time'}; after freeing room 20/20 accepted; arrived twice: ${twice}; missing: ${missing.length}`,
      );
      expect(h?.body.error ?? '').toMatch(/full|space/i);
      expect(missing).toEqual([]);
      expect(node.alive(), node.output()).toBe(true);
    },
    180_000,
  );

  it('a data directory removed while the node runs: 451 for new mail, accepted mail still delivered', async () => {
    const sink = await startSink();
    cleanups.push(() => sink.stop());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-gone-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const data = path.join(dir, 'data');
    const applied = await runCli(['apply', '-f', '-', '--data', data], config(sink.port));
    expect(applied.code, applied.out).toBe(0);
    sink.setReply({ dataReply: () => ({ code: 451, message: '4.3.0 not now' }) });
    const node = await startChildNode({ storeArgs: ['--data', data], smtpPort: await freePort(), web: true });
    cleanups.push(() => node.stop());

    const before = await smtpLoad({ port: node.smtpPort, concurrency: 4, maxMessages: 20, until: () => false, message: message('before', 2 * 1024) });
    expect(before.acked.size).toBe(20);
    await rm(data, { recursive: true, force: true });

    const after = await smtpLoad({ port: node.smtpPort, concurrency: 2, maxMessages: 6, until: () => false, message: message('after', 2 * 1024) });
    expect(after.acked.size, 'mail accepted into a store file that is gone').toBe(0);
    expect(after.refused.get('451') ?? 0).toBeGreaterThan(0);
    const h = await eventually(
      async () => {
        const r = await healthOf(node.httpPort!);
        return r && r.status === 503 ? r : undefined;
      },
      15_000,
      '/healthz to report the missing store',
    );
    expect(h.body.error).toMatch(/removed or replaced/);

    sink.setReply({});
    const { missing, twice } = await delivered(sink, before.acked);
    console.log(
      `[data dir removed] 20 accepted before, then ${after.sent} refused (${JSON.stringify(Object.fromEntries(after.refused))}); delivered ${20 - missing.length}/20, twice: ${twice}`,
    );
    expect(missing).toEqual([]);
    expect(node.alive(), node.output()).toBe(true);
  }, 120_000);
});
