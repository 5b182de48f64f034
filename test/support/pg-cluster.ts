/**
 * A private, throwaway PostgreSQL cluster: initdb in a temp dir, a server on 127.0.0.1 (a free
 * port) with fsync on, trusting local connections. The run's shared cluster is one of these
 * (global-setup.ts); fault tests start their own, so that they can stop it under load and start
 * it again without touching anyone else's database.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { adminQuery } from './postgres.js';

export const PG_BIN = process.env.RELAYDESK_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** A free port can be taken between freePort() and the postmaster's bind; try a few. */
const START_ATTEMPTS = 3;

export interface Cluster {
  /** The database `database` on this cluster. */
  readonly url: string;
  readonly port: number;
  /** Stops it for good and removes its files. */
  stop(): Promise<void>;
  /** Stops the server at once, as a crash or power cut would (`pg_ctl stop -m immediate`). */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data, after kill(). */
  restart(): Promise<void>;
}

export async function startCluster(database = 'relaydesk_test'): Promise<Cluster> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(
      `PostgreSQL 15 server binaries are missing (no ${PG_BIN}/initdb), and the integration tests need them: ` +
        'install them with `apt-get install -y postgresql` (Debian 12), or set RELAYDESK_TEST_PG_URL=postgres://… ' +
        'to use an existing server.',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'relaydesk-pg-'));
  const asUser = await clusterOwner(dir);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = (args: string[]) => run(asUser([join(PG_BIN, 'pg_ctl'), '-D', data, ...args]));

  // Last resort when the run ends without teardown (a crash, process.exit): leave no server behind.
  const [stopCommand, ...stopArgs] = asUser([join(PG_BIN, 'pg_ctl'), '-D', data, 'stop', '-m', 'immediate']);
  const stopNow = () => void spawnSync(stopCommand!, stopArgs, { stdio: 'ignore', cwd: '/' });
  try {
    // --no-sync only skips flushing initdb's own files: the cluster is thrown away after the run,
    // while the server itself runs with fsync on.
    await run(asUser([join(PG_BIN, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']));
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        '',
        '# relaydesk test cluster',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'fsync = on',
        'synchronous_commit = on',
        "shared_buffers = '16MB'",
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await pgCtl(['start', '-w', '-t', '30', '-l', log, '-o', `-p ${port}`]);
        break;
      } catch (err) {
        const serverLog = await readFile(log, 'utf8').catch(() => '');
        if (attempt < START_ATTEMPTS && /could not bind|Address already in use/i.test(serverLog)) continue;
        throw new Error(`${(err as Error).message}\n--- ${log} ---\n${serverLog}`, { cause: err });
      }
    }
    process.once('exit', stopNow);
    await adminQuery(`postgres://postgres@127.0.0.1:${port}/postgres`, `CREATE DATABASE "${database}"`);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      port,
      async stop() {
        process.removeListener('exit', stopNow);
        await pgCtl(['stop', '-w', '-m', 'fast']).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
      async kill() {
        await pgCtl(['stop', '-w', '-m', 'immediate']);
      },
      async restart() {
        await pgCtl(['start', '-w', '-t', '30', '-l', log, '-o', `-p ${port}`]);
      },
    };
  } catch (err) {
    stopNow();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * PostgreSQL refuses to run as root. As root, hand the cluster dir to the `postgres` OS user and
 * run the server tools through runuser; as anyone else, run them directly.
 */
async function clusterOwner(dir: string): Promise<(argv: string[]) => string[]> {
  if (process.getuid?.() !== 0) return (argv) => argv;
  const uid = Number((await run(['id', '-u', 'postgres'])).trim());
  const gid = Number((await run(['id', '-g', 'postgres'])).trim());
  await chown(dir, uid, gid);
  return (argv) => ['runuser', '-u', 'postgres', '--', ...argv];
}

/** Runs a command to its exit (not to the close of its pipes: pg_ctl leaves a daemon behind). */
function run(argv: string[]): Promise<string> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`\`${argv.join(' ')}\` failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}
