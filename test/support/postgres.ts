/**
 * PostgreSQL for integration tests: a database of its own per test file, on the cluster that
 * global-setup.ts started (or on the server named by RELAYDESK_TEST_PG_URL).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface PgDatabase {
  /** postgres://… URL of the new, empty database. */
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** URL of the run's shared database, as provided by global-setup.ts. */
export function pgUrl(): string {
  const url = inject('pgUrl') ?? process.env.RELAYDESK_TEST_PG_URL;
  if (!url) {
    throw new Error('no PostgreSQL for the tests: run them through vitest (its globalSetup starts one), or set RELAYDESK_TEST_PG_URL');
  }
  return url;
}

/**
 * Creates a uniquely named, empty database, so test files stay independent of each other:
 *
 *   const db = await freshPgDatabase();
 *   afterAll(() => db.drop());
 */
export async function freshPgDatabase(): Promise<PgDatabase> {
  const base = pgUrl();
  const name = `relaydesk_${process.pid}_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Runs one statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
