import os from 'node:os';
import { RelaydeskError } from '../../base/errors.js';
import { randomToken } from '../../base/ids.js';
import { silentLogger, type Logger } from '../../base/log.js';
import { parseConfigText, toSnapshotInput } from '../../config/index.js';
import { LiveConfig } from '../../config/index.js';
import { buildSnapshot } from '../../routing/index.js';
import { loadCurrentConfig, loadOrCreateSecret, type Db } from '../../store/index.js';
import { slaSettingsOf } from '../sla.js';
import type { DeskContext } from './desk-service.js';
import type { DeskDeps } from './intake-worker.js';
import { deskKeys, type DeskKeys } from './outgoing.js';

/** The desk's keys (loop id, reply-address signatures), made once per installation. */
export async function loadDeskKeys(db: Db): Promise<DeskKeys> {
  return deskKeys(await loadOrCreateSecret(db, 'desk', () => randomToken(32)));
}

/**
 * What an agent's action needs, from the configuration stored last: for the CLI, which
 * runs beside a server and reads the same store.
 */
export async function loadDeskContext(db: Db, opts: { hostname?: string; now?: number } = {}): Promise<DeskContext> {
  const current = await loadCurrentConfig(db);
  const parsed = parseConfigText(current?.yaml ?? '{}');
  if (!parsed.ok) throw new RelaydeskError('CONFIG_INVALID', 'the stored configuration does not validate; apply a corrected one');
  return {
    db,
    snapshot: buildSnapshot(toSnapshotInput(parsed.config, current?.version ?? 0)),
    deskDomain: parsed.config.desk?.domain ?? null,
    channels: parsed.config.desk?.channels ?? [],
    hostname: opts.hostname ?? os.hostname(),
    keys: await loadDeskKeys(db),
    now: opts.now ?? Date.now(),
    sla: slaSettingsOf(parsed.config.desk),
  };
}

/** The same for a running server: the live configuration, this node's name and keys. */
export async function liveDeskContext(x: { db: Db; live: LiveConfig; hostname: string; keys: DeskKeys; now: number }): Promise<DeskContext> {
  const state = await x.live.current();
  return {
    db: x.db,
    snapshot: state.snapshot,
    deskDomain: state.config.desk?.domain ?? null,
    channels: state.config.desk?.channels ?? [],
    hostname: x.hostname,
    keys: x.keys,
    now: x.now,
    sla: slaSettingsOf(state.config.desk),
  };
}

/** What the intake needs when an admin runs it again (recover, retry) outside the queue. */
export async function loadDeskDeps(
  db: Db,
  opts: { hostname?: string; logger?: Logger; wake?: () => void; live?: LiveConfig; keys?: DeskKeys } = {},
): Promise<DeskDeps> {
  const logger = opts.logger ?? silentLogger;
  return {
    db,
    live: opts.live ?? (await LiveConfig.open(db, logger)),
    clock: { now: () => Date.now() },
    logger,
    hostname: opts.hostname ?? os.hostname(),
    keys: opts.keys ?? (await loadDeskKeys(db)),
    wake: opts.wake ?? (() => undefined),
  };
}
