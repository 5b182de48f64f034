/**
 * `npm run soak`: a node under mixed traffic for a while (30 minutes by default) while it is
 * killed with SIGKILL, its PostgreSQL is stopped and started, and its next hop goes down and
 * comes back. At the end every message is accounted for, one line per path: acknowledged,
 * delivered, delivered twice, lost; and the node's peak RSS. Lost must be 0.
 *
 *   npm run soak                      # 30 minutes
 *   npm run soak -- --minutes 5       # shorter
 *   npm run soak -- --minutes 5 --rate 30 --json
 *
 * Everything runs on 127.0.0.1: a private PostgreSQL cluster (initdb in a temp dir), the node
 * as its own process (`relaydesk start`), a next hop of our own that counts what it gets, and
 * the senders. Every loop is bounded in count and time, and everything started is stopped by
 * its PID at the end. Run as root or as a user that can run PostgreSQL's initdb.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { listDeskChannels, openStore } from '../src/store/index.js';
import { createApiToken } from '../src/accounts/index.js';
import { GTUBE } from '../src/spam/index.js';
import { runCli, startChildNode, type ChildNode } from '../test/support/child-node.js';
import { buildServer } from '../test/support/build-server.js';
import { startCluster } from '../test/support/pg-cluster.js';
import { freePort } from '../test/support/ports.js';

interface Options {
  minutes: number;
  /** Messages per second offered, all paths together. */
  rate: number;
  json: boolean;
}

function options(argv: readonly string[]): Options {
  const o: Options = { minutes: 30, rate: 20, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--minutes') o.minutes = value();
    else if (a === '--rate') o.rate = value();
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option ${a}; use --minutes N, --rate N, --json`);
  }
  return o;
}

const log = (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idOf = (raw: string) => /^Message-ID: <([^>]+)>/im.exec(raw)?.[1];

type Path = 'relay' | 'large' | 'desk' | 'reply' | 'spam';

/** The next hop: counts each Message-ID it is given; can go away and come back. */
async function nextHop() {
  const counts = new Map<string, number>();
  let server: SMTPServer | null = null;
  let port = 0;
  const listen = async (on: number) => {
    const s = new SMTPServer({
      disableReverseLookup: true,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      size: 0,
      closeTimeout: 1,
      onData(stream, _session, cb) {
        // Only the header block is kept; the rest is counted and dropped.
        let head = '';
        stream.on('data', (c: Buffer) => {
          if (head.length < 8192) head += c.toString('latin1');
        });
        stream.on('end', () => {
          const id = idOf(head);
          if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
          cb(null, 'Ok');
        });
      },
    });
    s.on('error', () => undefined);
    await new Promise<void>((resolve) => s.listen(on, '127.0.0.1', () => resolve()));
    const a = s.server.address();
    port = typeof a === 'object' && a ? a.port : on;
    server = s;
  };
  await listen(0);
  return {
    counts,
    get port() {
      return port;
    },
    async down() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    async up() {
      if (!server) await listen(port);
    },
  };
}

function config(hopPort: number, inbound?: string): string {
  return `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${hopPort}, tls: none, domains: [crm.test, customer.example] }
smtp:
  maxMessageSize: 20MB
  connectionLimitExceptions: [127.0.0.0/8]
queue:
  retry: { firstRetry: 5s, maxInterval: 20s, giveUpAfter: 5d }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: true }
