import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEAD_AFTER,
  DEFAULT_PROBE_SCHEDULE,
  FIRST_PROBE_MS,
  HEALTHY,
  MAX_PROBE_MS,
  MIN_PROBE_MS,
  PROBE_LEASE_MS,
  afterConnectionFailure,
  claimProbe,
  downRetryAt,
  heldUntilProbe,
  onOutcome,
  probeSchedule,
  type Health,
  type HealthRecord,
} from './dead-destination.js';

const NODES = ['a', 'b', 'c'] as const;
const T0 = 1_700_000_000_000;

/** What nodes do to a destination's shared record, in some order, as time passes. */
type Step =
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'claim'; readonly node: string }
  /** A node claims the probe and, if it gets it, the probe fails at once. */
  | { readonly kind: 'probe-fails'; readonly node: string }
  | { readonly kind: 'fail'; readonly node: string; readonly asProbe: boolean }
  | { readonly kind: 'answer'; readonly node: string; readonly asProbe: boolean };

const node = fc.constantFrom(...NODES);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 * MAX_PROBE_MS }).map((ms) => ({ kind: 'advance' as const, ms })) },
  { weight: 2, arbitrary: node.map((n) => ({ kind: 'claim' as const, node: n })) },
  { weight: 4, arbitrary: node.map((n) => ({ kind: 'probe-fails' as const, node: n })) },
  { weight: 6, arbitrary: fc.tuple(node, fc.boolean()).map(([n, asProbe]) => ({ kind: 'fail' as const, node: n, asProbe })) },
  { weight: 1, arbitrary: fc.tuple(node, fc.boolean()).map(([n, asProbe]) => ({ kind: 'answer' as const, node: n, asProbe })) },
);
// Long enough for destinations to go down and stay down through several probes.
const steps = fc.array(step, { minLength: 30, maxLength: 150 });

/**
 * Runs the steps through the shared record and calls `check` after each with the record
 * before and after, the time, the probes under way whose claim has not run out (owner →
 * claim's end), and the failures counted since the last answer.
 */
function run(
  sequence: readonly Step[],
  check: (c: { step: Step; before: HealthRecord; after: HealthRecord; now: number; probing: Map<string, number>; run: number }) => void,
): void {
  let h: HealthRecord = HEALTHY;
  let now = T0;
  let failures = 0;
  // Probes granted and not yet ended by their outcome, even when their claim ran out: owner → claim's end.
  // `asProbe`: the step is the outcome of the node's probe, when it has one; else of another attempt under way.
  const granted = new Map<string, number>();
  for (const s of sequence) {
    const before = h;
    switch (s.kind) {
      case 'advance':
        now += s.ms;
        break;
      case 'claim': {
        if (granted.has(s.node)) break;
        const claimed = claimProbe(h, s.node, now, now + PROBE_LEASE_MS);
        if (claimed) {
          h = claimed;
          granted.set(s.node, now + PROBE_LEASE_MS);
        }
        break;
      }
      case 'probe-fails': {
        if (granted.has(s.node)) break;
        const claimed = claimProbe(h, s.node, now, now + PROBE_LEASE_MS);
        if (claimed) {
          h = afterConnectionFailure(claimed, now, s.node);
          failures++;
        }
        break;
      }
      case 'fail': {
        // The store ignores a probe's failure once the claim is another's.
        const probe = s.asProbe && granted.has(s.node);
        h = afterConnectionFailure(h, now, probe ? s.node : undefined);
        if (h !== before) failures++;
        if (probe) granted.delete(s.node);
        break;
      }
      case 'answer':
        h = HEALTHY;
        failures = 0;
        // Up again: a probe still under way belongs to a time down that is over, and its outcome is ignored.
        granted.clear();
        break;
    }
    const probing = new Map([...granted].filter(([, until]) => until > now));
    check({ step: s, before, after: h, now, probing, run: failures });
  }
}

