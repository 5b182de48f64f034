/**
 * "Preview against recent mail": the envelopes stored in the last period planned with a draft
 * and with the version in force, and what would change. It reads envelopes only and sends
 * nothing; the planning is routing's pure replay, the same as `apply --dry-run --replay`.
 */
import { z } from 'zod';
import { parseDuration, replayDraft } from '../../../config/index.js';
import { isoTime } from '../../../desk/index.js';
import { loadConfigVersion } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { checkedDraft, documentSchema } from './draft.js';

/** Past this a preview reads more mail than an admin waits for; `apply --replay` has no such bound. */
const MAX_PERIOD_MS = 90 * 24 * 3600_000;

const period = z
  .string()
  .max(16)
  .refine((v) => (parseDuration(v) ?? 0) > 0, { error: 'write the period like 1h, 24h or 7d' })
  .refine((v) => (parseDuration(v) ?? 0) <= MAX_PERIOD_MS, { error: 'the period can be at most 90d; preview a shorter one' })
  .describe('how far back to look, like 1h, 24h or 7d (at most 90d)');

const countSchema = z.object({ messages: z.number().int(), examples: z.array(z.string()).describe('up to 3 queue ids, for the email log') });

const planSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reject'), reply: z.string().describe('the SMTP code and enhanced code, such as 550 5.7.1') }),
  z.object({
    kind: z.literal('accept'),
    targets: z.array(z.object({ recipient: z.string(), transport: z.string(), route: z.string().nullable(), held: z.boolean() })),
  }),
]);

const replay = defineRoute({
  method: 'POST',
  path: '/api/config/replay',
  operationId: 'replayConfigDocument',
  summary:
    'Plan the mail stored in the last period with a configuration object and with the version in force, and say what would change; nothing is sent or saved (admin)',
  tag: 'config',
  action: 'config.manage',
  body: z.strictObject({ document: documentSchema, period }),
  response: z.object({
    period: z.string(),
    since: z.string(),
    until: z.string(),
    version: z.number().int().describe('the version in force the draft was compared with'),
    messages: z.number().int().describe('the messages stored in the period'),
    rules: z
      .array(z.object({ index: z.number().int(), description: z.string(), messages: z.number().int() }))
      .describe("each of the draft's rules and how many messages it would take"),
    changes: z.array(
      countSchema.extend({
        recipient: z.string(),
        before: z.string(),
        after: z.string(),
        plans: z.object({ before: planSchema, after: planSchema }),
      }),
    ),
    rejected: countSchema.describe('messages with a recipient accepted now that the draft would reject'),
    held: countSchema.describe('messages with a copy the draft would hold (quarantine rule or spam) where none is held now'),
  }),
  failures: [403],
  async command({ input: { body }, deps }) {
    const now = deps.now();
    const draft = await checkedDraft(deps.db, body.document, now);
    const since = now - (parseDuration(body.period) ?? 0);
    const [report, version] = await Promise.all([replayDraft(deps.db, draft, { since, until: now }), loadConfigVersion(deps.db)]);
    return { period: body.period, since: isoTime(since), until: isoTime(now), version, ...report };
  },
});

export const configReplayRoutes: readonly ApiRoute[] = [replay];
