/**
 * A private Dovecot IMAP server (Debian's dovecot-imapd) on 127.0.0.1, for the tests of the
 * desk's IMAP intake: one configuration file in a temp folder (its own base, state and log
 * folders, maildirs, a passwd-file of users with plain passwords), a free port, no TLS. It runs
 * in the foreground (`dovecot -F`) as the leader of its own process group; halt() ends that
 * group and keeps the mail, so resume() can start it again on the same port (an outage).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
const READY_WITHIN_MS = 20_000;
const START_ATTEMPTS = 3;

export interface Dovecot {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The server's folder: config, mail, logs. */
  readonly dir: string;
  /** Ends the process group, keeps the mail (the server is away). */
  halt(): Promise<void>;
  /** Starts it again on the same port and mail, after halt(). */
  resume(): Promise<void>;
  /** Ends it for good and removes its folder. */
  stop(): Promise<void>;
}

export async function startDovecot(users: Readonly<Record<string, string>>): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BIN)) {
    throw new Error(
      `Dovecot is missing (no ${DOVECOT_BIN}), and the IMAP intake's tests need it: ` +
        'install it with `apt-get install -y --no-install-recommends dovecot-imapd` (Debian 12; .ci/run does).',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'relaydesk-dovecot-'));
  // Dovecot's auth and mail processes run as dovenull and must reach the passwd file and the mail.
  await chmod(dir, 0o711);
  for (const sub of ['base', 'state', 'mail']) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(
    join(dir, 'passwd'),
    Object.entries(users)
      .map(([user, password]) => `${user}:{PLAIN}${password}::::::\n`)
      .join(''),
  );
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'dovenull'], { encoding: 'utf8' }).stdout.trim());
    await chown(join(dir, 'mail'), id('-u'), id('-g'));
  }
  let child: ChildProcess | null = null;
  let port = 0;
  const conf = join(dir, 'dovecot.conf');
  const killNow = () => {
    if (child) killGroup(child, 'SIGKILL');
  };
  process.once('exit', killNow);

  const launch = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (port === 0 || attempt > 1) port = await freePort();
      await writeFile(conf, config(dir, port));
      const c = spawn(DOVECOT_BIN, ['-F', '-c', conf], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
      child = c;
      let output = '';
      c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      try {
        await waitReady(port, c);
        return;
      } catch (err) {
        await endGroup(c);
        const log = await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '');
        if (attempt < START_ATTEMPTS && /Address already in use/i.test(output + log)) continue;
        throw new Error(`Dovecot did not start: ${(err as Error).message}\n--- output ---\n${output}\n--- log ---\n${log}`, { cause: err });
      }
    }
  };

  try {
    await launch();
  } catch (err) {
    process.removeListener('exit', killNow);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    dir,
    async halt() {
      if (child) await endGroup(child);
      child = null;
    },
    async resume() {
      // The same port: the intake is configured with it. Taken meanwhile, the test fails plainly.
      await writeFile(conf, config(dir, port));
      const c = spawn(DOVECOT_BIN, ['-F', '-c', conf], { detached: true, stdio: 'ignore', cwd: '/' });
      child = c;
      await waitReady(port, c);
    },
    async stop() {
      process.removeListener('exit', killNow);
      if (child) await endGroup(child);
      child = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function config(dir: string, port: number): string {
  return `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/base
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovenull
default_login_user = dovenull
mail_location = maildir:${dir}/mail/%n
mail_uid = dovenull
mail_gid = dovenull
first_valid_uid = 1
first_valid_gid = 1
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = static
  args = uid=dovenull gid=dovenull home=${dir}/mail/%n
}
`;
}

/** Ready when the greeting arrives. */
async function waitReady(port: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + READY_WITHIN_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dovecot exited (${child.signalCode ?? `exit ${child.exitCode}`})`);
    const greeted = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.setTimeout(1000);
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (greeted) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no IMAP greeting on 127.0.0.1:${port} within ${READY_WITHIN_MS / 1000} s`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function endGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL');
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
}
