import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { CliFailure, EXIT, printJson, withStoreOptions, type StoreFlags } from './common.js';
import { systemClock } from '../base/clock.js';

/** Below this a backup takes a moment; above it, stderr hears how far it is. */
const PROGRESS_FROM_BYTES = 64 * 1024 * 1024;
/** A node whose heartbeat is this recent is taken to be running (it writes every few seconds). */
const LIVE_WITHIN_MS = 60_000;

export function backupCommand(): Command {
  return withStoreOptions(new Command('backup'))
    .description('copy the embedded store to a file while the server runs (a consistent copy; PostgreSQL: pg_dump)')
    .requiredOption('--to <file>', 'the backup file to write (it must not exist yet)')
    .option('--json', 'print the result as JSON')
    .action(async (o: StoreFlags & { to: string; json?: boolean }) => {
      if (o.database) {
        throw new CliFailure(
          'backup copies the embedded SQLite store; this store is PostgreSQL. Back it up with pg_dump (see README, "Backup and restore"): pg_dump --format=custom --file=relaydesk.dump "$RELAYDESK_DATABASE_URL"',
          EXIT.usage,
        );
      }
      const { backupSqliteStore, SQLITE_STORE_FILE } = await import('../store/index.js');
      const dataDir = path.resolve(o.data ?? './data');
      const dest = path.resolve(o.to);
      if (!existsSync(path.join(dataDir, SQLITE_STORE_FILE)))
        throw new CliFailure(`no Relaydesk store in ${dataDir} (it has no ${SQLITE_STORE_FILE}); pass the --data DIR the server runs with`, EXIT.store);
      if (existsSync(dest)) throw new CliFailure(`${dest} exists already; choose a new file name (a backup never overwrites one)`, EXIT.invalid);
      if (!existsSync(path.dirname(dest)))
        throw new CliFailure(`the directory ${path.dirname(dest)} does not exist; create it or choose another --to`, EXIT.invalid);
      const started = systemClock.now();
      let shown = -1;
      const progress = ({ totalBytes, doneBytes }: { totalBytes: number; doneBytes: number }) => {
        if (totalBytes < PROGRESS_FROM_BYTES) return;
        const pct = Math.floor((doneBytes / totalBytes) * 10) * 10;
        if (pct === shown) return;
        shown = pct;
        process.stderr.write(`backup: ${pct}% of ${mib(totalBytes)}\n`);
      };
      let bytes: number;
      try {
        ({ bytes } = await backupSqliteStore(dataDir, dest, progress));
      } catch (e) {
        throw new CliFailure(
          `the backup of ${dataDir} failed: ${(e as Error).message}; check the room left at ${path.dirname(dest)} and try again`,
          EXIT.store,
        );
      }
      const durationMs = systemClock.now() - started;
      if (shown >= 0) process.stderr.write(`backup: 100% of ${mib(bytes)}\n`);
      if (o.json) printJson({ path: dest, bytes, durationMs });
      else
        process.stdout.write(
          `Backed up ${path.join(dataDir, SQLITE_STORE_FILE)} to ${dest} (${mib(bytes)}, ${(durationMs / 1000).toFixed(1)} s).\nRestore it with: relaydesk restore --from ${dest} --data NEW_DIR\n`,
        );
    });
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore a backup of the embedded store into a new data directory')
    .requiredOption('--from <file>', 'a file made by relaydesk backup')
    .addOption(new Option('--data <dir>', 'the new data directory (it must not hold a store)').makeOptionMandatory())
    .option('--json', 'print the result as JSON')
    .action(async (o: { from: string; data: string; json?: boolean }) => {
      const { checkSqliteStoreFile, liveNodesInFile, restoreSqliteStore, SQLITE_STORE_FILE } = await import('../store/index.js');
      const from = path.resolve(o.from);
      const dataDir = path.resolve(o.data);
      const target = path.join(dataDir, SQLITE_STORE_FILE);
      if (existsSync(target) || existsSync(`${target}-wal`)) {
        const live = liveNodesInFile(target, systemClock.now() - LIVE_WITHIN_MS);
        const running = live.length ? ` and a server is running on it (${live.map((n) => `${n.name}, pid ${n.pid}`).join('; ')})` : '';
        throw new CliFailure(
          `${dataDir} already holds a Relaydesk store${running}; restore never overwrites a store: choose a new, empty --data directory, then start the server with it`,
          EXIT.invalid,
        );
      }
      if (!existsSync(from)) throw new CliFailure(`${from} does not exist; pass the file that relaydesk backup wrote`, EXIT.notFound);
      const check = await checkSqliteStoreFile(from);
      if (!check.ok) throw new CliFailure(`${from} cannot be restored: ${check.reason}`, EXIT.invalid);
      const fresh = !existsSync(dataDir);
      if (!fresh && readdirSync(dataDir).length > 0) process.stderr.write(`restore: ${dataDir} is not empty; the store goes beside what is there\n`);
      const started = systemClock.now();
      let restored: { file: string; bytes: number };
      try {
        mkdirSync(dataDir, { recursive: true });
        restored = await restoreSqliteStore(from, dataDir);
      } catch (e) {
        throw new CliFailure(`the restore into ${dataDir} failed: ${(e as Error).message}; check that the directory is writable and has room`, EXIT.store);
      }
      const durationMs = systemClock.now() - started;
      if (o.json) printJson({ path: restored.file, from, bytes: restored.bytes, migrations: check.migrations.length, durationMs });
      else process.stdout.write(`Restored ${from} into ${dataDir} (${mib(restored.bytes)}).\nStart the server on it with: relaydesk start --data ${dataDir}\n`);
    });
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
