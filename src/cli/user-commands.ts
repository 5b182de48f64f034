import { Command, Option } from 'commander';
import { listUsers } from '../store/index.js';
import { addUser, emailSchema, generatePassword, newPasswordSchema, resetPassword } from '../accounts/index.js';
import { asCliFailure, CliFailure, EXIT, formatTime, printJson, printTable, withStore, type StoreFlags, dataCommand } from './common.js';
import { systemClock } from '../base/clock.js';

type Json = { json?: boolean };

function email(v: string): string {
  const r = emailSchema.safeParse(v);
  if (!r.success) throw new CliFailure(`"${v}" ${r.error.issues[0]?.message ?? 'is not an email address'}`, EXIT.usage);
  return r.data;
}

/** A password never goes on the command line (shell history, `ps`): it is read from stdin, or made. */
async function passwordFrom(o: { passwordStdin?: boolean }): Promise<string | undefined> {
  if (!o.passwordStdin) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  const r = newPasswordSchema.safeParse(text);
  if (!r.success) throw new CliFailure(`the password from stdin is refused: ${r.error.issues[0]?.message}`, EXIT.invalid);
  return r.data;
}

const stdinOption = () => new Option('--password-stdin', 'read the password from standard input instead of making one');

/**
 * `relaydesk user add|list|passwd`: the console's users, from the server's shell — for
 * the first admin without the setup link, and for an admin who is locked out.
 */
export function userCommand(): Command {
  const user = new Command('user').description('users of the web console (admin: everything; agent: the desk only)');
  user.addCommand(
    dataCommand('add', 'add a console user; without --password-stdin an initial password is made and printed once')
      .argument('<email>', "the user's email, which is also the login")
      .addOption(new Option('--role <role>', 'admin or agent').choices(['admin', 'agent']).default('agent'))
      .addOption(stdinOption())
      .action(async (address: string, o: StoreFlags & Json & { role: 'admin' | 'agent'; passwordStdin?: boolean }) => {
        const e = email(address);
        const password = await passwordFrom(o);
        await withStore(o, async (store) => {
          const r = await asCliFailure(() =>
            addUser(store.db, { email: e, role: o.role, ...(password !== undefined ? { password } : {}), now: systemClock.now() }),
          );
          if (o.json) return printJson({ email: r.user.email, role: r.user.role, initialPassword: r.initialPassword });
          process.stdout.write(`added ${r.user.email} (${r.user.role})\n`);
          if (r.initialPassword)
            process.stdout.write(`  initial password: ${r.initialPassword}\nKeep it now: it is not shown again. Change it in the console after logging in.\n`);
        });
      }),
  );
  user.addCommand(
    dataCommand('list', 'console users with role, state and last login').action(async (o: StoreFlags & Json) => {
      await withStore(o, async (store) => {
        const rows = await listUsers(store.db);
        if (o.json)
          return printJson(
            rows.map((u) => ({
              email: u.email,
              role: u.role,
              disabled: u.disabled,
              createdAt: new Date(u.createdAt).toISOString(),
              lastLoginAt: u.lastLoginAt === null ? null : new Date(u.lastLoginAt).toISOString(),
            })),
          );
        if (rows.length === 0)
          return void process.stdout.write('no console users; open the setup link `relaydesk start` prints, or run relaydesk user add EMAIL --role admin\n');
        printTable(
          rows.map((u) => [u.email, u.role, u.disabled ? 'disabled' : 'active', u.lastLoginAt === null ? 'never' : formatTime(u.lastLoginAt)]),
          ['EMAIL', 'ROLE', 'STATE', 'LAST LOGIN'],
        );
      });
    }),
  );
  user.addCommand(
    dataCommand('passwd', "set a new password (made and printed once, or from --password-stdin); the user's sessions end")
      .argument('<email>', "the user's email")
      .addOption(stdinOption())
      .action(async (address: string, o: StoreFlags & Json & { passwordStdin?: boolean }) => {
        const e = email(address);
        const given = await passwordFrom(o);
        const password = given ?? generatePassword();
        await withStore(o, async (store) => {
          const u = await asCliFailure(() => resetPassword(store.db, e, password, systemClock.now()));
          if (o.json) return printJson({ email: u.email, role: u.role, password: given === undefined ? password : null });
          process.stdout.write(`new password set for ${u.email}; every session of this user has ended\n`);
          if (given === undefined) process.stdout.write(`  password: ${password}\nKeep it now: it is not shown again.\n`);
        });
      }),
  );
  return user;
}
