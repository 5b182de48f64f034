/**
 * The configuration as a JSON document, for the console's editors (domains, users, groups,
 * default routing): the same file as GET /api/config, read and written as an object
 * instead of text. A save goes through the same validation, diff and versioning as
 * `relaydesk apply`; a check does everything but save, so the editors can show problems
 * as the admin types.
 */
import { parse } from 'yaml';
import { configActorId, describeActor } from '../../../base/actors.js';
import { actorSchema } from '../../api/common-schemas.js';
import { z } from 'zod';
import {
  applyConfigText,
  configSchema,
  dryRunConfigText,
  exportConfigText,
  parseConfigText,
  ruleChanges,
  ruleKey,
  type Problem,
} from '../../../config/index.js';
import { isoTime } from '../../../desk/index.js';
import { listConfigVersions, loadConfigTexts, type Db } from '../../../store/index.js';
import { answeredAsGiven } from '../../api/openapi.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { documentSchema, toText } from './draft.js';
import { dryRunJson, dryRunSchema, problemJson as problemJsonOf, problemSchema } from './problems.js';
import { EVENTS } from '../../../base/events.js';

/** How far back "last changed" looks: older rules say "at or before". */
const HISTORY_DEPTH = 200;

const problemJson = (p: Problem) => problemJsonOf(p, { lines: false });

/**
 * The document as GET answers it: the file as the admin wrote it, so the shape of the
 * configuration's input (defaults left out). Saves take any object and report its problems.
 */
const savedDocumentSchema = answeredAsGiven(configSchema.describe('the configuration file as an object: the fields of the YAML reference, defaults left out'));

const ruleChangeSchema = z.object({
  version: z.number().int(),
  changedAt: z.string(),
  changedBy: z.string(),
  changedByActor: actorSchema,
  orEarlier: z.boolean().describe('the history kept ends before this rule changed: it may be older'),
});

/**
 * The rule keys of each stored version, per store: versions never change once saved, so each
 * is read and parsed once, not on every page load.
 */
const rulesByVersion = new WeakMap<Db, Map<number, readonly string[]>>();

/** The document in force and when each of its rules last changed, from one read of the history. */
async function documentWithChanges(db: Db) {
  const history = await listConfigVersions(db, HISTORY_DEPTH);
  let known = rulesByVersion.get(db);
  if (!known) rulesByVersion.set(db, (known = new Map()));
  const current = history[0];
  const missing = history.filter((v) => !known.has(v.version) || v === current).map((v) => v.version);
  const texts = await loadConfigTexts(db, missing);
  for (const [version, yaml] of texts) {
    const parsed = parseConfigText(yaml);
    known.set(version, parsed.ok ? parsed.config.defaultRouting.map(ruleKey) : []);
  }
  const versions = history.map((v) => ({ version: v.version, appliedAt: v.appliedAt, appliedBy: v.appliedBy, rules: known.get(v.version) ?? [] }));
  const complete = history.length < HISTORY_DEPTH || history[history.length - 1]?.version === 1;
  const changes = ruleChanges(versions, complete).map((c) => ({
    version: c.version,
    changedAt: isoTime(c.appliedAt),
    changedBy: c.appliedBy,
    changedByActor: describeActor(c.appliedBy),
    orEarlier: c.orEarlier,
  }));
  const yaml = current ? texts.get(current.version) : undefined;
  const document =
    yaml === undefined ? (parse((await exportConfigText(db)).yaml) as Record<string, unknown>) : ((parse(yaml) ?? {}) as Record<string, unknown>);
  return { version: current?.version ?? 0, document, ruleChanges: changes };
}

const get = defineRoute({
  method: 'GET',
  path: '/api/config/document',
  operationId: 'getConfigDocument',
  summary: 'The configuration in force as an object, with when and by whom each routing rule last changed (admin)',
  tag: 'config',
  action: 'config.manage',
  response: z.object({
    version: z.number().int().describe('send it back as `basedOn` when saving'),
    activeVersion: z.number().int().describe('the version this node routes mail with right now'),
    document: savedDocumentSchema,
    ruleChanges: z.array(ruleChangeSchema).describe('one per defaultRouting rule, in order'),
  }),
  failures: [403],
  async command({ deps }) {
    const [doc, active] = await Promise.all([documentWithChanges(deps.db), deps.live.current()]);
    return { version: doc.version, activeVersion: active.version, document: doc.document, ruleChanges: doc.ruleChanges };
  },
});

const check = defineRoute({
  method: 'POST',
  path: '/api/config/check',
  operationId: 'checkConfigDocument',
  summary: 'Validate a configuration object and say what saving it would change; nothing is saved (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ document: documentSchema }),
  response: dryRunSchema('document'),
  failures: [403],
  command: async ({ input: { body }, deps }) => dryRunJson(await dryRunConfigText(deps.db, toText(body.document), deps.now()), { lines: false }),
});

const put = defineRoute({
  method: 'PUT',
  path: '/api/config/document',
  operationId: 'saveConfigDocument',
  summary: 'Save a configuration object if the version in force is still `basedOn` (else 409); invalid input changes nothing (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ document: documentSchema, basedOn: z.number().int().min(0) }),
  response: z.object({
    version: z.number().int(),
    previousVersion: z.number().int(),
    applied: z.boolean(),
    activeVersion: z.number().int().describe('the version this node routes mail with after the save'),
    changes: z.array(z.string()),
    warnings: z.array(problemSchema),
  }),
  failures: [403, 409],
  async command({ input: { body }, principal, deps }) {
    const by = configActorId(principal);
    const r = await applyConfigText(deps.db, toText(body.document), { appliedBy: by, now: deps.now(), basedOn: body.basedOn });
    if (r.applied) deps.logger.info({ event: EVENTS.configApplied, version: r.version, by }, 'configuration saved from the console');
    // Load it now rather than at the next SMTP command, so the answer can say it is in force.
    const active = await deps.live.current();
    return {
      version: r.version,
      previousVersion: r.previousVersion,
      applied: r.applied,
      activeVersion: active.version,
      changes: [...r.changes],
      warnings: r.warnings.map(problemJson),
    };
  },
});

export const configDocumentRoutes: readonly ApiRoute[] = [get, check, put];
