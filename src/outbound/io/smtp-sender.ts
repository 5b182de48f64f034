/**
 * SmtpSender: delivers one message to the recipients sharing one next hop, over
 * pooled SMTP connections (nodemailer's SMTP pool), and says per recipient what
 * happened. It never retries later and never writes a DSN: that is the queue's job.
 *
 * One pool per destination (address, port, TLS mode, server name). A pool keeps up
 * to `maxConnectionsPerDestination` connections open and reuses each for up to
 * `maxMessagesPerConnection` messages (the next MAIL FROM right after the last 250), so a steady stream to
 * one CRM pays one TCP and TLS handshake per connection, not per message.
 */
import { connect, isIP } from 'node:net';
import type { Readable } from 'node:stream';
import type MailMessage from 'nodemailer/lib/mailer/mail-message.js';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { TlsMode } from '../../routing/index.js';
import { classifySendFailure, oneLine, type SendFailure } from '../classify-reply.js';
import type { NextHop } from '../next-hop.js';
import type { Logger } from '../../base/log.js';
import { DNS_TIMEOUT_MS, planTargets, resolverFromLookup, systemResolver, type DnsResolver, type LookupFunction, type Target } from './mx-targets.js';
import { installDataStuffing } from './data-stuffing.js';

// Clean CRLF chunks skip nodemailer's byte-by-byte dot-stuffing loop (see data-stuffing.ts).
installDataStuffing();

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly reply: string; readonly remoteMta: string }
  /** Try again later. No `remoteMta` when no server was reached (DNS, refused, timeout). */
  | { readonly kind: 'deferred'; readonly reply: string; readonly status: string; readonly remoteMta?: string }
  /** Give up and tell the sender. No `remoteMta` when DNS decided (no such domain, null MX). */
  | { readonly kind: 'bounced'; readonly reply: string; readonly status: string; readonly remoteMta?: string };

export interface SendRequest {
  readonly hop: NextHop;
  /** '' for the null sender (DSNs). */
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  /**
   * The message. A function is called once per attempted host; a plain stream can be
   * sent only once, so with one the next MX host is tried only while it is unread.
   * The caller owns a stream: if no host took it, the caller destroys it.
   */
  readonly raw: Buffer | Readable | (() => Readable);
  /** The message's size when `raw` is a stream and it is known: sent as SIZE, so a server can refuse at once. */
  readonly size?: number;
  /** A routing rule's requireTls: the hop's TLS mode becomes "required". */
  readonly requireTls: boolean;
}

export interface SendResult {
  /** One outcome for every distinct recipient of the request, keyed as given. */
  readonly perRecipient: ReadonlyMap<string, DeliveryOutcome>;
}

export interface SmtpSenderOptions {
  /** Our host name, sent in EHLO. */
  readonly hostname: string;
  readonly maxConnectionsPerDestination?: number;
  readonly maxMessagesPerConnection?: number;
  /** MX and A lookups; default the system's DNS. Either shape; tests pass fixed answers. */
  readonly resolver?: DnsResolver | LookupFunction;
  /** Pools opened and closed, at debug level. Never message content. */
  readonly logger?: Logger;
  readonly dnsTimeoutMs?: number;
  /** Port for MX hosts; 25 except in tests. */
  readonly mxPort?: number;
  /** Ask the server to verify certificates (opportunistic and required modes alike). */
  readonly verifyCertificates?: boolean;
}

export const DEFAULT_MAX_CONNECTIONS_PER_DESTINATION = 10;
/** High, so a busy destination keeps its connections; the cap bounds a server's memory of us. */
export const DEFAULT_MAX_MESSAGES_PER_CONNECTION = 1000;
/**
 * TCP connect plus the 220 greeting. nodemailer starts its greeting timer as soon as
 * it is handed our socket, so this one timer covers both (Postfix: 30 s connect).
 */
