import type { Socket } from 'node:net';
import { randomToken } from '../../base/ids.js';
import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions } from 'smtp-server';
// The connection class is not part of the package's typed API; the version is pinned
// in package.json and `prompt-smtp-server.int.test.ts` fails if its shape changes.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { decideIdleTimeout } from '../accept.js';
import { unstuffingFeed } from './data-unstuffing.js';

/** The one enhanced status code a reply text may start with, e.g. "5.7.1 Relaying denied". */
const ENHANCED_PREFIX = /^([245]\.\d{1,3}\.\d{1,3}) (.*)$/s;

export interface PromptServerOptions extends SMTPServerOptions {
  /**
   * Milliseconds to wait before the greeting. smtp-server waits a fixed 100 ms to catch
   * clients that talk before the banner; that alone caps one-message-per-connection
   * traffic at ~10 messages/s per concurrent session. We greet at once by default
   * (Postfix's smtpd does too; early-talker detection belongs to a postscreen-like
   * front, which can be set here when wanted).
   */
  greetingDelayMs?: number;
  /**
   * The idle timeout while more than 80 % of `maxClients` are in use (Postfix's stress
   * mode); `socketTimeout` holds otherwise. Unset: `socketTimeout` always.
   */
  pressureSocketTimeout?: number;
  /** Told when the pressure timeout starts or stops applying, with the sessions open then. */
  onPressureChange?: (underPressure: boolean, open: number) => void;
  /** Told when a client is turned away because `maxClients` sessions are open. */
  onClientLimit?: () => void;
}

/** An address from MAIL FROM or RCPT TO, with the bytes the client wrote between < and >. */
export interface WrittenAddress extends SMTPServerAddress {
  readonly written: Buffer;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the connection class and its members have no types (see the import above) */
class PromptConnection extends (SMTPConnection as any) {
  #enhanced: string | null = null;
  #delay: number;

  constructor(server: any, socket: Socket, options: unknown, delay: number) {
    super(server, socket, options);
    this.#delay = delay;
  }

