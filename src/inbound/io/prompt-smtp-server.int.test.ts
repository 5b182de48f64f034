/**
 * PromptSMTPServer over real sockets on 127.0.0.1: the greeting without smtp-server's fixed
 * pause, handlers choosing the enhanced status code, the 421s (client limit, shutting down),
 * and the members of smtp-server that the subclass replaces or reads, which are not part
 * of the package's typed API and so are checked here against the installed version.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { afterEach, describe, expect, it } from 'vitest';
import { PromptSMTPServer, smtpError, type PromptServerOptions, type WrittenAddress } from './prompt-smtp-server.js';

const NAME = 'mx.test.example';
const SHUTDOWN_REPLY = `4.3.2 ${NAME} Service shutting down`;
const GREETING = `220 ${NAME} ESMTP test ESMTP`;

interface Client {
  /** Milliseconds from the connection to the first byte the server sent. */
  readonly firstByteMs: Promise<number>;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
  reply(timeoutMs?: number): Promise<string>;
  command(line: string): Promise<string>;
  send(data: string): void;
  /** Whatever the server sent that no reply() has taken yet. */
  pending(): string;
  destroy(): void;
}

const servers: PromptSMTPServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function start(options: Partial<PromptServerOptions> = {}): Promise<{ server: PromptSMTPServer; port: number }> {
  const server = new PromptSMTPServer({
    name: NAME,
    banner: 'test ESMTP',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false,
    closeTimeout: 100,
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback(null, 'queued'));
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as net.AddressInfo).port };
}

async function connect(port: number): Promise<Client> {
  const startedAt = performance.now();
  const socket = net.connect({ host: '127.0.0.1', port });
  let buffer = '';
  const waiters: (() => void)[] = [];
  let firstByte!: (ms: number) => void;
  const firstByteMs = new Promise<number>((resolve) => (firstByte = resolve));
  socket.on('data', (d) => {
    if (buffer === '') firstByte(performance.now() - startedAt);
    buffer += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const reply = async (timeoutMs = 5_000): Promise<string> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const lines = buffer.split('\r\n');
      const last = lines.slice(0, -1).findIndex((l) => /^\d{3} /.test(l));
      if (last >= 0) {
        buffer = lines.slice(last + 1).join('\r\n');
        return lines.slice(0, last + 1).join('\n');
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no SMTP reply within ${timeoutMs} ms (buffer: ${JSON.stringify(buffer)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };
  const client: Client = {
    firstByteMs,
    closed,
    reply,
    send: (data) => void socket.write(Buffer.from(data, 'latin1')),
    async command(line) {
      socket.write(`${line}\r\n`);
      return reply();
    },
    pending: () => buffer,
    destroy: () => socket.destroy(),
  };
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, or fails after a few seconds. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
}

describe('the greeting', () => {
  it('comes at once: smtp-server alone waits 100 ms before it', async () => {
    const { port } = await start();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await connect(port);
      expect(await c.reply()).toBe(GREETING);
      times.push(await c.firstByteMs);
      c.destroy();
    }
    // A timer of 100 ms never fires after 90: one greeting this quick shows there was no pause.
    expect(Math.min(...times)).toBeLessThan(90);
  });

  it('waits greetingDelayMs when one is set, and turns away a client that talks before it', async () => {
    const { port } = await start({ greetingDelayMs: 300 });
    const patient = await connect(port);
    expect(await patient.reply()).toBe(GREETING);
    expect(await patient.firstByteMs).toBeGreaterThanOrEqual(290);
    const early = await connect(port);
    early.send('EHLO early.example\r\n');
    expect(await early.reply()).toBe(`421 ${NAME} You talk too soon`);
    await early.closed;
    expect(await early.firstByteMs).toBeLessThan(290);
  });
});

describe('session ids', () => {
  it('gives every session an id of its own, 16 characters like the library', async () => {
    const ids: string[] = [];
    const { port } = await start({
      onConnect(session, callback) {
        ids.push(session.id);
        callback();
      },
    });
    for (let i = 0; i < 5; i++) expect(await (await connect(port)).reply()).toMatch(/^220 /);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{16}$/);
    // Ours, not the library's random ones: the process's prefix and a counter.
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBe(1);
  });

  it('reads a PROXY header the library way when the client is to send one', async () => {
    const seen: { id: string; remoteAddress: string }[] = [];
    const { port } = await start({
      useProxy: true,
      onConnect(session, callback) {
        seen.push({ id: session.id, remoteAddress: session.remoteAddress });
        callback();
      },
    });
    const c = await connect(port);
    c.send('PROXY TCP4 192.0.2.7 198.51.100.1 40000 25\r\n');
    expect(await c.reply()).toMatch(/^220 /);
    expect(seen).toEqual([{ id: expect.stringMatching(/^[0-9a-z]{16}$/) as unknown as string, remoteAddress: '192.0.2.7' }]);
  });
});

describe('enhanced status codes', () => {
  it('takes the code a handler starts its text with, instead of adding a second one', async () => {
    const { port } = await start({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody@')) return callback(smtpError(550, '5.7.1', 'relaying to <nobody@elsewhere.example> is not allowed'));
        if (address.address.startsWith('later@')) return callback(smtpError(451, '4.3.0', 'the store is not available; try again'));
        callback();
      },
    });
    const c = await connect(port);
    await c.reply();
    expect(await c.command('EHLO client.example')).toMatch(/^250-mx\.test\.example/);
    expect(await c.command('MAIL FROM:<a@client.example>')).toBe('250 2.1.0 Accepted');
    expect(await c.command('RCPT TO:<nobody@elsewhere.example>')).toBe('550 5.7.1 relaying to <nobody@elsewhere.example> is not allowed');
    expect(await c.command('RCPT TO:<later@test.example>')).toBe('451 4.3.0 the store is not available; try again');
    // Text without a code keeps the library's code for the reply.
    expect(await c.command('RCPT TO:<help@test.example>')).toBe('250 2.1.5 Accepted');
  });

  it('leaves the code out, with the text after it, when enhanced codes are hidden', async () => {
    const { port } = await start({
      hideENHANCEDSTATUSCODES: true,
      onRcptTo: (_address, _session, callback) => callback(smtpError(550, '5.7.1', 'relaying denied')),
    });
    const c = await connect(port);
    await c.reply();
    await c.command('EHLO client.example');
    expect(await c.command('MAIL FROM:<a@client.example>')).toBe('250 Accepted');
    expect(await c.command('RCPT TO:<b@elsewhere.example>')).toBe('550 relaying denied');
  });

  it('gives the handler the address bytes as the client wrote them', async () => {
    const seen: WrittenAddress[] = [];
    const { port } = await start({
      onRcptTo(address, _session, callback) {
        seen.push(address as WrittenAddress);
        callback();
      },
    });
    const c = await connect(port);
    await c.reply();
    await c.command('EHLO client.example');
    await c.command('MAIL FROM:<a@client.example>');
    expect(await c.command('RCPT TO:<Help@xn--bcher-kva.example>')).toBe('250 2.1.5 Accepted');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.written.toString('latin1')).toBe('Help@xn--bcher-kva.example');
  });
});

