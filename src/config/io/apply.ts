import { parseDocument } from 'yaml';
import { RelaydeskError } from '../../base/errors.js';
import { randomToken } from '../../base/ids.js';
import { newInboundAddress } from '../../desk/light.js';
import {
  listDeskChannels,
  listUsers,
  loadConfigTexts,
  loadSecrets,
  writeSecrets,
  loadConfigVersion,
  loadCurrentConfig,
  rotateInboundAddress,
  saveConfigVersion,
  syncDeskChannels,
  type Db,
} from '../../store/index.js';
import type { Problem } from '../../routing/index.js';
import { diffConfig } from '../diff.js';
import { describeProblem } from '../format-problem.js';
import { problemText } from '../../base/problem-texts.js';
import { planImapSecrets, storedImapSecrets } from '../imap-secrets.js';
import { parseConfigText } from '../parse-config.js';
import { renderConfigYaml } from '../render-config.js';
import type { Config } from '../schema.js';

export interface ApplyResult {
  /** The version now in force (unchanged on a dry run or when nothing changed). */
  readonly version: number;
  readonly previousVersion: number;
  readonly changes: readonly string[];
  readonly warnings: readonly Problem[];
  readonly applied: boolean;
}

/**
 * Validates the whole text first; on any error nothing is written and every problem
 * is in the error's details. On success the new version is one row: a running
 * server sees it within CONFIG_VERSION_FRESH_MS (at its next SMTP command when it
 * runs in this process).
 */
export async function applyConfigText(
  db: Db,
  text: string,
  opts: {
    appliedBy: string;
    now: number;
    dryRun?: boolean;
    /** Refuse (CONFLICT) unless this version is still in force. */
    basedOn?: number;
    /** A channel's new inbound address, stored with this version or not at all (`desk rotate --update-rules`). */
    rotation?: { channelId: string; address: string };
  },
): Promise<ApplyResult> {
  // An empty file (a truncated copy, `-f -` with nothing piped) would otherwise apply as
  // "remove everything"; whoever means that writes `{}`.
  if (parseDocument(text).contents === null) {
    throw new ConfigInvalidError([
      {
        path: '',
        message: 'the file is empty (or only comments), and applying it would remove the whole configuration; write `{}` if that is what you mean',
        severity: 'error',
        ...problemText('empty-file', {}),
      },
    ]);
  }
  const channels = await listDeskChannels(db);
  const rotation = opts.rotation;
  // Checked as the store will be once the rotation is saved with it.
  const accounts = (await listUsers(db)).map((u) => ({ email: u.email, disabled: u.disabled }));
  const parsed = parseConfigText(text, {
    accounts,
    deskAddresses: channels.flatMap((c) => {
      const rotated = c.id === rotation?.channelId;
      const addresses = c.inboundAddresses.map((a) => ({ address: a.address, channel: c.name, retired: a.retired || rotated }));
      return rotated ? [...addresses, { address: rotation.address, channel: c.name, retired: false }] : addresses;
    }),
  });
  if (!parsed.ok) throw new ConfigInvalidError(parsed.problems);
  const current = await loadCurrentConfig(db);
  const before = current ? parseStored(current.yaml) : null;
  const known = await loadSecrets(db, [...new Set([...storedImapSecrets(before), ...storedImapSecrets(parsed.config)])]);
  const secrets = planImapSecrets(before, parsed.config, known, () => randomToken(16));
  if (secrets.problems.length > 0) throw new ConfigInvalidError([...secrets.problems, ...parsed.warnings]);
  const config = secrets.config;
  const changes = diffConfig(before, config);
  const previousVersion = current?.version ?? 0;
  if (opts.basedOn !== undefined && opts.basedOn !== previousVersion) {
    throw new RelaydeskError(
      'CONFLICT',
      `the configuration changed since it was loaded (now version ${previousVersion}, edited from version ${opts.basedOn}); reload it, redo the change and apply again`,
    );
  }
  if (opts.dryRun || (current && changes.length === 0)) {
    return { version: previousVersion, previousVersion, changes, warnings: parsed.warnings, applied: false };
  }
  const yaml = renderConfigYaml(config);
  const desk = config.desk;
  let created: string[] = [];
  // The version and the channels it creates are one change: both or neither.
  const version = await saveConfigVersion(
    db,
    { basedOn: previousVersion, yaml, appliedBy: opts.appliedBy, summary: changes.slice(0, 20).join('\n'), now: opts.now },
    async (trx) => {
      if (rotation) await rotateInboundAddress(trx, { ...rotation, now: opts.now });
      await writeSecrets(trx, secrets.put, secrets.drop);
      if (!desk) return;
      created = await syncDeskChannels(trx, {
        channels: desk.channels.map((c) => ({ name: c.name, kind: c.kind, publicAddress: c.publicAddress, autoAcknowledge: c.autoAcknowledge })),
        now: opts.now,
        newId: () => `ch_${randomToken(12)}`,
        // The seed's shape: support@v1su0245ewejzhe7.case.my-crm.com
        newAddress: (c) => newInboundAddress(c.kind, desk.domain, randomToken(16)),
      });
    },
  );
  return { version, previousVersion, changes: [...changes, ...created], warnings: parsed.warnings, applied: true };
}

