/**
 * How the configuration routes answer with problems, and with a dry run: the same shape for
 * the YAML (with line numbers) and for the document the console edits (without).
 */
import { z } from 'zod';
import type { Problem } from '../../../config/index.js';
import { describeProblem, type DryRun } from '../../../config/index.js';

export const problemSchema = z.object({
  path: z.string().describe('where, such as defaultRouting[2].match.pattern'),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
  line: z.number().int().optional().describe('the line in the YAML, when the problem came from text'),
  text: z.string().describe('the problem as one line, as `relaydesk apply` prints it'),
  code: z
    .enum([
      'desk-address-retired',
      'desk-address-unknown',
      'assignment-agent-invalid',
      'assignment-agent-unknown',
      'assignment-agent-disabled',
      'assignment-sales-channel',
      'assignment-channel-unknown',
      'assignment-domain-invalid',
      'assignment-rule-shadows',
    ])
    .optional()
    .describe(
      "desk-address-*: a rule sends mail to a retired or unknown desk address, which the desk refuses (the routing table flags the rule); assignment-*: a problem of desk.assignment or a channel's agents",
    ),
});

/** A document has no lines: its problems are placed by path alone. */
export const problemJson = (p: Problem, opts: { lines: boolean }) => {
  const shown = opts.lines ? p : { ...p, line: undefined };
  return {
    path: p.path,
    message: p.message,
    severity: p.severity,
    ...(shown.line !== undefined ? { line: shown.line } : {}),
    text: describeProblem(shown),
    ...(p.code ? { code: p.code } : {}),
  };
};

export const dryRunSchema = (what: string) =>
  z.object({
    ok: z.boolean().describe(`false when the ${what} has errors; \`problems\` lists them`),
    version: z.number().int().describe('the version compared with; send it as `basedOn` to apply'),
    changes: z.array(z.string()),
    warnings: z.array(problemSchema),
    problems: z.array(problemSchema),
  });

export const dryRunJson = (r: DryRun, opts: { lines: boolean }) => ({
  ok: r.ok,
  version: r.version,
  changes: [...r.changes],
  warnings: r.warnings.map((p) => problemJson(p, opts)),
  problems: r.problems.map((p) => problemJson(p, opts)),
});