export const GREETING_TIMEOUT_MS = 30_000;
/**
 * Silence on an open connection. RFC 5321 §4.5.3.2 asks clients to wait up to 10
 * minutes for the reply to the final dot (servers scan content then), so no shorter.
 */
export const SOCKET_TIMEOUT_MS = 10 * 60_000;
/** An idle pool is closed after this; Postfix keeps cached connections only seconds too. */
export const POOL_IDLE_CLOSE_MS = 10_000;
/**
 * A pooled connection the server closed while idle is only noticed when used; the
 * message then moves to a fresh connection, at most this many times.
 */
const MAX_REQUEUES = 2;

interface Pool {
  readonly transport: SMTPPool;
  inFlight: number;
  lastUsed: number;
}

/** nodemailer's error object, as far as we read it. */
interface NodemailerError extends Error {
  code?: string;
  response?: string;
  command?: string;
  rejectedErrors?: NodemailerError[];
  recipient?: string;
}

type Attempt =
  | { readonly kind: 'done'; readonly perRecipient: Map<string, DeliveryOutcome> }
  | { readonly kind: 'next-host'; readonly outcome: DeliveryOutcome; readonly tlsFailed: boolean };

export class SmtpSender {
  readonly #opts: Required<Omit<SmtpSenderOptions, 'resolver' | 'logger'>> & { resolver: DnsResolver };
  readonly #logger: Logger | undefined;
  readonly #pools = new Map<string, Pool>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: SmtpSenderOptions) {
    const dnsTimeoutMs = options.dnsTimeoutMs ?? DNS_TIMEOUT_MS;
    const r = options.resolver;
    this.#logger = options.logger;
    this.#opts = {
      hostname: options.hostname,
      maxConnectionsPerDestination: options.maxConnectionsPerDestination ?? DEFAULT_MAX_CONNECTIONS_PER_DESTINATION,
      maxMessagesPerConnection: options.maxMessagesPerConnection ?? DEFAULT_MAX_MESSAGES_PER_CONNECTION,
      resolver: r === undefined ? systemResolver(dnsTimeoutMs) : typeof r === 'function' ? resolverFromLookup(r) : r,
      dnsTimeoutMs,
      mxPort: options.mxPort ?? 25,
      verifyCertificates: options.verifyCertificates ?? false,
    };
    this.#sweeper = setInterval(() => this.#closeIdlePools(), POOL_IDLE_CLOSE_MS);
    this.#sweeper.unref();
  }

  async send(req: SendRequest): Promise<SendResult> {
    const recipients = [...new Set(req.recipients)];
    const all = (o: DeliveryOutcome): SendResult => ({ perRecipient: new Map(recipients.map((r) => [r, o])) });
    const plan = await planTargets(req.hop, {
      resolver: this.#opts.resolver,
      timeoutMs: this.#opts.dnsTimeoutMs,
      mxPort: this.#opts.mxPort,
      requireTls: req.requireTls,
      tieSeed: Math.floor(Math.random() * 1_000_000),
    });
    if (plan.kind === 'failed') {
      return all({ kind: plan.permanent ? 'bounced' : 'deferred', status: plan.status, reply: plan.reply });
    }
    let last: DeliveryOutcome | undefined;
    for await (const target of plan.targets) {
      let attempt = await this.#attempt(target, req, recipients);
      // Opportunistic TLS that fails its handshake falls back to plain text, as Postfix does.
      if (attempt.kind === 'next-host' && attempt.tlsFailed && target.tls === 'opportunistic' && this.#canRetry(req.raw)) {
        attempt = await this.#attempt({ ...target, tls: 'none' }, req, recipients);
      }
      if (attempt.kind === 'done') return { perRecipient: attempt.perRecipient };
      last = attempt.outcome;
      if (!this.#canRetry(req.raw)) break;
    }
    return all(
      last ?? {
        kind: 'deferred',
        status: '4.4.3',
        reply: req.hop.kind === 'mx' ? `no MX host of ${req.hop.domain} has an IPv4 address` : 'no host to connect to',
      },
    );
  }

  /**
   * Closes every pool. Messages waiting for a connection fail (deferred); connections
   * busy with a message close when it is done.
   */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const pool of this.#pools.values()) pool.transport.close();
    this.#pools.clear();
  }

  #canRetry(raw: SendRequest['raw']): boolean {
    return Buffer.isBuffer(raw) || typeof raw === 'function' || !raw.readableDidRead;
  }

  async #attempt(target: Target, req: SendRequest, recipients: readonly string[]): Promise<Attempt> {
    const pool = this.#poolFor(target);
    const raw = typeof req.raw === 'function' ? req.raw() : req.raw;
    // nodemailer passes envelope keys beyond from/to through to the SMTP client.
    const envelope: RawEnvelope = {
      from: req.mailFrom,
      to: [...recipients],
      // Declared for every message: harmless when 7-bit, and 8-bit bodies are relayed as received.
      use8BitMime: true,
      ...(Buffer.isBuffer(raw) ? { size: raw.length } : req.size !== undefined ? { size: req.size } : {}),
    };
    pool.inFlight++;
    try {
      const info = await sendRaw(pool.transport, envelope, raw);
      return { kind: 'done', perRecipient: this.#fromInfo(info, recipients, target.name) };
    } catch (e) {
      return this.#fromError(asError(e), recipients, target.name);
    } finally {
      pool.inFlight--;
      pool.lastUsed = Date.now();
    }
  }

  #fromInfo(info: SMTPPool.SentMessageInfo, recipients: readonly string[], remoteMta: string): Map<string, DeliveryOutcome> {
    const out = new Map<string, DeliveryOutcome>();
    const rejected = (info as { rejectedErrors?: NodemailerError[] }).rejectedErrors ?? [];
    const byAddress = new Map(rejected.map((err) => [(err.recipient ?? '').toLowerCase(), err]));
    for (const r of recipients) {
      const err = byAddress.get(r.toLowerCase());
      if (err) out.set(r, outcomeOf(classifySendFailure(failureOf(err), remoteMta), remoteMta));
      else out.set(r, { kind: 'delivered', reply: oneLine(info.response), remoteMta });
    }
    return out;
  }

  #fromError(err: NodemailerError, recipients: readonly string[], remoteMta: string): Attempt {
    const c = classifySendFailure(failureOf(err), remoteMta);
    const reached = err.response !== undefined && err.command !== 'CONN';
    const outcome = outcomeOf(c, reached ? remoteMta : undefined);
    if (c.tryNextHost) return { kind: 'next-host', outcome, tlsFailed: err.code === 'ETLS' };
    const out = new Map<string, DeliveryOutcome>(recipients.map((r) => [r, outcome]));
    // Every recipient refused at RCPT: each keeps its own reply.
    for (const re of err.rejectedErrors ?? []) {
      const match = recipients.find((r) => r.toLowerCase() === (re.recipient ?? '').toLowerCase());
      if (match !== undefined) out.set(match, outcomeOf(classifySendFailure(failureOf(re), remoteMta), remoteMta));
    }
    return { kind: 'done', perRecipient: out };
  }

  #poolFor(t: Target): Pool {
    const key = [t.address, t.port, t.tls, t.name].join('|');
    const existing = this.#pools.get(key);
    if (existing) return existing;
    const options: SMTPPool.Options & { maxRequeues: number } = {
      pool: true,
      host: t.address,
      port: t.port,
      name: this.#opts.hostname,
      maxConnections: this.#opts.maxConnectionsPerDestination,
      maxMessages: this.#opts.maxMessagesPerConnection,
      maxRequeues: MAX_REQUEUES,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      ...tlsOptions(t.tls),
      tls: {
        // MX certificates are often self-signed or name another host, and MX lookups are
        // not authenticated anyway: encryption without verification still defeats passive
        // eavesdropping (Postfix's "may"/"encrypt" levels). Verification is opt-in.
        rejectUnauthorized: this.#opts.verifyCertificates,
        ...(isIP(t.name) ? {} : { servername: t.name }),
      },
      logger: false,
      debug: false,
      // nodemailer leaves Nagle's algorithm on, which costs ~40 ms per pipelined command
      // batch against a delayed-ACK peer. We dial the socket ourselves with TCP_NODELAY.
      getSocket: (_o, cb) => {
        cb(null, { connection: connect({ host: t.address, port: t.port, noDelay: true }) });
      },
    };
    const transport = new SMTPPool(options);
    const pool: Pool = { transport, inFlight: 0, lastUsed: Date.now() };
    this.#pools.set(key, pool);
    this.#logger?.debug({ component: 'outbound', host: t.name, address: t.address, port: t.port, tls: t.tls }, 'pool opened');
    return pool;
  }

  #closeIdlePools(): void {
    const now = Date.now();
    for (const [key, pool] of this.#pools) {
      if (pool.inFlight === 0 && now - pool.lastUsed > POOL_IDLE_CLOSE_MS) {
        pool.transport.close();
        this.#pools.delete(key);
        this.#logger?.debug({ component: 'outbound', pool: key }, 'idle pool closed');
      }
    }
  }
}