export interface DryRun {
  /** False when the text has errors; `problems` lists them. */
  readonly ok: boolean;
  /** The version compared with. */
  readonly version: number;
  readonly changes: readonly string[];
  readonly warnings: readonly Problem[];
  readonly problems: readonly Problem[];
}

/** What applying the text would change, or every problem it has; nothing is written. */
export async function dryRunConfigText(db: Db, text: string, now: number): Promise<DryRun> {
  try {
    const r = await applyConfigText(db, text, { appliedBy: 'dry-run', now, dryRun: true });
    return { ok: true, version: r.version, changes: r.changes, warnings: r.warnings, problems: [] };
  } catch (e) {
    if (!(e instanceof ConfigInvalidError)) throw e;
    return {
      ok: false,
      version: await loadConfigVersion(db),
      changes: [],
      warnings: e.problems.filter((p) => p.severity === 'warning'),
      problems: e.problems.filter((p) => p.severity !== 'warning'),
    };
  }
}

/** CONFIG_INVALID carrying the problems as values too, for `apply --json`. */
export class ConfigInvalidError extends RelaydeskError {
  constructor(readonly problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    super(
      'CONFIG_INVALID',
      `the configuration has ${errors} problem${errors === 1 ? '' : 's'}; nothing was changed`,
      problems.map((p) => describeProblem(p)),
    );
  }
}

export async function exportConfigText(db: Db): Promise<{ version: number; yaml: string }> {
  const current = await loadCurrentConfig(db);
  if (!current) return { version: 0, yaml: renderConfigYaml(emptyConfig()) };
  return { version: current.version, yaml: current.yaml };
}

/** The configuration in force and its version; before the first apply, the empty one as version 0. */
export async function loadConfigInForce(db: Db): Promise<{ version: number; config: Config }> {
  const current = await loadCurrentConfig(db);
  if (!current) return { version: 0, config: emptyConfig() };
  const config = parseStored(current.yaml);
  if (!config) {
    throw new RelaydeskError(
      'CONFIG_INVALID',
      `the configuration in force (version ${current.version}) does not pass this release's checks; run relaydesk apply --dry-run -f on its export to see why, then fix and apply it`,
    );
  }
  return { version: current.version, config };
}

/**
 * A stored version, such as the one that routed a message (its `configVersion`); version 0
 * is the empty configuration used before the first apply.
 */
export async function loadConfigOfVersion(db: Db, version: number): Promise<Config> {
  if (version === 0) return emptyConfig();
  const yaml = (await loadConfigTexts(db, [version])).get(version);
  if (yaml === undefined)
    throw new RelaydeskError('NOT_FOUND', `configuration version ${version} is not in the store; GET /api/config/versions lists those kept`);
  const config = parseStored(yaml);
  if (!config) {
    throw new RelaydeskError(
      'CONFLICT',
      `configuration version ${version} does not pass this release's checks, so it cannot be explained; explain against the version in force instead`,
    );
  }
  return config;
}

function parseStored(yaml: string): Config | null {
  const r = parseConfigText(yaml);
  return r.ok ? r.config : null;
}

function emptyConfig(): Config {
  const r = parseConfigText('{}');
  if (!r.ok) throw new Error('the empty configuration must be valid');
  return r.config;
}
