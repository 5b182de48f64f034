import type { Logger } from '../../base/log.js';
import type { LiveConfig } from '../../config/index.js';
import { liveDeskContext, type DeskContext, type DeskDeps, type DeskKeys } from '../../desk/index.js';
import type { SmtpSenderOptions } from '../../outbound/index.js';
import type { Db, StoreHealth } from '../../store/index.js';

/** What the API's commands need: the store, the live configuration, our name and keys. */
export interface ApiDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly live: LiveConfig;
  readonly hostname: string;
  readonly keys: DeskKeys;
  /** Mail was queued (an answer, a recovered message's ack): deliver it now. */
  readonly wake: () => void;
  readonly now: () => number;
  /** This node's SMTP listener, for test mails through the whole inbound path; absent without the inbound role. */
  readonly smtp?: { readonly host: string; readonly port: number };
  /** MX lookups for a test message sent out by MX; default the system's DNS. */
  readonly resolver?: SmtpSenderOptions['resolver'];
  /** Told when a request met a store that does not answer (/healthz reports it). */
  readonly health?: StoreHealth;
}

export const deskContextOf = (deps: ApiDeps): Promise<DeskContext> =>
  liveDeskContext({ db: deps.db, live: deps.live, hostname: deps.hostname, keys: deps.keys, now: deps.now() });

export const deskDepsOf = (deps: ApiDeps): DeskDeps => ({
  db: deps.db,
  live: deps.live,
  clock: { now: deps.now },
  logger: deps.logger,
  hostname: deps.hostname,
  keys: deps.keys,
  wake: deps.wake,
});
