import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DialectCaps } from '../dialects/caps.js';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-desk.js';
import * as m0003 from './0003-api.js';
import * as m0004 from './0004-users.js';
import * as m0005 from './0005-console-lookups.js';
import * as m0006 from './0006-login-failures.js';
import * as m0007 from './0007-webhook-deliveries.js';
import * as m0008 from './0008-streamed-bodies.js';
import * as m0009 from './0009-intake-fingerprint.js';
import * as m0010 from './0010-retention.js';
import * as m0011 from './0011-nodes.js';
import * as m0012 from './0012-traffic-rollups.js';
import * as m0013 from './0013-destinations.js';
import * as m0014 from './0014-test-cases.js';
import * as m0015 from './0015-attachment-original-names.js';
import * as m0016 from './0016-imap-mailboxes.js';
import * as m0017 from './0017-case-sla.js';
import * as m0018 from './0018-assignment.js';
import * as m0019 from './0019-destination-health.js';
import * as m0020 from './0020-lease-indexes.js';
import * as m0021 from './0021-trace-outcome-indexes.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration runs against the database as it was then, not the schema type of today */
type Step = { up(db: Kysely<any>, caps: DialectCaps): Promise<void> };

/** Migrations are listed here, in order; names never change once released. */
const STEPS: Record<string, Step> = {
  '0001-initial': m0001,
  '0002-desk': m0002,
  '0003-api': m0003,
  '0004-users': m0004,
  '0005-console-lookups': m0005,
  '0006-login-failures': m0006,
  '0007-webhook-deliveries': m0007,
  '0008-streamed-bodies': m0008,
  '0009-intake-fingerprint': m0009,
  '0010-retention': m0010,
  '0011-nodes': m0011,
  '0012-traffic-rollups': m0012,
  '0013-destinations': m0013,
  '0014-test-cases': m0014,
  '0015-attachment-original-names': m0015,
  '0016-imap-mailboxes': m0016,
  '0017-case-sla': m0017,
  '0018-assignment': m0018,
  '0019-destination-health': m0019,
  '0020-lease-indexes': m0020,
  '0021-trace-outcome-indexes': m0021,
};

export function migrationProvider(caps: DialectCaps): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(STEPS)) out[name] = { up: (db) => step.up(db, caps) };
      return out;
    },
  };
}
