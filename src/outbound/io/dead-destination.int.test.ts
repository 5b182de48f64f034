/**
 * The store keeps a destination's health as dead-destination.ts says, one conditional
 * statement per change (so that nodes racing agree): random sequences of attempts by
 * several nodes, run through the store on both dialects and through the pure record.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { claimDestinationProbe, loadDestination, recordConnectionFailure, recordConnectionSuccess } from '../../store/index.js';
import {
  DEAD_AFTER,
  DEFAULT_PROBE_SCHEDULE,
  HEALTHY,
  MAX_PROBE_MS,
  PROBE_LEASE_MS,
  afterConnectionFailure,
  claimProbe,
  probeSchedule,
  type HealthRecord,
} from '../dead-destination.js';

const T0 = 1_700_000_040_000;
/** The default waits, and those of two short retry schedules (`queue.retry`). */
const schedules = fc.constantFrom(DEFAULT_PROBE_SCHEDULE, probeSchedule({ maxIntervalMs: 20_000 }), probeSchedule({ maxIntervalMs: 7_000 }));
const node = fc.constantFrom('a', 'b');
const step = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 * MAX_PROBE_MS }).map((ms) => ({ kind: 'advance' as const, ms })) },
  { weight: 3, arbitrary: node.map((n) => ({ kind: 'claim' as const, node: n })) },
  { weight: 5, arbitrary: fc.tuple(node, fc.boolean()).map(([n, asProbe]) => ({ kind: 'fail' as const, node: n, asProbe })) },
  { weight: 1, arbitrary: node.map((n) => ({ kind: 'answer' as const, node: n })) },
);

describe.each(DIALECTS)('the health of a destination on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('changes as the pure record does, whatever the nodes do in whatever order, under any probe schedule', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 40 }), schedules, async (steps, schedule) => {
        const destination = `run${run++}.test`;
        const db = ts.store.db;
        let h: HealthRecord = HEALTHY;
        let now = T0;
        for (const s of steps) {
          if (s.kind === 'advance') now += s.ms;
          else if (s.kind === 'claim') {
            const claimed = claimProbe(h, s.node, now, now + PROBE_LEASE_MS);
            expect(await claimDestinationProbe(db, { destination, owner: s.node, now, until: now + PROBE_LEASE_MS })).toBe(claimed !== null);
            h = claimed ?? h;
          } else if (s.kind === 'fail') {
            const prober = s.asProbe ? s.node : undefined;
            h = afterConnectionFailure(h, now, prober, schedule);
            await recordConnectionFailure(db, { destination, now, deadAfter: DEAD_AFTER, ...schedule, ...(prober ? { prober } : {}) });
          } else {
            expect(await recordConnectionSuccess(db, { destination, now })).toBe(h.down !== null);
            h = HEALTHY;
          }
          const stored = await loadDestination(db, destination);
          const down = h.down && { since: h.down.since, probeAt: h.down.probeAt, probing: h.down.probing };
          expect({ failures: stored?.failures ?? 0, down: stored?.down ?? null }).toEqual({ failures: h.failures, down });
        }
      }),
      { numRuns: 40 },
    );
  });
});