describe('the shared record of a destination that does not answer, for any sequence of attempts', () => {
  it('never lets more than one probe go while a claim lasts', () => {
    fc.assert(
      fc.property(steps, (sequence) =>
        run(sequence, ({ after, now, probing }) => {
          expect(probing.size).toBeLessThanOrEqual(1);
          if (after.down?.probing && after.down.probing.until > now) expect([...probing.keys()]).toEqual([after.down.probing.owner]);
          if (!after.down) expect(after.failures).toBeLessThan(DEAD_AFTER);
        }),
      ),
      { numRuns: 1_000 },
    );
  });

  it('counts exactly the failures since the last answer, and is down only after DEAD_AFTER of them', () => {
    fc.assert(
      fc.property(steps, (sequence) =>
        run(sequence, ({ before, after, run: failures }) => {
          expect(after.failures).toBe(failures);
          if (after.down) expect(after.failures).toBeGreaterThanOrEqual(DEAD_AFTER);
          if (!before.down && after.down) expect(after.failures).toBe(DEAD_AFTER);
        }),
      ),
    );
  });

  it('is cleared by any answer', () => {
    fc.assert(
      fc.property(steps, (sequence) =>
        run(sequence, ({ step: s, after }) => {
          if (s.kind === 'answer') expect(after).toEqual({ failures: 0, down: null });
        }),
      ),
    );
  });

  it('waits longer after each failed probe, never past the cap nor shorter while it keeps failing', () => {
    fc.assert(
      fc.property(steps, (sequence) =>
        run(sequence, ({ step: s, before, after, now }) => {
          if (!after.down) return;
          expect(after.down.interval).toBeGreaterThanOrEqual(FIRST_PROBE_MS);
          expect(after.down.interval).toBeLessThanOrEqual(MAX_PROBE_MS);
          expect(after.down.probeAt).toBeGreaterThan(after.down.since);
          if (!before.down) return;
          expect(after.down.interval).toBeGreaterThanOrEqual(before.down.interval);
          expect(after.down.since).toBe(before.down.since);
          if (s.kind === 'fail' && after.down.interval !== before.down.interval) {
            expect(after.down.interval).toBe(Math.min(2 * before.down.interval, MAX_PROBE_MS));
            expect(after.down.probeAt).toBe(now + after.down.interval);
            expect(after.down.probing).toBeNull();
          }
        }),
      ),
      { numRuns: 1_000 },
    );
  });

  it('takes MAX_PROBE_MS at most between probes however long it stays down', () => {
    let h: HealthRecord = HEALTHY;
    let now = T0;
    for (let i = 0; i < DEAD_AFTER; i++) h = afterConnectionFailure(h, now);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      now = h.down!.probeAt;
      h = claimProbe(h, 'a', now, now + PROBE_LEASE_MS)!;
      h = afterConnectionFailure(h, now, 'a');
      waits.push(h.down!.probeAt - now);
    }
    expect(waits.slice(0, 6)).toEqual([20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(Math.max(...waits)).toBe(MAX_PROBE_MS);
  });
  it("never waits longer between probes than the admin's retry schedule between retries", () => {
    // `queue.retry: { firstRetry: 10s, maxInterval: 20s }`: a probe every 20 s at most, not 5 minutes.
    const schedule = probeSchedule({ maxIntervalMs: 20_000 });
    expect(schedule).toEqual({ firstProbeMs: 10_000, maxProbeMs: 20_000 });
    let h: HealthRecord = HEALTHY;
    let now = T0;
    for (let i = 0; i < DEAD_AFTER; i++) h = afterConnectionFailure(h, now, undefined, schedule);
    expect(h.down!.probeAt - now).toBe(10_000);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      now = h.down!.probeAt;
      h = claimProbe(h, 'a', now, now + PROBE_LEASE_MS)!;
      h = afterConnectionFailure(h, now, 'a', schedule);
      waits.push(h.down!.probeAt - now);
    }
    expect(waits).toEqual([20_000, 20_000, 20_000, 20_000, 20_000, 20_000]);
  });
});

