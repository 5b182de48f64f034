import type { Logger } from '../base/log.js';
import { describeStoreError, isTransientStoreError } from './errors.js';
import { EVENTS } from '../base/events.js';

export interface StoreHealthState {
  /** Whether the store answered the last time it was asked. */
  readonly ok: boolean;
  /** What went wrong, for people (null while it answers). */
  readonly error: string | null;
  /** Since when it has been in this state (milliseconds since the epoch). */
  readonly since: number;
}

/** Asked this often while the store answers, and more often while it does not. */
const PROBE_UP_MS = 5_000;
const PROBE_DOWN_MS = 1_000;

/**
 * Whether the store answers, as the node sees it: a probe asks on a timer, and every
 * component that meets a store error may say so at once (`saw`), so /healthz and the logs
 * tell an admin why the node answers 451 and 503, and when it recovered.
 */
export class StoreHealth {
  #state: StoreHealthState;
  #timer: NodeJS.Timeout | null = null;
  #probing = false;

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly deps: { readonly now: () => number; readonly logger: Logger },
  ) {
    this.#state = { ok: true, error: null, since: deps.now() };
  }

  get state(): StoreHealthState {
    return this.#state;
  }

  start(): void {
    if (this.#timer) return;
    this.#schedule();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A component's store operation ended: with a transient store error, or well (null). */
  saw(e: unknown): void {
    if (e === null) return this.#set(null);
    if (!isTransientStoreError(e)) return;
    this.#set(describeStoreError(e));
    // Probe soon: the store may be back in a second.
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#schedule();
    }
  }

  /** Asks the store now; resolves with the state after asking. */
  async check(): Promise<StoreHealthState> {
    if (this.#probing) return this.#state;
    this.#probing = true;
    try {
      await this.probe();
      this.#set(null);
    } catch (e) {
      this.#set(describeStoreError(e));
    } finally {
      this.#probing = false;
    }
    return this.#state;
  }

  #schedule(): void {
    this.#timer = setTimeout(
      () => {
        void this.check().finally(() => {
          if (this.#timer) this.#schedule();
        });
      },
      this.#state.ok ? PROBE_UP_MS : PROBE_DOWN_MS,
    );
    this.#timer.unref();
  }

  #set(error: string | null): void {
    const was = this.#state;
    if (error === null && was.ok) return;
    if (error !== null && !was.ok) {
      this.#state = { ...was, error };
      return;
    }
    const now = this.deps.now();
    this.#state = { ok: error === null, error, since: now };
    if (error === null)
      this.deps.logger.warn(
        { event: EVENTS.storeRecovered, downMs: now - was.since },
        `the store answers again after ${Math.round((now - was.since) / 1000)} s`,
      );
    else
      this.deps.logger.error(
        { event: EVENTS.storeUnavailable, err: error },
        `the store does not answer: ${error}; SMTP answers 451 and the queue waits until it is back`,
      );
  }
}
