import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort } from './ports.js';
import { freshPgDatabase } from './postgres.js';
import { startSink, type Sink } from './smtp-sink.js';
import { serverReplies, smtpSource, swaks } from './swaks.js';

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL test cluster', () => {
  it('answers on the provided URL, with fsync on', async () => {
    const url = inject('pgUrl');
    expect(url).toMatch(/^postgres:\/\/.+@127\.0\.0\.1:\d+\//);
    expect(process.env.RELAYDESK_TEST_PG_URL).toBe(url);
    expect(await query(url, 'select 1 as one')).toEqual([{ one: 1 }]);
    expect(await query(url, 'show fsync')).toEqual([{ fsync: 'on' }]);
  });

  it('gives each caller a fresh database, and drops it', async () => {
    const [a, b] = await Promise.all([freshPgDatabase(), freshPgDatabase()]);
    expect(a.url).not.toBe(b.url);
    await query(a.url, 'create table t (x int)');
    expect(await query(b.url, "select count(*)::int as n from pg_tables where tablename = 't'")).toEqual([{ n: 0 }]);

    const client = new pg.Client({ connectionString: a.url });
    await client.connect();
    client.on('error', () => {}); // drop() ends this session from the server side
    await a.drop();
    await b.drop();
    const name = new URL(a.url).pathname.slice(1);
    expect(await query(inject('pgUrl'), `select count(*)::int as n from pg_database where datname = '${name}'`)).toEqual([{ n: 0 }]);
    await client.end().catch(() => {});
  });
});

describe('freePort', () => {
  it('returns a port on 127.0.0.1 that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('SMTP sink driven by swaks', () => {
  let sink: Sink | undefined;
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  const send = (port: number, to: string, extra: string[] = []) =>
    swaks(['--server', `127.0.0.1:${port}`, '--from', 'alice@elsewhere.example', '--to', to, ...extra]);

  it('records the envelope and the body as sent', async () => {
    sink = await startSink();
    const result = await send(sink.port, 'support@crm.test', ['--header', 'Subject: hello', '--body', 'line one\nline two']);
    expect(result.code).toBe(0);
    expect(result.lastReply).toMatch(/^250 /);
    expect(result.replies[0]).toMatch(/^220 /);
    expect(result.replies.some((r) => r.includes('\n'))).toBe(true); // the EHLO reply is multi-line

    const message = await sink.waitFor((m) => m.rcptTo.includes('support@crm.test'), 5_000);
    expect(message.mailFrom).toBe('alice@elsewhere.example');
    expect(message.rcptTo).toEqual(['support@crm.test']);
    const raw = message.raw.toString();
    expect(raw).toMatch(/^Subject: hello\r$/m);
    expect(raw).toContain('line one\r\nline two');
    expect(sink.messages).toHaveLength(1);
    expect(sink.connections).toBe(1);
  });

  it('refuses recipients and messages as told, and can be switched back', async () => {
    sink = await startSink({ reply: (rcpt) => (rcpt.startsWith('nobody@') ? { code: 550, message: '5.1.1 no such user' } : null) });
    const refused = await send(sink.port, 'nobody@crm.test');
    expect(refused.code).toBe(24); // swaks: every recipient refused
    expect(refused.lastReply).toBe('550 5.1.1 no such user');
    expect(sink.refusals).toMatchObject([{ stage: 'rcpt', rcptTo: ['nobody@crm.test'], code: 550 }]);

    sink.setReply({ dataReply: () => ({ code: 450, message: '4.3.2 try again later' }) });
    const deferred = await send(sink.port, 'nobody@crm.test');
    expect(deferred.code).toBe(26); // swaks: refused at the end of DATA
    expect(deferred.lastReply).toBe('450 4.3.2 try again later');

    sink.setReply({});
    expect((await send(sink.port, 'nobody@crm.test')).code).toBe(0);
    expect(sink.messages.map((m) => m.rcptTo)).toEqual([['nobody@crm.test']]);
    await expect(sink.waitFor((m) => m.rcptTo.includes('other@crm.test'), 200)).rejects.toThrow(/1 message\(s\)/);
  });

  it('goes down and comes back on the same port, keeping what it recorded', async () => {
    sink = await startSink();
    const port = sink.port;
    await send(port, 'first@crm.test');
    await sink.stop();

    const down = await send(port, 'second@crm.test');
    expect(down.code).toBe(2); // swaks: could not connect
    expect(down.replies).toEqual([]);

    await sink.restartOnSamePort();
    expect(sink.port).toBe(port);
    expect((await send(port, 'second@crm.test')).code).toBe(0);
    const both = await sink.waitForCount(2, 5_000);
    expect(both.map((m) => m.rcptTo[0])).toEqual(['first@crm.test', 'second@crm.test']);
    expect(sink.connections).toBe(2);
  });

  it('delays the greeting when asked', async () => {
    sink = await startSink({ greetingDelay: 300 });
    const started = performance.now();
    expect((await send(sink.port, 'slow@crm.test')).code).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('offers STARTTLS only when asked', async () => {
    sink = await startSink();
    expect((await send(sink.port, 'plain@crm.test', ['--tls'])).code).toBe(29); // swaks: TLS not possible
    await sink.stop();
    sink = await startSink({ starttls: true });
    const secured = await send(sink.port, 'tls@crm.test', ['--tls']);
    expect(secured.code).toBe(0);
    expect(secured.stdout).toContain('TLS started');
  });

  it('takes load from smtp-source', async () => {
    sink = await startSink();
    const result = await smtpSource({ port: sink.port, sessions: 2, messages: 6, size: 4096, to: 'load@crm.test' });
    expect(result.code).toBe(0);
    const received = await sink.waitForCount(6, 5_000);
    expect(received.every((m) => m.rcptTo[0] === 'load@crm.test' && m.raw.length >= 4096)).toBe(true);
  });
});

describe('serverReplies', () => {
  it('joins multi-line replies and marks refusals as replies too', () => {
    const transcript = ['<-  220 hi', ' -> EHLO me', '<-  250-hi', '<-  250 SIZE', ' -> RCPT TO:<x@y>', '<** 550 5.1.1 no'].join('\n');
    expect(serverReplies(transcript)).toEqual(['220 hi', '250-hi\n250 SIZE', '550 5.1.1 no']);
  });
});
