import { Command, CommanderError } from 'commander';
import { isRelaydeskError } from '../base/errors.js';
import { CliFailure, EXIT } from './common.js';
import { registerBackupCommands } from './backup-commands.js';
import { applyCommand, exportCommand } from './config-commands.js';
import { deskCommand } from './desk-commands.js';
import { mailboxCommand, quarantineCommand, queueCommand, traceCommand } from './mail-commands.js';
import { startCommand } from './start-command.js';
import { storeCommand } from './store-commands.js';
import { tokenCommand } from './token-commands.js';
import { userCommand } from './user-commands.js';
import { webhookCommand } from './webhook-commands.js';

const program = new Command('relaydesk')
  .description('Mail gateway with default routing rules, and the help desk that turns email into cases')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  // An option after a subcommand's name is that subcommand's (`desk suspended delete 1 --data D`).
  .enablePositionalOptions()
  .exitOverride();

program.addCommand(startCommand());
program.addCommand(applyCommand());
program.addCommand(exportCommand());
program.addCommand(quarantineCommand());
program.addCommand(mailboxCommand());
program.addCommand(traceCommand());
program.addCommand(queueCommand());
program.addCommand(storeCommand());
program.addCommand(deskCommand());
program.addCommand(tokenCommand());
program.addCommand(webhookCommand());
program.addCommand(userCommand());
registerBackupCommands(program);
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
    if (wantsJson && e.exitCode !== 0) process.stdout.write(`${JSON.stringify({ error: e.message.replace(/^error: /, ''), code: 'BAD_INPUT', details: [] }, null, 2)}\n`);
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
