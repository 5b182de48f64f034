import { z } from 'zod';
import type { Problem } from '../../../config/index.js';
import { applyConfigText, dryRunConfigText, exportConfigText } from '../../../config/index.js';
import { isoTime } from '../../../desk/index.js';
import { listConfigVersions } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { dryRunJson, dryRunSchema, problemJson as problemJsonOf, problemSchema } from './problems.js';
import { EVENTS } from '../../../base/events.js';
import { configActorId, describeActor } from '../../../base/actors.js';
import { actorSchema } from '../../api/common-schemas.js';

/** The YAML file's size limit: far above any real configuration, far below the body limit. */
const YAML_MAX = 512 * 1024;

const problemJson = (p: Problem) => problemJsonOf(p, { lines: true });

const yamlText = z.string().max(YAML_MAX, `the YAML is larger than ${YAML_MAX / 1024} KiB`);

const get = defineRoute({
  method: 'GET',
  path: '/api/config',
  operationId: 'exportConfig',
  summary: 'The configuration in force as YAML, with its version (admin)',
  tag: 'config',
  action: 'config.manage',
  response: z.object({ version: z.number().int(), yaml: z.string() }),
  failures: [403],
  command: ({ deps }) => exportConfigText(deps.db),
});

const diff = defineRoute({
  method: 'POST',
  path: '/api/config/diff',
  operationId: 'diffConfig',
  summary: 'What applying this YAML would change, or its problems; nothing is applied (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ yaml: yamlText }),
  response: dryRunSchema('YAML'),
  failures: [403],
  command: async ({ input: { body }, deps }) => dryRunJson(await dryRunConfigText(deps.db, body.yaml, deps.now()), { lines: true }),
});

const put = defineRoute({
  method: 'PUT',
  path: '/api/config',
  operationId: 'applyConfig',
  summary: 'Apply this YAML if the version in force is still `basedOn` (else 409); invalid YAML changes nothing (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ yaml: yamlText, basedOn: z.number().int().min(0).describe('the version the YAML was edited from (GET /api/config)') }),
  response: z.object({
    version: z.number().int(),
    previousVersion: z.number().int(),
    applied: z.boolean(),
    changes: z.array(z.string()),
    warnings: z.array(problemSchema),
  }),
  failures: [403, 409],
  async command({ input: { body }, principal, deps }) {
    // basedOn is checked against the version the save itself is based on: no window between.
    const by = configActorId(principal);
    const r = await applyConfigText(deps.db, body.yaml, { appliedBy: by, now: deps.now(), basedOn: body.basedOn });
    if (r.applied) deps.logger.info({ event: EVENTS.configApplied, version: r.version, by }, 'configuration applied from the console');
    return { version: r.version, previousVersion: r.previousVersion, applied: r.applied, changes: [...r.changes], warnings: r.warnings.map(problemJson) };
  },
});

const versions = defineRoute({
  method: 'GET',
  path: '/api/config/versions',
  operationId: 'listConfigVersions',
  summary: 'The latest configuration versions: who applied each, when, and what changed (admin)',
  tag: 'config',
  action: 'config.manage',
  response: z.object({
    items: z.array(z.object({ version: z.number().int(), appliedAt: z.string(), appliedBy: z.string(), appliedByActor: actorSchema, summary: z.string() })),
  }),
  failures: [403],
  command: async ({ deps }) => ({
    items: (await listConfigVersions(deps.db)).map((v) => ({ ...v, appliedAt: isoTime(v.appliedAt), appliedByActor: describeActor(v.appliedBy) })),
  }),
});

export const configRoutes: readonly ApiRoute[] = [get, diff, put, versions];