function tlsOptions(mode: TlsMode): Pick<SMTPPool.Options, 'ignoreTLS' | 'requireTLS' | 'opportunisticTLS'> {
  switch (mode) {
    case 'none':
      return { ignoreTLS: true };
    case 'opportunistic':
      // STARTTLS when offered; if the server then refuses it, continue in plain text.
      return { opportunisticTLS: true };
    case 'required':
      // nodemailer sends STARTTLS even when not offered and fails (ETLS) on refusal.
      return { requireTLS: true };
  }
}

interface RawEnvelope {
  readonly from: string;
  readonly to: string[];
  readonly use8BitMime: boolean;
  readonly size?: number;
}

/**
 * Hands the message to the pool as it is. nodemailer's sendMail would first build a MIME
 * tree around the raw bytes (random boundary and Message-ID, extra stream stages) that a
 * relay never uses; the pool needs only the envelope and the bytes. A Buffer goes to the
 * connection in one write. The connection ends the data with CRLF.CRLF, adding the CRLF
 * a message without a final line break lacks, as sendMail did.
 */
function sendRaw(pool: SMTPPool, envelope: RawEnvelope, raw: Buffer | Readable): Promise<SMTPPool.SentMessageInfo> {
  const mail = {
    data: { envelope },
    message: {
      getEnvelope: () => envelope,
      messageId: () => '',
      getHeader: () => '',
      createReadStream: () => raw,
    },
  } as unknown as MailMessage<SMTPPool.SentMessageInfo>;
  return new Promise((resolve, reject) => {
    // It answers false, without calling back, once the pool is closed.
    const queued: unknown = pool.send(mail, (err, info) => (err ? reject(err) : resolve(info)));
    if (queued === false) reject(Object.assign(new Error('the connection pool was closed'), { code: 'ECONNECTION' }));
  });
}

function asError(e: unknown): NodemailerError {
  return e instanceof Error ? e : new Error(String(e));
}

function failureOf(err: NodemailerError): SendFailure {
  return {
    message: err.message,
    ...(err.code !== undefined ? { code: err.code } : {}),
    ...(err.response !== undefined ? { response: err.response } : {}),
    ...(err.command !== undefined ? { command: err.command } : {}),
  };
}

function outcomeOf(c: ReturnType<typeof classifySendFailure>, remoteMta: string | undefined): DeliveryOutcome {
  const at = remoteMta !== undefined ? { remoteMta } : {};
  switch (c.kind) {
    case 'delivered':
      return { kind: 'delivered', reply: c.reply, remoteMta: remoteMta ?? '' };
    case 'deferred':
      return { kind: 'deferred', reply: c.reply, status: c.status, ...at };
    case 'bounced':
      return { kind: 'bounced', reply: c.reply, status: c.status, ...at };
  }
}
