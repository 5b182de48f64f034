/**
 * An SMTP sink on 127.0.0.1 (port 0) that counts, for pacing tests, connections open at once
 * and messages under way at once (MAIL FROM to the reply after DATA): the most ever, and the
 * most since a mark. It can answer "421 4.7.0 Try again later" at the end of DATA for a number
 * of messages once it has accepted a given number.
 */
import { SMTPServer } from 'smtp-server';

export interface CountingSink {
  readonly port: number;
  /** The Message-ID of each message accepted, in order (a duplicate delivery shows twice). */
  readonly accepted: readonly string[];
  /** When each of `accepted` was answered (ms since the epoch), in the same order. */
  readonly acceptedAt: readonly number[];
  /** Connections open now, and the most open at once since start or the last `mark()`. */
  readonly open: number;
  readonly maxOpen: number;
  /** How many DATA were answered 421. */
  readonly tryLaterSent: number;
  /** Messages under way now, and the most at once since start or the last `mark()`. */
  readonly busy: number;
  readonly maxBusy: number;
  /** From now on, `maxOpen` and `maxBusy` count anew (from what is open and under way now). */
  mark(): void;
  waitForAccepted(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCountingSink(opts: {
  /** Milliseconds between the end of DATA and the reply: connections stay busy that long. */
  dataDelay: number;
  /** After this many accepted messages, the next `tryLaterCount` DATA get 421. */
  tryLaterAfter?: number;
  tryLaterCount?: number;
}): Promise<CountingSink> {
  const accepted: string[] = [];
  const acceptedAt: number[] = [];
  let open = 0;
  let maxOpen = 0;
  let tryLaterSent = 0;
  let busy = 0;
  let maxBusy = 0;
  const server = new SMTPServer({
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['AUTH'],
    hideSTARTTLS: true,
    closeTimeout: 1,
    logger: false,
    onConnect(_session, callback) {
      open++;
      maxOpen = Math.max(maxOpen, open);
      callback();
    },
    onClose() {
      open--;
    },
    onMailFrom(_address, _session, callback) {
      busy++;
      maxBusy = Math.max(maxBusy, busy);
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        setTimeout(() => {
          busy--;
          if (opts.tryLaterAfter !== undefined && accepted.length >= opts.tryLaterAfter && tryLaterSent < (opts.tryLaterCount ?? 0)) {
            tryLaterSent++;
            const err = new Error('4.7.0 Try again later') as Error & { responseCode: number };
            err.responseCode = 421;
            return callback(err);
          }
          accepted.push(/^Message-Id: (<[^>]+>)/im.exec(Buffer.concat(chunks).toString())?.[1] ?? '?');
          acceptedAt.push(Date.now());
          callback(null, 'Ok: recorded');
        }, opts.dataDelay);
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('counting sink: no TCP address');
  return {
    port: address.port,
    accepted,
    acceptedAt,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    get tryLaterSent() {
      return tryLaterSent;
    },
    get busy() {
      return busy;
    },
    get maxBusy() {
      return maxBusy;
    },
    mark() {
      maxOpen = open;
      maxBusy = busy;
    },
    async waitForAccepted(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.length < count) {
        if (Date.now() > deadline) throw new Error(`counting sink: ${accepted.length} of ${count} messages within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
