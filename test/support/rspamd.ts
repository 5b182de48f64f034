/**
 * A private rspamd (Debian's 3.4) on 127.0.0.1, for the tests of the rspamd spam engine: its own
 * configuration folder that overrides the packaged one, free ports for its three workers, and a
 * DNS server that does not exist, so nothing it does leaves the machine. It runs in the
 * foreground as the leader of its own process group; stop() ends that group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const RSPAMD_BIN = '/usr/bin/rspamd';
const SYSTEM_CONFIG = '/etc/rspamd/rspamd.conf';
const READY_WITHIN_MS = 60_000;
const START_ATTEMPTS = 3;

export interface Rspamd {
  /** The normal worker's URL, e.g. http://127.0.0.1:40123: what `spam.rspamd.url` names. */
  readonly url: string;
  /** Ends the process group and removes the folder. */
  stop(): Promise<void>;
}

export async function startRspamd(): Promise<Rspamd> {
  if (!existsSync(RSPAMD_BIN) || !existsSync(SYSTEM_CONFIG)) {
    throw new Error(
      `rspamd is missing (no ${RSPAMD_BIN} or ${SYSTEM_CONFIG}), and the rspamd engine's tests need it: ` +
        'install it with `apt-get install -y --no-install-recommends rspamd` (Debian 12; .ci/run does).',
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      if (attempt < START_ATTEMPTS && /Address already in use|cannot bind/i.test((err as Error).message)) continue;
      throw err;
    }
  }
}

async function startOnce(): Promise<Rspamd> {
  const dir = await mkdtemp(join(tmpdir(), 'relaydesk-rspamd-'));
  const conf = join(dir, 'conf');
  const local = join(conf, 'local.d');
  const log = join(dir, 'log', 'rspamd.log');
  const [normal, controller, proxy] = [await freePort(), await freePort(), await freePort()];
  for (const sub of ['db', 'run', 'log', 'conf', 'conf/local.d']) await mkdir(join(dir, sub), { recursive: true });
  const files: Record<string, string> = {
    'worker-normal.inc': `bind_socket = "127.0.0.1:${normal}";\n`,
    'worker-controller.inc': `bind_socket = "127.0.0.1:${controller}";\n`,
    'worker-proxy.inc': `bind_socket = "127.0.0.1:${proxy}";\n`,
    // A handful of TLDs instead of the public suffix list, which takes rspamd 15 s or more of
    // CPU to compile at each start; the URL checks of test mail need no more.
    'options.inc': `dns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }\nenable_test_patterns = true;\nurl_tld = "${join(conf, 'tld.dat')}";\n`,
    'logging.inc': `type = "file"; filename = "${log}"; level = "error";\n`,
  };
  for (const off of ['rbl.conf', 'surbl.conf', 'fuzzy_check.conf', 'phishing.conf', 'redis.conf']) files[off] = 'enabled = false;\n';
  for (const [name, text] of Object.entries(files)) await writeFile(join(local, name), text);
  await writeFile(join(conf, 'tld.dat'), ['com', 'net', 'org', 'example', 'test', 'invalid', 'localhost', ''].join('\n'));
  await handTo(dir, ['db', 'run', 'log', 'conf', 'conf/local.d', 'conf/tld.dat', ...Object.keys(files).map((f) => `conf/local.d/${f}`)]);

  const child = spawn(
    RSPAMD_BIN,
    [
      '-f',
      '-u',
      '_rspamd',
      '-g',
      '_rspamd',
      '-c',
      SYSTEM_CONFIG,
      `--var=LOCAL_CONFDIR=${conf}`,
      `--var=DBDIR=${join(dir, 'db')}`,
      `--var=RUNDIR=${join(dir, 'run')}`,
      `--var=LOGDIR=${join(dir, 'log')}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const killNow = () => killGroup(child, 'SIGKILL');
  process.once('exit', killNow);
  const url = `http://127.0.0.1:${normal}`;
  const stop = async () => {
    process.removeListener('exit', killNow);
    await endGroup(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child);
  } catch (err) {
    const logText = await readFile(log, 'utf8').catch(() => '');
    await stop();
    throw new Error(`rspamd did not start: ${(err as Error).message}\n--- output ---\n${output}\n--- ${log} ---\n${logText}`, { cause: err });
  }
  return { url, stop };
}

/** rspamd drops to `_rspamd` and must write its db, run and log folders. */
async function handTo(dir: string, subs: readonly string[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const id = (flag: string) => Number(spawnSync('id', [flag, '_rspamd'], { encoding: 'utf8' }).stdout.trim());
  const [uid, gid] = [id('-u'), id('-g')];
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('the _rspamd user is missing: reinstall the rspamd package');
  await chown(dir, uid, gid);
  for (const sub of subs) await chown(join(dir, sub), uid, gid);
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + READY_WITHIN_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rspamd exited (${child.signalCode ?? `exit ${child.exitCode}`})`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok && (await res.text()).trim() === 'pong') return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no pong from ${url}/ping within ${READY_WITHIN_MS / 1000} s`);
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
  // Workers that outlived the main process.
  killGroup(child, 'SIGKILL');
}
