import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { isRelaydeskError } from '../base/errors.js';
import type { StoreHandle, StoreOptions } from '../store/index.js';

export interface StoreFlags {
  data?: string;
  database?: string;
}

/** A command that works on the store and prints data: it takes --data/--database and --json. */
export function dataCommand(name: string, description: string): Command {
  return withStoreOptions(new Command(name)).description(description).option('--json', 'print as JSON');
}

/** --data and --database, on every command that reads or writes the store. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data <dir>', 'data directory of the embedded store (SQLite)').default('./data'))
    .addOption(new Option('--database <url>', 'PostgreSQL URL (postgres://…), for several nodes sharing one database').env('RELAYDESK_DATABASE_URL'));
}

export async function openStoreFrom(flags: StoreFlags, opts: StoreOptions = {}): Promise<StoreHandle> {
  // Loaded here, not at the top: `--version` and `--help` never open a store.
  const { openStore } = await import('../store/index.js');
  if (flags.database) return openStore({ databaseUrl: flags.database }, opts);
  return openStore({ dataDir: path.resolve(flags.data ?? './data') }, opts);
}

/** The embedded store's file inside --data (store/dialects/sqlite.ts names it). */
const SQLITE_FILE = 'relaydesk.sqlite';

/** Exit codes: 1 the input was refused, 2 usage, 3 the store is unavailable, 4 not found. */
export const EXIT = { invalid: 1, usage: 2, store: 3, notFound: 4 } as const;

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details: readonly string[] = [],
    readonly json?: unknown,
  ) {
    super(message);
  }
}

/** Domain errors (no such case, a conflict, bad input) become CLI failures with their exit code. */
export async function asCliFailure<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isRelaydeskError(e))
      throw new CliFailure(e.message, e.code === 'NOT_FOUND' ? EXIT.notFound : EXIT.invalid, e.details, { error: e.message, code: e.code, details: e.details });
    throw e;
  }
}

/**
 * Runs a command body against the store, closing it whatever happens. Only `apply` (and
 * `start`) may create an embedded store: a command that reads, pointed at a mistyped
 * --data, would otherwise create an empty store there and report "nothing found".
 */
export async function withStore<T>(flags: StoreFlags, fn: (store: StoreHandle) => Promise<T>, opts: { create?: boolean } = {}): Promise<T> {
  if (!flags.database && !opts.create) {
    const dir = path.resolve(flags.data ?? './data');
    if (!existsSync(path.join(dir, SQLITE_FILE))) {
      throw new CliFailure(`no Relaydesk store in ${dir} (it has no ${SQLITE_FILE}); pass the --data DIR the server runs with, or --database URL`, EXIT.store);
    }
  }
  let store: StoreHandle;
  try {
    store = await openStoreFrom(flags);
  } catch (e) {
    throw new CliFailure(isRelaydeskError(e) ? e.message : `cannot open the store: ${(e as Error).message}`, EXIT.store);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Output cut short by its reader (`relaydesk queue list | head`) is the reader's choice, not a
 * failure: the command ends quietly with status 0 instead of an EPIPE stack trace.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** A fixed-width table for humans; `--json` is the stable interface for scripts. */
export function printTable(rows: readonly (readonly string[])[], header: readonly string[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.min(60, Math.max(...all.map((r) => (r[i] ?? '').length))));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`${line(header)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}
