/**
 * A draft the console sends as an object (explain, replay): checked as a save would check it,
 * so a draft with errors is refused with its problems rather than half-used.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { dryRunConfigText, parseConfigText, type Config } from '../../../config/index.js';
import { HttpProblem } from '../../http-problem.js';
import type { Db } from '../../../store/index.js';
import { problemJson } from './problems.js';

export const documentSchema = z.record(z.string(), z.unknown()).describe('the configuration file as an object (the YAML reference describes its fields)');

export const toText = (document: Record<string, unknown>) => stringify(document, { lineWidth: 0 });

/** The draft as a configuration, or 400 naming every error it has (its `details`, one per problem). */
export async function checkedDraft(db: Db, document: Record<string, unknown>, now: number): Promise<Config> {
  const text = toText(document);
  const dry = await dryRunConfigText(db, text, now);
  const parsed = dry.ok ? parseConfigText(text) : null;
  if (!parsed?.ok) {
    const n = dry.problems.length;
    throw new HttpProblem(
      'BAD_INPUT',
      `the draft has ${n} problem${n === 1 ? '' : 's'}, so it cannot be planned with; fix ${n === 1 ? 'it' : 'them'} (the editor names each at its field) and try again`,
      dry.problems.map((p) => problemJson(p, { lines: false }).text),
    );
  }
  return parsed.config;
}
