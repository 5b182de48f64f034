/**
 * What a store error means, for the components that must decide between "try again
 * later" and "this request is wrong". Database error codes are known here only.
 */
import { isRelaydeskError } from '../base/errors.js';

/** SQLSTATE classes and codes that pass: the server going away or coming back, no room, contention. */
const PG_TRANSIENT = /^(08|57P0[123]|53[0-9]{3}|40001|40P01|55P03|58030)/;
/** SQLite result codes (with their extended forms) that pass: a lock, an I/O fault, a full disk. */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;
/** Errors of the connection itself (sockets, files under the store). */
const SYSTEM_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOSPC',
  'EIO',
  'ENOENT',
  'EROFS',
]);
/** What node-postgres says when the connection died under it; these carry no code. */
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout|Connection ended unexpectedly|terminating connection|the database system is (starting up|shutting down|in recovery mode)/i;

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Whether the error says the store is away or full for now (a restart, a lost connection,
 * a busy or full disk, a file that vanished): the operation may succeed later, so the
 * answer is 451 at SMTP, 503 at HTTP, a retry in the queue.
 */
export function isTransientStoreError(e: unknown): boolean {
  if (isRelaydeskError(e)) return e.code === 'STORE_UNAVAILABLE';
  const code = codeOf(e);
  if (code && (PG_TRANSIENT.test(code) || SQLITE_TRANSIENT.test(code) || SYSTEM_TRANSIENT.has(code))) return true;
  const message = e instanceof Error ? e.message : String(e);
  return PG_MESSAGES.test(message);
}

/** A unique index refused the row (another node or request made the same one first). */
export function isUniqueViolation(e: unknown, index?: string): boolean {
  const code = codeOf(e);
  if (code !== '23505' && !code.startsWith('SQLITE_CONSTRAINT_UNIQUE') && !code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY')) return false;
  if (!index) return true;
  const said = `${(e as { constraint?: string }).constraint ?? ''} ${(e as Error).message ?? ''}`;
  return said.includes(index);
}

/** A short account of a store error for people: what happened, without a stack. */
export function describeStoreError(e: unknown): string {
  const code = codeOf(e);
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') return `the disk is full (${message})`;
  if (code === 'ECONNREFUSED') return `the database refuses connections (${message})`;
  if (code.startsWith('57P') || /terminat|shutting down|starting up/i.test(message)) return `the database is restarting or stopped (${message})`;
  if (code === 'ENOENT' || code === 'SQLITE_CANTOPEN') return `the store's files are missing (${message})`;
  return code ? `${message} (${code})` : message;
}