defaultRouting:
  - description: relay to the CRM
    match: { single: relay@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
${
  inbound
    ? `  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`
    : ''
}`;
}

function peakRssSampler(pid: () => number | undefined) {
  let peak = 0;
  const t = setInterval(() => {
    const p = pid();
    if (!p) return;
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // Between a kill and a restart there is no process to read.
    }
  }, 250);
  return {
    get peak() {
      return peak;
    },
    stop: () => clearInterval(t),
  };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const run = randomBytes(3).toString('hex');
  const durationMs = o.minutes * 60_000;
  buildServer(); // the node under test runs dist/server: build it from these sources
  log(`${o.minutes} min at ${o.rate} msgs/s offered; run ${run}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

  const cluster = await startCluster('relaydesk_soak');
  const hop = await nextHop();
  let node: ChildNode | null = null;
  const stops: (() => Promise<unknown>)[] = [() => cluster.stop(), () => hop.down()];
  try {
    const first = await runCli(['apply', '-f', '-', '--database', cluster.url], config(hop.port));
    if (first.code !== 0) throw new Error(first.out);
    const store = await openStore({ databaseUrl: cluster.url });
    const inbound = (await listDeskChannels(store.db))[0]!.inboundAddresses[0]!.address;
    const token = (await createApiToken(store.db, { name: 'soak', role: 'admin', now: Date.now() })).token;
    await store.close();
    const second = await runCli(['apply', '-f', '-', '--database', cluster.url], config(hop.port, inbound));
    if (second.code !== 0) throw new Error(second.out);

    const smtpPort = await freePort();
    const start = () => startChildNode({ storeArgs: ['--database', cluster.url], smtpPort, web: true });
    node = await start();
    stops.unshift(async () => node?.stop());
    const rss = peakRssSampler(() => node?.process.pid);
    stops.unshift(async () => rss.stop());

    // ------------------------------------------------------------------ traffic
    const acked = new Map<Path, Set<string>>((['relay', 'large', 'desk', 'reply', 'spam'] as Path[]).map((p) => [p, new Set()]));
    const refused = new Map<string, number>();
    const caseNumbers: number[] = [];
    let offered = 0;
    let stopping = false;
    const endAt = Date.now() + durationMs;

    const pick = (n: number): Path => {
      const r = n % 20;
      if (r < 11) return 'relay';
      if (r < 12) return 'large';
      if (r < 16) return 'desk';
      if (r < 18) return 'reply';
      return 'spam';
    };
    const sendOne = async (n: number) => {
      const path = pick(n);
      const id = `${run}-${path}-${n}@customer.example`;
      if (path === 'reply') {
        // An agent's answer through the API, to a case the desk opened.
        const number = caseNumbers[n % Math.max(1, caseNumbers.length)];
        if (number === undefined || !node) return;
        const res = await fetch(`http://127.0.0.1:${node.httpPort}/api/cases/${number}/replies`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ body: `Answer ${id}` }),
          signal: AbortSignal.timeout(10_000),
        }).catch(() => null);
        if (res?.status === 201) {
          const body = (await res.json()) as { messageId?: string };
          if (body.messageId) acked.get('reply')!.add(body.messageId.replace(/^<|>$/g, ''));
        } else refused.set(`api ${res?.status ?? 'down'}`, (refused.get(`api ${res?.status ?? 'down'}`) ?? 0) + 1);
        return;
      }
      const to = path === 'desk' ? 'help@solarmora.com' : 'relay@solarmora.com';
      const body =
        path === 'large'
          ? 'z'
              .repeat(76)
              .concat('\r\n')
              .repeat(Math.ceil(((2 + (n % 4)) * 1024 * 1024) / 78))
          : path === 'spam'
            ? `${GTUBE}\r\n`
            : `Message ${n}.\r\n`;
      const raw = `From: c${n}@customer.example\r\nTo: ${to}\r\nSubject: soak ${path} ${n}\r\nMessage-ID: <${id}>\r\nDate: ${new Date().toUTCString()}\r\n\r\n${body}`;
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: smtpPort,
        secure: false,
        ignoreTLS: true,
        connectionTimeout: 5_000,
        greetingTimeout: 5_000,
        socketTimeout: 30_000,
      });
      try {
        await t.sendMail({ envelope: { from: `c${n}@customer.example`, to: [to] }, raw });
        acked.get(path)!.add(id);
      } catch (e) {
        const code = String((e as { responseCode?: number }).responseCode ?? (e as { code?: string }).code ?? 'error');
        refused.set(code, (refused.get(code) ?? 0) + 1);
      } finally {
        t.close();
      }
    };
    const senders = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (let n = 0; !stopping && Date.now() < endAt; n++) {
        const tick = Date.now();
        const p = sendOne(n).finally(() => inFlight.delete(p));
        inFlight.add(p);
        offered++;
        // A bounded number in flight: a node that stalls slows the senders, not the machine.
        while (inFlight.size >= 20) await Promise.race(inFlight);
        await sleep(Math.max(0, 1000 / o.rate - (Date.now() - tick)));
      }
      await Promise.allSettled(inFlight);
    })();

    // The case numbers agents answer, read now and then from the API.
    const caseWatch = (async () => {
      while (!stopping && Date.now() < endAt) {
        await sleep(5_000);
        if (!node?.alive()) continue;
        const res = await fetch(`http://127.0.0.1:${node.httpPort}/api/cases?limit=50`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(5_000),
        }).catch(() => null);
        if (res?.ok) {
          const body = (await res.json()) as { items: { number: number }[] };
          for (const c of body.items) if (!caseNumbers.includes(c.number)) caseNumbers.push(c.number);
        }
      }
    })();

    // ------------------------------------------------------------------ chaos
    const faults: string[] = [];
    const chaos = (async () => {
      const every = Math.max(20_000, Math.min(180_000, durationMs / 8));
      const kinds = ['kill', 'postgres', 'next-hop'] as const;
      for (let i = 0; Date.now() + every < endAt; i++) {
        await sleep(every);
        const kind = kinds[i % kinds.length]!;
        const at = Date.now();
        if (kind === 'kill' && node) {
          node.process.kill('SIGKILL');
          await new Promise<void>((r) => (node!.alive() ? node!.process.once('exit', () => r()) : r()));
          node = await start();
        } else if (kind === 'postgres') {
          await cluster.kill();
          await sleep(8_000);
          await cluster.restart();
        } else {
          await hop.down();
          await sleep(20_000);
          await hop.up();
        }
        faults.push(`${kind} at ${Math.round((at - (endAt - durationMs)) / 1000)} s (${Math.round((Date.now() - at) / 1000)} s)`);
        log(`fault: ${faults[faults.length - 1]}`);
      }
    })();

    await Promise.all([senders, chaos, caseWatch]);
    stopping = true;
    log(`traffic over: ${offered} offered; draining`);

    // ------------------------------------------------------------------ accounting
    const store2 = await openStore({ databaseUrl: cluster.url });
    const onCases = async () =>
      new Set(
        (await store2.db.selectFrom('desk_messages').select('message_id').where('direction', '=', 'in').execute()).map(
          (r) => r.message_id?.replace(/^<|>$/g, '') ?? '',
        ),
      );
    const held = async () =>
      new Set(
        (
          await store2.db
            .selectFrom('messages')
            .innerJoin('deliveries', 'deliveries.queue_id', 'messages.queue_id')
            .select('messages.message_id')
            .where('deliveries.status', '=', 'held')
            .execute()
        ).map((r) => r.message_id?.replace(/^<|>$/g, '') ?? ''),
      );
    const reached = (id: string) => (hop.counts.get(id) ?? 0) > 0;
    const missing = async () => {
      const cases = await onCases();
      const quarantined = await held();
      return {
        relay: [...acked.get('relay')!].filter((id) => !reached(id)),
        large: [...acked.get('large')!].filter((id) => !reached(id)),
        desk: [...acked.get('desk')!].filter((id) => !cases.has(id)),
        reply: [...acked.get('reply')!].filter((id) => !reached(id)),
        spam: [...acked.get('spam')!].filter((id) => !quarantined.has(id)),
      };
    };
    // The queue retries every 20 s at most: a few rounds of that drains everything that can go.
    const drainUntil = Date.now() + 180_000;
    let left = await missing();
    while (Object.values(left).some((l) => l.length > 0) && Date.now() < drainUntil) {
      await sleep(2_000);
      left = await missing();
    }
    const deskRows = await store2.db.selectFrom('desk_messages').select('message_id').where('direction', '=', 'in').execute();
    const deskCounts = new Map<string, number>();
    for (const r of deskRows) deskCounts.set(r.message_id ?? '', (deskCounts.get(r.message_id ?? '') ?? 0) + 1);
    await store2.close();
    const twice = (ids: Set<string>, counts: (id: string) => number) => [...ids].filter((id) => counts(id) > 1).length;
    const lines = (['relay', 'large', 'desk', 'reply', 'spam'] as Path[]).map((p) => {
      const ids = acked.get(p)!;
      const dup = p === 'desk' ? twice(ids, (id) => deskCounts.get(`<${id}>`) ?? 0) : p === 'spam' ? 0 : twice(ids, (id) => hop.counts.get(id) ?? 0);
      const what = p === 'desk' ? 'on a case' : p === 'spam' ? 'held in quarantine' : 'delivered';
      return { path: p, acknowledged: ids.size, [what]: ids.size - left[p].length, duplicated: dup, lost: left[p].length };
    });
    const summary = {
      minutes: o.minutes,
      offered,
      refused: Object.fromEntries(refused),
      faults,
      peakRssMiB: Math.round(rss.peak / 1048576),
      nodeAlive: node?.alive() ?? false,
      paths: lines,
    };
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`soak: ${o.minutes} min, ${offered} offered at ${o.rate}/s; faults: ${faults.join('; ') || 'none'}\n`);
      process.stdout.write(`refused at the door (retried by a real sender): ${JSON.stringify(summary.refused)}\n`);
      for (const l of lines)
        process.stdout.write(
          `${l.path.padEnd(6)} ${Object.entries(l)
            .slice(1)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}\n`,
        );
      process.stdout.write(`peak RSS ${summary.peakRssMiB} MiB\n`);
    }
    process.exitCode = lines.some((l) => l.lost > 0) ? 1 : 0;
  } finally {
    for (const s of stops) await s().catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`soak: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
});
