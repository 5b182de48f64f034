import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DialectCaps } from './caps.js';
import { statementName } from './statement-names.js';

export const postgresCaps: DialectCaps = {
  autoIdType: 'bigserial',
  blobType: 'bytea',
  skipLocked: true,
  concurrentWriters: true,
  relaxedCommits: false,
  lazyCommitSql: 'set local synchronous_commit = off',
  incrementalVacuum: false,
  sizeSource: 'catalog',
};

// int8 arrives as a string by default; our int8 columns are milliseconds and counts,
// all well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

/** No query may hang a caller (an SMTP session, a queue attempt) on a server that stopped answering. */
const QUERY_TIMEOUT_MS = 30_000;

export function createPostgresDialect(url: string): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000, query_timeout: QUERY_TIMEOUT_MS, keepAlive: true });
  // An idle connection the server ends (a restart, an administrator's termination) is reported
  // here. Unheard, it would crash the node; the pool has dropped the connection already, and
  // the next query opens a new one, so there is nothing else to do.
  pool.on('error', () => undefined);
  // A connection in use (in a query, between the statements of a transaction) that dies
  // reports on the client itself, where the pool listens no more. The query under way fails
  // with the same error, and its caller decides (451, 503, a retry); the listener only keeps
  // the event from ending the process. The pool drops the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    nameStatements(client);
  });
  return { dialect: new PostgresDialect({ pool }), pool };
}

/**
 * Kysely sends every statement as text and values; the mail path's statements go by name
 * instead (see statement-names.ts), parsed and planned once per connection.
 */
function nameStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && args.length === 2 ? statementName(text) : undefined;
    return name ? query({ name, text, values }) : query(...args);
  };
}
