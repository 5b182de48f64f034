import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { describeProblem, explainRoute, loadConfigInForce, parseConfigText, type Config } from '../config/index.js';
import { CliFailure, EXIT, printJson, withStore, withStoreOptions, type StoreFlags } from './common.js';

export function routeCommand(): Command {
  const route = new Command('route').description('see how the routing rules treat an address');
  route.addCommand(
    withStoreOptions(new Command('explain'))
      .description('for one recipient address: every rule, applied or why not, then where the mail would go')
      .argument('<address>', 'the envelope recipient, like help@solarmora.com')
      .option('--from <sender>', 'the envelope sender, checked against the spam allow and deny lists')
      .option('-f, --file <file>', 'explain with this YAML file (a draft) instead of the configuration in force')
      .option('--json', 'print as JSON')
      .action(async (address: string, opts: StoreFlags & { from?: string; file?: string; json?: boolean }) => {
        const { version, config } =
          opts.file !== undefined ? { version: 0, config: await draft(opts.file) } : await withStore(opts, (s) => loadConfigInForce(s.db));
        const view = explainRoute(config, version, address, opts.from);
        if (opts.json) return printJson(view);
        process.stdout.write(`${view.lines.join('\n')}\n`);
      }),
  );
  return route;
}

async function draft(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliFailure(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT.invalid);
  }
  const parsed = parseConfigText(text);
  if (!parsed.ok) {
    const lines = parsed.problems.map((p) => describeProblem(p));
    throw new CliFailure(`${file}: the configuration has problems; fix them (relaydesk apply --dry-run -f ${file} lists them)`, EXIT.invalid, lines);
  }
  return parsed.config;
}
