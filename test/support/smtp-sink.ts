/**
 * A recording SMTP server on 127.0.0.1 (port 0) that stands in for a CRM or any next hop: it
 * keeps every message it accepts, and can be told at run time to refuse (450/550) or to go away
 * and come back on the same port.
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SinkMessage {
  /** Envelope sender; '' for the null sender (bounces). */
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  receivedAt: Date;
}

/**
 * A reply that refuses. `message` is the text after the code and carries its own enhanced status
 * code: `{ code: 550, message: '5.1.1 no such user' }` reads `550 5.1.1 no such user` on the wire.
 */
export interface SinkReply {
  code: number;
  message: string;
}

export interface SinkEnvelope {
  mailFrom: string;
  rcptTo: string[];
}

export interface SinkBehaviour {
  /** Decides each RCPT TO: null accepts it. */
  reply?: (rcpt: string, envelope: SinkEnvelope) => SinkReply | null;
  /** Decides each message at the end of DATA: null accepts (and records) it. */
  dataReply?: (message: Omit<SinkMessage, 'receivedAt'>) => SinkReply | null;
}

export interface SinkOptions extends SinkBehaviour {
  /** Milliseconds to wait before the 220 greeting, on top of smtp-server's own 100 ms. */
  greetingDelay?: number;
  /** Offer STARTTLS (smtp-server's self-signed certificate); off by default. */
  starttls?: boolean;
  /** Milliseconds between the end of DATA and the reply: deliveries stay in flight that long. */
  dataDelay?: number;
}

export interface SinkRefusal extends SinkEnvelope, SinkReply {
  stage: 'rcpt' | 'data';
}

export interface Sink {
  readonly port: number;
  /** Messages accepted, in arrival order. */
  readonly messages: readonly SinkMessage[];
  /** Recipients and messages refused by `reply`/`dataReply`, in order. */
  readonly refusals: readonly SinkRefusal[];
  /** Connections accepted since start, across restarts. */
  readonly connections: number;
  /** Resolves with the first message (already received or still to come) that matches. */
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /** Resolves once at least `count` messages match; with all of them. */
  waitForCount(count: number, timeoutMs?: number, predicate?: (message: SinkMessage) => boolean): Promise<SinkMessage[]>;
  /** Replaces the RCPT and DATA behaviour; `setReply({})` accepts everything again. */
  setReply(behaviour: SinkBehaviour): void;
  /** Stops listening and drops open sessions (421): clients see a dead next hop. */
  stop(): Promise<void>;
  /** Listens again on the same port, keeping what was recorded. */
  restartOnSamePort(): Promise<void>;
}

const DEFAULT_WAIT_MS = 10_000;

export async function startSink(opts: SinkOptions = {}): Promise<Sink> {
  const messages: SinkMessage[] = [];
  const refusals: SinkRefusal[] = [];
  const waiters = new Set<() => void>();
  let behaviour: SinkBehaviour = { reply: opts.reply, dataReply: opts.dataReply };
  let connections = 0;
  let port = 0;
  let server: SMTPServer | null = null;

  const options: SMTPServerOptions = {
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['AUTH'],
    hideSTARTTLS: !opts.starttls,
    size: 0,
    // Sessions still open at stop() are cut at once, as a crashed peer would cut them.
    closeTimeout: 1,
    logger: false,
    onConnect(_session, callback) {
      connections++;
      if (opts.greetingDelay) setTimeout(() => callback(), opts.greetingDelay);
      else callback();
    },
    onRcptTo(address, session, callback) {
      const envelope = envelopeOf(session.envelope);
      const refusal = behaviour.reply?.(address.address, envelope) ?? null;
      if (!refusal) return callback();
      refusals.push({ stage: 'rcpt', ...envelope, rcptTo: [address.address], ...refusal });
      callback(smtpError(refusal));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const message = { ...envelopeOf(session.envelope), raw: Buffer.concat(chunks) };
        const refusal = behaviour.dataReply?.(message) ?? null;
        if (refusal) {
          refusals.push({ stage: 'data', mailFrom: message.mailFrom, rcptTo: message.rcptTo, ...refusal });
          return callback(smtpError(refusal));
        }
        const accept = () => {
          messages.push({ ...message, receivedAt: new Date() });
          for (const wake of [...waiters]) wake();
          callback(null, 'Ok: recorded');
        };
        if (opts.dataDelay) setTimeout(accept, opts.dataDelay);
        else accept();
      });
    },
  };

  const listen = async (onPort: number) => {
    const next = new SMTPServer(options);
    await new Promise<void>((resolve, reject) => {
      next.server.once('error', reject);
      next.listen(onPort, '127.0.0.1', () => {
        next.server.off('error', reject);
        resolve();
      });
    });
    // After a restart, a late socket error must not crash the test run.
    next.on('error', () => {});
    server = next;
    const address = next.server.address();
    if (address === null || typeof address === 'string') throw new Error('sink: the listener has no TCP address');
    port = address.port;
  };

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> =>
    new Promise((resolve, reject) => {
      const found = check();
      if (found !== undefined) return resolve(found);
      const wake = () => {
        const result = check();
        if (result === undefined) return;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(result);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`sink on port ${port}: ${describe()} within ${timeoutMs} ms; it has ${summary(messages)}`));
      }, timeoutMs);
      waiters.add(wake);
    });

  await listen(0);

  return {
    get port() {
      return port;
    },
    messages,
    refusals,
    get connections() {
      return connections;
    },
    waitFor(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return waitUntil(
        () => messages.find(predicate),
        timeoutMs,
        () => 'no matching message',
      );
    },
    waitForCount(count, timeoutMs = DEFAULT_WAIT_MS, predicate = () => true) {
      return waitUntil(
        () => {
          const matching = messages.filter(predicate);
          return matching.length >= count ? matching : undefined;
        },
        timeoutMs,
        () => `fewer than ${count} matching messages`,
      );
    },
    setReply(next) {
      behaviour = { reply: next.reply, dataReply: next.dataReply };
    },
    async stop() {
      const current = server;
      server = null;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async restartOnSamePort() {
      if (server) throw new Error(`sink on port ${port} is still running; stop() it first`);
      await listen(port);
    },
  };
}

function envelopeOf(envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] }): SinkEnvelope {
  return {
    mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
    rcptTo: envelope.rcptTo.map((rcpt) => rcpt.address),
  };
}

function smtpError(reply: SinkReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

function summary(messages: readonly SinkMessage[]): string {
  if (messages.length === 0) return 'no messages';
  const envelopes = messages.map((m) => `<${m.mailFrom}> → ${m.rcptTo.join(', ')}`);
  return `${messages.length} message(s): ${envelopes.join('; ')}`;
}
