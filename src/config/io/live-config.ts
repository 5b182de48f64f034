import type { Logger } from '../../base/log.js';
import { buildSnapshot, type RoutingSnapshot } from '../../routing/index.js';
import { configSavesInThisProcess, loadConfigVersion, loadCurrentConfig, type Db } from '../../store/index.js';
import { parseConfigText } from '../parse-config.js';
import type { Config } from '../schema.js';
import { toSnapshotInput } from '../to-snapshot-input.js';
import { EVENTS } from '../../base/events.js';

export interface LiveState {
  readonly version: number;
  readonly config: Config;
  readonly snapshot: RoutingSnapshot;
}

/**
 * How long a version read from the store answers for it. Each SMTP command asks for the
 * configuration, several times per message; one read per quarter second instead of one
 * per command is what lets `relaydesk apply` from another process take effect within
 * that time. A save by this process (console, desk) shows on the next command.
 */
export const CONFIG_VERSION_FRESH_MS = 250;

/**
 * The configuration a running server uses, always the newest applied version: each
 * SMTP command asks for it, and a changed version number (one indexed read) reloads
 * it, with no restart.
 */
export class LiveConfig {
  #state: LiveState;
  #loading: Promise<LiveState> | null = null;
  /** The last version read (or being read), when, and the count of this process's saves then. */
  #asked: { readonly version: Promise<number>; readonly at: number; readonly saves: number } | null = null;
  /** The newest stored version when it does not validate (read once, not on every command). */
  #unusable: { readonly version: number; readonly problems: readonly string[] } | null = null;

  private constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    initial: LiveState,
  ) {
    this.#state = initial;
  }

  static async open(db: Db, logger: Logger): Promise<LiveConfig> {
    const live = new LiveConfig(db, logger, emptyState());
    await live.current();
    return live;
  }

  /** The newest state; on a store error the last good state is kept and the error thrown. */
  async current(): Promise<LiveState> {
    const version = await this.#storedVersion();
    if (version === this.#state.version || version === this.#unusable?.version) return this.#state;
    this.#loading ??= this.#reload().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  /** Sessions asking at once share one read; a failed read is not remembered. */
  #storedVersion(): Promise<number> {
    const now = performance.now();
    const saves = configSavesInThisProcess();
    const last = this.#asked;
    if (last && last.saves === saves && now - last.at < CONFIG_VERSION_FRESH_MS) return last.version;
    const asked = { version: loadConfigVersion(this.db), at: now, saves };
    this.#asked = asked;
    asked.version.catch(() => {
      if (this.#asked === asked) this.#asked = null;
    });
    return asked.version;
  }

  /** The state last loaded, without asking the store (for code that must not wait). */
  get cached(): LiveState {
    return this.#state;
  }

  /**
   * Set when the newest stored version does not validate (a release that checks more than
   * the one that applied it) and no version was loaded at all: the node then has no rules
   * and must not refuse mail for good (550) on that account. See `current()`.
   */
  get unusable(): { readonly version: number; readonly problems: readonly string[] } | null {
    return this.#state.version === 0 ? this.#unusable : null;
  }

  async #reload(): Promise<LiveState> {
    const stored = await loadCurrentConfig(this.db);
    if (!stored) return this.#state;
    const parsed = parseConfigText(stored.yaml);
    if (!parsed.ok) {
      // A stored version always passed validation when applied; failing now means the
      // schema changed under it. Keep serving the last good rules and say so loudly.
      const problems = parsed.problems.slice(0, 20).map((p) => `${p.path}: ${p.message}`);
      this.#unusable = { version: stored.version, problems };
      this.logger.error(
        { event: EVENTS.configInvalidStored, version: stored.version, problems },
        `stored configuration version ${stored.version} no longer validates; ${this.#state.version > 0 ? `keeping version ${this.#state.version}` : 'mail gets 451 until a valid one is applied'}: ${problems.join('; ')}`,
      );
      return this.#state;
    }
    this.#unusable = null;
    const snapshot = buildSnapshot(toSnapshotInput(parsed.config, stored.version));
    this.#state = { version: stored.version, config: parsed.config, snapshot };
    this.logger.info({ event: EVENTS.configLoaded, version: stored.version, rules: parsed.config.defaultRouting.length }, 'configuration loaded');
    return this.#state;
  }
}

function emptyState(): LiveState {
  const parsed = parseConfigText('{}');
  if (!parsed.ok) throw new Error('the empty configuration must be valid');
  return { version: 0, config: parsed.config, snapshot: buildSnapshot(toSnapshotInput(parsed.config, 0)) };
}
