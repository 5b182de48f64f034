import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isRelaydeskError } from '../base/errors.js';
import { CliFailure, EXIT, quietOnClosedPipe } from './common.js';

quietOnClosedPipe();

/**
 * Each command's module, loaded only when that command runs: a command pays for what it uses
 * (`queue list` never loads the SMTP server or the mail parser), and `--version` loads none.
 */
const COMMANDS: Record<string, () => Promise<Command[]>> = {
  start: async () => [(await import('./start-command.js')).startCommand()],
  apply: async () => [(await import('./config-commands.js')).applyCommand()],
  export: async () => [(await import('./config-commands.js')).exportCommand()],
  route: async () => [(await import('./route-commands.js')).routeCommand()],
  quarantine: async () => [(await import('./mail-commands.js')).quarantineCommand()],
  mailbox: async () => [(await import('./mail-commands.js')).mailboxCommand()],
  trace: async () => [(await import('./mail-commands.js')).traceCommand()],
  queue: async () => [(await import('./mail-commands.js')).queueCommand()],
  store: async () => [(await import('./store-commands.js')).storeCommand()],
  desk: async () => [(await import('./desk-commands.js')).deskCommand()],
  token: async () => [(await import('./token-commands.js')).tokenCommand()],
  webhook: async () => [(await import('./webhook-commands.js')).webhookCommand()],
  user: async () => [(await import('./user-commands.js')).userCommand()],
  backup: async () => [(await import('./backup-commands.js')).backupCommand()],
  restore: async () => [(await import('./backup-commands.js')).restoreCommand()],
};

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const program = new Command('relaydesk')
  .description('Mail gateway with default routing rules, and the help desk that turns email into cases')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  // An option after a subcommand's name is that subcommand's (`desk suspended delete 1 --data D`).
  .enablePositionalOptions()
  .exitOverride();

for (const cmd of await commandsFor(process.argv.slice(2))) program.addCommand(cmd);
// addCommand() does not pass settings down (only .command() does), so give each its own.
for (const c of [...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
  c.exitOverride().showHelpAfterError(`(run \`relaydesk ${c.parent === program ? c.name() : `${c.parent?.name()} ${c.name()}`} --help\` for usage)`);
}

const wantsJson = process.argv.includes('--json');

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; commander already printed them (to stderr
    // for errors), but a script that asked for --json still gets its error on stdout.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
    if (wantsJson && e.exitCode !== 0)
      process.stdout.write(`${JSON.stringify({ error: e.message.replace(/^error: /, ''), code: 'BAD_INPUT', details: [] }, null, 2)}\n`);
  } else if (e instanceof CliFailure) {
    if (wantsJson) process.stdout.write(`${JSON.stringify(e.json ?? { error: e.message, code: codeOf(e.exitCode), details: e.details }, null, 2)}\n`);
    else {
      process.stderr.write(`relaydesk: ${e.message}\n`);
      for (const d of e.details) process.stderr.write(`  ${d}\n`);
    }
    process.exitCode = e.exitCode;
  } else if (isRelaydeskError(e)) {
    if (wantsJson) process.stdout.write(`${JSON.stringify({ error: e.message, code: e.code, details: e.details }, null, 2)}\n`);
    else process.stderr.write(`relaydesk: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
    process.exitCode = e.code === 'STORE_UNAVAILABLE' ? EXIT.store : e.code === 'NOT_FOUND' ? EXIT.notFound : EXIT.invalid;
  } else {
    process.stderr.write(`relaydesk: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 70;
  }
}

/** The error catalog's code for a CLI exit status, so `--json` errors always carry one. */
function codeOf(exitCode: number): string {
  return exitCode === EXIT.store ? 'STORE_UNAVAILABLE' : exitCode === EXIT.notFound ? 'NOT_FOUND' : 'BAD_INPUT';
}

/**
 * The commands this invocation needs: the one it names (also as `help NAME`), none for a bare
 * `--version`, and all of them for help or a word that is not a command (so the usage lists them).
 */
async function commandsFor(args: readonly string[]): Promise<Command[]> {
  const words = args.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const load = named !== undefined && Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined;
  if (load) return load();
  if (named === undefined && args.some((a) => a === '--version' || a === '-V')) return [];
  const all: Command[] = [];
  for (const l of Object.values(COMMANDS)) all.push(...(await l()));
  return all;
}