describe('probeSchedule', () => {
  it('keeps the usual waits under the default retry schedule', () => {
    expect(probeSchedule({ maxIntervalMs: 3_600_000 })).toEqual(DEFAULT_PROBE_SCHEDULE);
  });

  it('caps the waits at the longest retry interval, down to MIN_PROBE_MS', () => {
    expect(probeSchedule({ maxIntervalMs: 60_000 })).toEqual({ firstProbeMs: FIRST_PROBE_MS, maxProbeMs: 60_000 });
    expect(probeSchedule({ maxIntervalMs: 3_000 })).toEqual({ firstProbeMs: 3_000, maxProbeMs: 3_000 });
    expect(probeSchedule({ maxIntervalMs: 200 })).toEqual({ firstProbeMs: MIN_PROBE_MS, maxProbeMs: MIN_PROBE_MS });
  });

  it('starts at most FIRST_PROBE_MS away, caps at MAX_PROBE_MS and at the retry interval, for any retry schedule', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 86_400_000 }), (maxIntervalMs) => {
        const s = probeSchedule({ maxIntervalMs });
        expect(s.firstProbeMs).toBeGreaterThanOrEqual(MIN_PROBE_MS);
        expect(s.firstProbeMs).toBeLessThanOrEqual(FIRST_PROBE_MS);
        expect(s.maxProbeMs).toBeGreaterThanOrEqual(s.firstProbeMs);
        expect(s.maxProbeMs).toBeLessThanOrEqual(Math.min(MAX_PROBE_MS, Math.max(MIN_PROBE_MS, maxIntervalMs)));
      }),
    );
  });
});

const downRecord = fc.record({
  since: fc.integer({ min: T0, max: T0 + 1_000_000 }),
  probeAt: fc.integer({ min: T0, max: T0 + 2_000_000 }),
  probing: fc.option(fc.record({ owner: fc.constantFrom(...NODES), until: fc.integer({ min: T0, max: T0 + 2_000_000 }) }), { nil: null }),
});
const health: fc.Arbitrary<Health> = fc.record({ failures: fc.nat({ max: 20 }), down: fc.option(downRecord, { nil: null }) });

describe('what one attempt’s outcome does, from what the node knew', () => {
  it('counts a failure at once and writes it, the probe’s as the probe’s', () => {
    fc.assert(
      fc.property(health, fc.boolean(), (known, probe) => {
        const { next, effect } = onOutcome(known, { reached: false, probe });
        expect(next).toEqual({ failures: known.failures + 1, down: known.down });
        expect(effect).toEqual({ kind: 'failure', probe });
      }),
    );
  });

  it('clears on an answer, and writes only when something was known to be wrong or it was the probe', () => {
    fc.assert(
      fc.property(health, fc.boolean(), (known, probe) => {
        const { next, effect } = onOutcome(known, { reached: true, probe });
        expect(next).toEqual({ failures: 0, down: null });
        if (known.failures === 0 && known.down === null && !probe) expect(effect).toEqual({ kind: 'none' });
        else expect(effect).toEqual({ kind: 'success', downSince: known.down?.since ?? null });
      }),
    );
  });
});

describe('deliveries held for a down destination', () => {
  it('come back after the next probe, within the spread, the same time for the same delivery', () => {
    fc.assert(
      fc.property(downRecord, fc.integer({ min: T0, max: T0 + 2_000_000 }), fc.nat({ max: 2 ** 31 }), (down, now, id) => {
        const held = heldUntilProbe(down, now);
        const at = downRetryAt(held, now, id);
        const from = Math.max(now, held.nextProbeAt) + 1_000;
        expect(at).toBeGreaterThanOrEqual(from);
        expect(at).toBeLessThan(from + 5_000);
        expect(downRetryAt(held, now, id)).toBe(at);
        expect(downRetryAt(held, now, id + 5_000)).toBe(at);
      }),
    );
  });

  it('look again when a probe under way decides, at most a first probe’s wait away', () => {
    fc.assert(
      fc.property(downRecord, fc.integer({ min: T0, max: T0 + 2_000_000 }), (down, now) => {
        const { since, nextProbeAt } = heldUntilProbe(down, now);
        expect(since).toBe(down.since);
        if (down.probing) expect(nextProbeAt).toBeLessThanOrEqual(now + FIRST_PROBE_MS);
        else expect(nextProbeAt).toBe(down.probeAt);
      }),
    );
  });
});