describe('421: the client limit', () => {
  it('turns away the client over maxClients, tells onClientLimit, and greets again once a place is free', async () => {
    let limited = 0;
    const { server, port } = await start({ maxClients: 1, onClientLimit: () => limited++ });
    const first = await connect(port);
    expect(await first.reply()).toMatch(/^220 /);
    const second = await connect(port);
    expect(await second.reply()).toBe(`421 ${NAME} Too many connected clients, try again in a moment`);
    await second.closed;
    expect(limited).toBe(1);
    expect(await first.command('QUIT')).toMatch(/^221 /);
    await first.closed;
    await until(() => server.sessionsOpen === 0);
    const third = await connect(port);
    expect(await third.reply()).toBe(GREETING);
    expect(limited).toBe(1);
  });
});

describe('421: shutting down', () => {
  it('tells an idle session and closes it, and answers a new client with the same line instead of a greeting', async () => {
    const { server, port } = await start();
    const idle = await connect(port);
    await idle.reply();
    await idle.command('EHLO client.example');
    server.shutDown(SHUTDOWN_REPLY);
    expect(await idle.reply()).toBe(`421 ${SHUTDOWN_REPLY}`);
    await idle.closed;
    const late = await connect(port);
    expect(await late.reply()).toBe(`421 ${SHUTDOWN_REPLY}`);
    await late.closed;
  });

  it('lets a message being received finish, then answers every command but QUIT with 421', async () => {
    const { server, port } = await start();
    const busy = await connect(port);
    await busy.reply();
    await busy.command('EHLO client.example');
    await busy.command('MAIL FROM:<a@client.example>');
    await busy.command('RCPT TO:<b@test.example>');
    expect(await busy.command('DATA')).toMatch(/^354 /);
    await until(() => server.sessionsInData === 1);
    expect(server.sessionsOpen).toBe(1);
    server.shutDown(SHUTDOWN_REPLY);
    await sleep(50);
    expect(busy.pending()).toBe('');
    busy.send('Subject: one\r\n\r\nbody\r\n.\r\n');
    expect(await busy.reply()).toBe('250 2.6.0 queued');
    expect(server.sessionsInData).toBe(0);
    expect(await busy.command('MAIL FROM:<a@client.example>')).toBe(`421 ${SHUTDOWN_REPLY}`);
    await busy.closed;
  });

  it('answers QUIT with 221 while shutting down', async () => {
    const { server, port } = await start();
    const busy = await connect(port);
    await busy.reply();
    await busy.command('EHLO client.example');
    await busy.command('MAIL FROM:<a@client.example>');
    await busy.command('RCPT TO:<b@test.example>');
    await busy.command('DATA');
    await until(() => server.sessionsInData === 1);
    server.shutDown(SHUTDOWN_REPLY);
    busy.send('Subject: one\r\n\r\nbody\r\n.\r\n');
    expect(await busy.reply()).toBe('250 2.6.0 queued');
    expect(await busy.command('QUIT')).toMatch(/^221 /);
    await busy.closed;
  });

  it('closeRemaining tells a session still receiving a message, and closes it', async () => {
    const { server, port } = await start();
    const busy = await connect(port);
    await busy.reply();
    await busy.command('EHLO client.example');
    await busy.command('MAIL FROM:<a@client.example>');
    await busy.command('RCPT TO:<b@test.example>');
    await busy.command('DATA');
    await until(() => server.sessionsInData === 1);
    server.shutDown(SHUTDOWN_REPLY);
    server.closeRemaining();
    expect(await busy.reply()).toBe(`421 ${SHUTDOWN_REPLY}`);
    await busy.closed;
    await until(() => server.sessionsOpen === 0);
  });
});

