import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { Command } from 'commander';
import type { Problem } from '../config/index.js';
import { applyConfigText, ConfigInvalidError, exportConfigText, describeProblem } from '../config/index.js';
import { CliFailure, EXIT, printJson, withStore, withStoreOptions, type StoreFlags } from './common.js';
import { systemClock } from '../base/clock.js';

export function applyCommand(): Command {
  return withStoreOptions(new Command('apply'))
    .description('validate a YAML configuration file and make it the one in force (atomically)')
    .requiredOption('-f, --file <file>', 'the YAML file ("-" for standard input)')
    .option('--dry-run', 'validate and show what would change, without applying')
    .option('--json', 'print the result as JSON')
    .action(async (opts: StoreFlags & { file: string; dryRun?: boolean; json?: boolean }) => {
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
            const r = await applyConfigText(store.db, text, { appliedBy: `cli:${os.userInfo().username}`, now: systemClock.now(), dryRun: opts.dryRun });
            if (opts.json) return printJson({ ...r, warnings: r.warnings.map(problemJson) });
            for (const w of r.warnings) process.stdout.write(`${describeProblem(w)}\n`);
            if (r.changes.length === 0 && !r.applied) {
              process.stdout.write(`no changes; configuration version ${r.version} stays in force\n`);
              return;
            }
            for (const c of r.changes) process.stdout.write(`${c}\n`);
            process.stdout.write(
              r.applied
                ? `applied: configuration version ${r.version} (was ${r.previousVersion}); running servers use it for their next SMTP command\n`
                : `dry run: nothing applied (version ${r.version} stays in force)\n`,
            );
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