  /** Same as the library's init, without the fixed pause (see PromptServerOptions). */
  init(): void {
    const self = this as any;
    self._setListeners(() => {
      if (self._server.shutdownReply) return this.sayShuttingDown();
      if (self._server.options.maxClients && self._server.connections.size > self._server.options.maxClients) {
        self._server.options.onClientLimit?.();
        return self.send(421, self.name + ' Too many connected clients, try again in a moment', false);
      }
      if (this.#delay > 0) setTimeout(() => self.connectionReady(), this.#delay).unref();
      else self.connectionReady();
    });
  }

  /**
   * 421 and close, with the enhanced code as part of the text: it is the same line whether or
   * not the client said EHLO (the library leaves the code out before it).
   */
  sayShuttingDown(): void {
    const self = this as any;
    (SMTPConnection as any).prototype.send.call(this, 421, self._server.shutdownReply, false);
    self.close();
  }

  /** Whether a message is being received (DATA sent, its reply not yet). */
  get inData(): boolean {
    return Boolean((this as any)._dataStream);
  }

  /** While the server shuts down, every command but QUIT is answered 421 (RFC 5321 3.8). */
  _onCommand(command: unknown, callback: () => void): unknown {
    const self = this as any;
    if (self._server.shutdownReply && self._ready && !self._upgrading && !/^QUIT\b/i.test(String(command ?? ''))) {
      this.sayShuttingDown();
      return callback?.();
    }
    return (super._onCommand as any)(command, callback);
  }

  /** Lets a handler choose the enhanced status code by starting its text with it. */
  send(code: number, data: unknown, context?: unknown): unknown {
    if (typeof data === 'string') {
      const m = ENHANCED_PREFIX.exec(data);
      if (m) {
        this.#enhanced = m[1]!;
        try {
          return (super.send as any)(code, m[2], context);
        } finally {
          this.#enhanced = null;
        }
      }
    }
    return (super.send as any)(code, data, context);
  }

  _getEnhancedStatusCode(code: number, context: unknown): string {
    if (this.#enhanced && context !== false && !(this as any)._server.options.hideENHANCEDSTATUSCODES) return this.#enhanced;
    return (super._getEnhancedStatusCode as any)(code, context);
  }

  /**
   * The library's parse, plus the address as written. The library decodes the command line
   * as UTF-8 (bad bytes become U+FFFD) and turns an A-label domain into Unicode, so only the
   * bytes can tell bad UTF-8 from a real U+FFFD, and a non-ASCII address from an ASCII one.
   */
  _parseAddressCommand(name: string, command: unknown): unknown {
    const parsed = (super._parseAddressCommand as any)(name, command);
    if (parsed && Buffer.isBuffer(command)) {
      // The library accepted exactly one "<…>" with no "<" or ">" inside: the first pair.
      const start = command.indexOf(0x3c);
      const end = command.indexOf(0x3e, start + 1);
      parsed.written = Buffer.from(command.subarray(start + 1, end));
    }
    return parsed;
  }

  /**
   * The library's command parser, which finds the end of DATA and its escape dots by a
   * native search instead of a loop over the bytes (see data-unstuffing.ts). Called for
   * each connection and again after STARTTLS.
   */
  _createParser(): unknown {
    const parser = (super._createParser as any)();
    parser._feedDataStream = unstuffingFeed;
    return parser;
  }

  /**
   * 221, then the connection is released as soon as the reply is written (RFC 5321 4.1.1.10:
   * the server closes after it). The library ends its side and waits for the client's FIN,
   * but many clients reset the connection after QUIT instead, and reading that reset costs
   * an error object with its stack for every session: about 2 % of the event loop when
   * every message comes on a connection of its own.
   */
  handler_QUIT(command: unknown, callback: () => void): void {
    const socket = (this as any)._socket as Socket;
    (super.handler_QUIT as any)(command, callback);
    if (!socket.destroyed && !socket.writableFinished) socket.once('finish', () => socket.destroy());
  }

  /** The library's close handling, then a word to the server: one place fewer is taken. */
  _onClose(): void {
    (super._onClose as any)();
    (this as any)._server.connectionsChanged();
  }
}

/**
 * Session ids (logs, per-session state): a random prefix per process and a counter, 16
 * characters like the library's. The library draws 10 random bytes per connection, which
 * was 1.7 % of the gateway's time with one 4 KiB message per connection.
 */
const SESSION_ID_PREFIX = randomToken(8);
let sessionCount = 0;
export function nextSessionId(): string {
  sessionCount = (sessionCount + 1) % 36 ** 8;
  return SESSION_ID_PREFIX + sessionCount.toString(36).padStart(8, '0');
}

/** smtp-server's own idle timeout when none is given. */
const LIBRARY_SOCKET_TIMEOUT_MS = 60_000;

export class PromptSMTPServer extends SMTPServer {
  readonly #delay: number;
  readonly #idleTimeout: number;
  readonly #pressureTimeout: number | undefined;
  readonly #onPressureChange: ((underPressure: boolean, open: number) => void) | undefined;
  #applied: number;
  /** Set by `shutDown`: the reply every new connection and every command but QUIT gets. */
  shutdownReply: string | null = null;

  constructor(options: PromptServerOptions) {
    super(options);
    this.#delay = options.greetingDelayMs ?? 0;
    this.#idleTimeout = options.socketTimeout ?? LIBRARY_SOCKET_TIMEOUT_MS;
    this.#pressureTimeout = options.pressureSocketTimeout;
    this.#onPressureChange = options.onPressureChange;
    this.#applied = this.#idleTimeout;
  }

  /**
   * The library's, with our session id. A socket that sends a PROXY header first takes the
   * library's way unchanged (it reads the header and makes the id itself).
   */
  override _handleProxy(socket: Socket, callback: Parameters<SMTPServer['_handleProxy']>[1]): void {
    if (this._expectsProxyHeader(socket)) return super._handleProxy(socket, callback);
    const ignored = this.options.ignoredHosts;
    const socketOptions = { id: nextSessionId(), ignore: Boolean(ignored && socket.remoteAddress !== undefined && ignored.includes(socket.remoteAddress)) };
    setImmediate(() => callback(null, socketOptions));
  }

  /** Replaces the library's `connect` only to use PromptConnection. */
  override connect(socket: Socket, socketOptions: unknown): void {
    const self = this as any;
    const connection = new PromptConnection(this, socket, socketOptions, this.#delay) as any;
    self.connections.add(connection);
    connection.on('error', (err: Error) => self._onError(err));
    connection.on('connect', (data: unknown) => self._onClientConnect(data));
    // Before init, which arms the new socket with the timeout in force.
    this.connectionsChanged();
    connection.init();
  }

  /**
   * Starts a shutdown: the listening socket stays open so that new clients hear why they
   * are turned away (421) instead of a refused connection; sessions that are not receiving
   * a message are told and closed now, the others once their message has its reply.
   */
  shutDown(reply: string): void {
    this.shutdownReply = reply;
    for (const c of (this as any).connections as Set<PromptConnection>) if (!c.inData) c.sayShuttingDown();
  }

  /** Sessions receiving a message now. */
  get sessionsInData(): number {
    let n = 0;
    for (const c of (this as any).connections as Set<PromptConnection>) if (c.inData) n++;
    return n;
  }

  /** Sessions open now. */
  get sessionsOpen(): number {
    return ((this as any).connections as Set<unknown>).size;
  }

  /** Ends a shutdown: whoever is still connected is told and closed. */
  closeRemaining(): void {
    for (const c of (this as any).connections as Set<PromptConnection>) c.sayShuttingDown();
  }

  /**
   * Sets the idle timeout that the number of open sessions calls for, on every open
   * socket when it changes (the library arms new sockets from `options.socketTimeout`).
   */
  connectionsChanged(): void {
    if (this.#pressureTimeout === undefined) return;
    const self = this as any;
    const open: number = self.connections.size;
    const timeout = decideIdleTimeout({
      open,
      maxClients: self.options.maxClients ?? Infinity,
      idleTimeoutMs: this.#idleTimeout,
      pressureIdleTimeoutMs: this.#pressureTimeout,
    });
    if (timeout === this.#applied) return;
    this.#applied = timeout;
    self.options.socketTimeout = timeout;
    // Without a callback this only re-arms the timer; the connection's own listener stays.
    for (const c of self.connections) c._socket?.setTimeout(timeout);
    this.#onPressureChange?.(timeout !== this.#idleTimeout, open);
  }
}

/** An error whose reply smtp-server sends as "<code> <enhanced> <text>". */
export function smtpError(code: number, enhanced: string, text: string): Error & { responseCode: number } {
  const err = new Error(`${enhanced} ${text.replace(/[\r\n]+/g, ' ')}`) as Error & { responseCode: number };
  err.responseCode = code;
  return err;
}
