import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { Command } from 'commander';
import type { Problem } from '../config/index.js';
import { applyConfigText, ConfigInvalidError, exportConfigText, describeProblem, parseConfigText, parseDuration, replayDraft } from '../config/index.js';
import { renderReplay } from '../routing/index.js';
import { CliFailure, EXIT, printJson, withStore, withStoreOptions, type StoreFlags } from './common.js';
import { systemClock } from '../base/clock.js';

export function applyCommand(): Command {
  return withStoreOptions(new Command('apply'))
    .description('validate a YAML configuration file and make it the one in force (atomically)')
    .requiredOption('-f, --file <file>', 'the YAML file ("-" for standard input)')
    .option('--dry-run', 'validate and show what would change, without applying')
    .option('--replay <period>', 'with --dry-run: plan the mail stored in the last PERIOD (like 7d) with this file and with the version in force')
    .option('--json', 'print the result as JSON')
    .action(async (opts: StoreFlags & { file: string; dryRun?: boolean; replay?: string; json?: boolean }) => {
      const period = opts.replay === undefined ? undefined : parseDuration(opts.replay);
      if (opts.replay !== undefined && !opts.dryRun) throw new CliFailure('--replay only goes with --dry-run; add --dry-run', EXIT.usage);
      if (opts.replay !== undefined && (period === undefined || period === 0)) {
        throw new CliFailure(`--replay ${opts.replay}: not a period; write it like 7d, 12h or 30m`, EXIT.usage);
      }
      let text: string;
      try {
        text = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
      } catch (e) {
        throw new CliFailure(
          `cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
          EXIT.invalid,
        );
      }
      await withStore(
        opts,
        async (store) => {
          try {
            const now = systemClock.now();
            const r = await applyConfigText(store.db, text, { appliedBy: `cli:${os.userInfo().username}`, now, dryRun: opts.dryRun });
            const parsed = period !== undefined ? parseConfigText(text) : undefined;
            const replay = parsed?.ok && period !== undefined ? await replayDraft(store.db, parsed.config, { since: now - period, until: now }) : undefined;
            if (opts.json) return printJson({ ...r, warnings: r.warnings.map(problemJson), ...(replay ? { replay } : {}) });
            for (const w of r.warnings) process.stdout.write(`${describeProblem(w)}\n`);
            if (r.changes.length === 0 && !r.applied) {
              process.stdout.write(`no changes; configuration version ${r.version} stays in force\n`);
            } else {
              for (const c of r.changes) process.stdout.write(`${c}\n`);
              process.stdout.write(
                r.applied
                  ? `applied: configuration version ${r.version} (was ${r.previousVersion}); running servers use it within a quarter of a second\n`
                  : `dry run: nothing applied (version ${r.version} stays in force)\n`,
              );
            }
            if (replay) process.stdout.write(`${renderReplay(replay, opts.replay ?? '').join('\n')}\n`);
          } catch (e) {
            if (e instanceof ConfigInvalidError) {
              throw new CliFailure(`${opts.file}: ${e.message}`, EXIT.invalid, e.details, {
                error: e.message,
                code: e.code,
                problems: e.problems.map(problemJson),
              });
            }
            throw e;
          }
        },
        { create: true },
      );
    });
}

export function exportCommand(): Command {
  return withStoreOptions(new Command('export'))
    .description('print the configuration in force as YAML that `apply` accepts unchanged')
    .option('--json', 'print {version, yaml} as JSON')
    .action(async (opts: StoreFlags & { json?: boolean }) => {
      await withStore(opts, async (store) => {
        const r = await exportConfigText(store.db);
        if (opts.json) return printJson(r);
        process.stdout.write(r.yaml.endsWith('\n') ? r.yaml : `${r.yaml}\n`);
      });
    });
}

/** A problem for scripts: where it is (path, line, column) and what to do, plus the line `apply` prints. */
function problemJson(p: Problem): Problem & { text: string } {
  return { ...p, text: describeProblem(p) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