describe('QUIT', () => {
  const openSockets = (server: PromptSMTPServer) =>
    new Promise<number>((resolve, reject) => server.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

  /** Sends QUIT once the greeting came, and resolves at the 221. */
  const quitAfterGreeting = (socket: net.Socket) =>
    new Promise<void>((resolve) => {
      let got = '';
      socket.on('data', (d) => {
        const first = got === '';
        got += d.toString('latin1');
        if (first) socket.write('QUIT\r\n');
        if (/^221 /m.test(got)) resolve();
      });
    });

  it('answers 221 and releases the connection once the reply is written, without waiting for the client to close its side', async () => {
    const { server, port } = await start({ socketTimeout: 60_000 });
    // A client that never ends its side: the library alone holds such a socket until its half-close deadline.
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.on('error', () => undefined);
    const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
    await quitAfterGreeting(socket);
    await ended;
    let open = await openSockets(server);
    for (let i = 0; i < 100 && open > 0; i++) open = (await sleep(10), await openSockets(server));
    socket.destroy();
    expect(open).toBe(0);
  });

  it('reads no error from a client that resets the connection after the 221', async () => {
    const errors: unknown[] = [];
    const { server, port } = await start({
      logger: {
        info() {},
        debug() {},
        warn() {},
        trace() {},
        fatal() {},
        child() {
          return this;
        },
        error: (o: unknown) => void errors.push(o),
      } as never,
    });
    for (let i = 0; i < 5; i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      await quitAfterGreeting(socket);
      socket.resetAndDestroy();
    }
    await sleep(100);
    expect(errors).toEqual([]);
    expect(server.sessionsOpen).toBe(0);
  });
});

describe('the parts of smtp-server the subclass depends on', () => {
  const methods = (proto: object, names: readonly string[]) => names.filter((n) => typeof (proto as Record<string, unknown>)[n] !== 'function');

  it('is the exact version package.json pins', () => {
    const require = createRequire(import.meta.url);
    const pinned = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies['smtp-server'];
    const installed = (require('smtp-server/package.json') as { version: string }).version;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(pinned);
  });

  it('still has the connection methods the subclass replaces or calls', () => {
    const missing = methods(SMTPConnection.prototype, [
      'init',
      '_setListeners',
      'connectionReady',
      'send',
      'close',
      'handler_QUIT',
      '_onCommand',
      '_getEnhancedStatusCode',
      '_parseAddressCommand',
      '_onClose',
      'on',
    ]);
    expect(missing).toEqual([]);
  });

  it('still has the server methods the subclass replaces or calls', () => {
    const missing = methods(SMTPServer.prototype, ['connect', 'close', 'listen', '_onError', '_onClientConnect', '_handleProxy', '_expectsProxyHeader']);
    expect(missing).toEqual([]);
  });

  it('still keeps the state the subclass reads on the server and on each connection', async () => {
    const { server, port } = await start();
    const c = await connect(port);
    await c.reply();
    await c.command('EHLO client.example');
    const s = server as unknown as { connections: unknown; options: Record<string, unknown> };
    expect(s.connections).toBeInstanceOf(Set);
    expect(s.options).toMatchObject({ name: NAME });
    const [connection] = [...(s.connections as Set<Record<string, unknown>>)];
    expect(connection).toBeInstanceOf(SMTPConnection);
    expect(connection!._server).toBe(server);
    expect(connection!._socket).toBeInstanceOf(net.Socket);
    expect(connection!.name).toBe(NAME);
    expect(connection!._ready).toBe(true);
    expect(connection!._upgrading).toBe(false);
    expect(connection!._dataStream).toBeFalsy();
    await c.command('MAIL FROM:<a@client.example>');
    await c.command('RCPT TO:<b@test.example>');
    await c.command('DATA');
    await until(() => Boolean(connection!._dataStream));
    c.send('Subject: one\r\n\r\nbody\r\n.\r\n');
    expect(await c.reply()).toBe('250 2.6.0 queued');
    expect(connection!._dataStream).toBeFalsy();
  });
});
