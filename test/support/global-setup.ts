/**
 * vitest globalSetup: one private, throwaway PostgreSQL cluster for the whole test run, so the
 * integration suite runs on PostgreSQL as well as SQLite without touching a system server.
 *
 * The cluster listens on 127.0.0.1 (a free port) and on a unix socket in its own temp dir, trusts
 * local connections, and keeps fsync on because durability is part of what the tests check.
 * Tests read the URL with `inject('pgUrl')` (see postgres.ts); child processes find it in
 * RELAYDESK_TEST_PG_URL. Set RELAYDESK_TEST_PG_URL yourself to use an existing server instead.
 */
import type { TestProject } from 'vitest/node';
import { buildServer } from './build-server.js';
import { startCluster } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's PostgreSQL database; prefer freshPgDatabase() for a database of your own. */
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The CLI and crash tests run bin/relaydesk.js, which runs dist/server.
  buildServer();
  const external = process.env.RELAYDESK_TEST_PG_URL;
  if (external) {
    project.provide('pgUrl', external);
    return async () => {};
  }
  const cluster = await startCluster();
  project.provide('pgUrl', cluster.url);
  process.env.RELAYDESK_TEST_PG_URL = cluster.url;
  return async () => {
    delete process.env.RELAYDESK_TEST_PG_URL;
    await cluster.stop();
  };
}
