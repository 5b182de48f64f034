import { Command, Option } from 'commander';
import { createApiToken, listTokens, revokeApiToken } from '../accounts/light.js';
import { asCliFailure, formatTime, printJson, printTable, withStore, type StoreFlags, dataCommand } from './common.js';
import { systemClock } from '../base/clock.js';

type Json = { json?: boolean };

/** `relaydesk token create|list|revoke`: API tokens for scripts (`Authorization: Bearer rd_…`). */
export function tokenCommand(): Command {
  const token = new Command('token').description('API tokens for the REST API (Authorization: Bearer rd_…)');
  token.addCommand(
    dataCommand('create', 'make a token; it is printed once and only its hash is kept')
      .requiredOption('--name <name>', 'what the token is for, e.g. crm-sync')
      .addOption(new Option('--role <role>', 'admin: everything; agent: the desk only').choices(['admin', 'agent']).default('agent'))
      .action(async (o: StoreFlags & Json & { name: string; role: 'admin' | 'agent' }) => {
        await withStore(o, async (store) => {
          const t = await asCliFailure(() => createApiToken(store.db, { name: o.name, role: o.role, now: systemClock.now() }));
          if (o.json) return printJson({ name: t.name, role: t.role, token: t.token, createdAt: new Date(t.createdAt).toISOString() });
          process.stdout.write(`token ${t.name} (${t.role}):\n  ${t.token}\nKeep it now: it is not shown again. Send it as "Authorization: Bearer <token>".\n`);
        });
      }),
  );
  token.addCommand(
    dataCommand('list', 'tokens by name, role and last use (never the tokens themselves)').action(async (o: StoreFlags & Json) => {
      await withStore(o, async (store) => {
        const rows = await listTokens(store.db);
        if (o.json)
          return printJson(
            rows.map((t) => ({
              name: t.name,
              role: t.role,
              hint: t.hint,
              createdAt: new Date(t.createdAt).toISOString(),
              lastUsedAt: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
            })),
          );
        if (rows.length === 0) return void process.stdout.write('no API tokens; make one with relaydesk token create --name NAME\n');
        printTable(
          rows.map((t) => [t.name, t.role, `${t.hint}…`, formatTime(t.createdAt), t.lastUsedAt === null ? 'never' : formatTime(t.lastUsedAt)]),
          ['NAME', 'ROLE', 'TOKEN', 'CREATED', 'LAST USED'],
        );
      });
    }),
  );
  token.addCommand(
    dataCommand('revoke', 'revoke a token at once')
      .argument('<name>', 'the token name')
      .action(async (name: string, o: StoreFlags & Json) => {
        await withStore(o, async (store) => {
          const r = await asCliFailure(() => revokeApiToken(store.db, name));
          if (o.json) return printJson(r);
          process.stdout.write(`revoked ${name}\n`);
        });
      }),
  );
  return token;
}
