import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIRST_PROBE_MS, probeDue } from './dead-destination.js';
import { ATTEMPT_LEASE_MS, decideAnswer, decideEntry, forgettable, limitNow, sweepSlots, type HeldSlot, type SlotView } from './destination-slots.js';
import { MAX_SLOW_LEVEL, RECOVER_STEP_MS, type DestinationLimit } from './pacing.js';

const NOW = 1_700_000_000_000;
const IDLE_HOLD_MS = 25_000;

const slot: fc.Arbitrary<HeldSlot> = fc.record({
  until: fc.integer({ min: NOW - 10_000, max: NOW + ATTEMPT_LEASE_MS }),
  busy: fc.boolean(),
  idleSince: fc.integer({ min: NOW - 60_000, max: NOW }),
});
const held = fc.array(fc.tuple(fc.nat({ max: 12 }), slot), { maxLength: 12 }).map((entries) => new Map(entries));
const down = fc.record({
  since: fc.integer({ min: NOW - 1_000_000, max: NOW }),
  probeAt: fc.integer({ min: NOW - 100_000, max: NOW + 400_000 }),
  probing: fc.option(fc.record({ owner: fc.constantFrom('a', 'b'), until: fc.integer({ min: NOW - 100_000, max: NOW + 200_000 }) }), { nil: null }),
});
const view: fc.Arbitrary<SlotView> = fc.record({
  failures: fc.oneof(fc.constant(0), fc.nat({ max: 8 })),
  down: fc.option(down, { nil: null, freq: 3 }),
  slow: fc.record({ level: fc.nat({ max: MAX_SLOW_LEVEL }), at: fc.integer({ min: NOW - 6 * RECOVER_STEP_MS, max: NOW }) }),
  held,
  waiting: fc.oneof(fc.constant(0), fc.nat({ max: 600 })),
});
const limit: fc.Arbitrary<DestinationLimit> = fc.record({
  connections: fc.integer({ min: 1, max: 12 }),
  perMinute: fc.option(fc.integer({ min: 1, max: 600 }), { nil: null }),
});

/** Slots of ours that an attempt may use again from memory: idle, below the limit, with a lease that lasts past the next sweeps. */
const reusable = (v: SlotView, connections: number) => [...v.held].filter(([s, h]) => !h.busy && s < connections && h.until > NOW + 30_000).map(([s]) => s);

describe('how an attempt enters, for anything a process may know', () => {
  it('lets nothing but the probe go to a down destination, and the probe only when it is due', () => {
    fc.assert(
      fc.property(view, limit, (v, l) => {
        if (!v.down) return;
        const d = decideEntry(v, l, NOW);
        if (probeDue(v.down, NOW)) expect(d).toEqual({ kind: 'probe' });
        else {
          expect(d.kind).toBe('hold');
          if (d.kind === 'hold' && v.down.probing) expect(d.down.nextProbeAt).toBeLessThanOrEqual(NOW + FIRST_PROBE_MS);
        }
      }),
    );
  });

  it('uses again the lowest idle slot of ours below the limit in force, one at a time after a connection failure', () => {
    fc.assert(
      fc.property(view, limit, (v, l) => {
        if (v.down) return;
        const { connections } = limitNow(l, v, NOW);
        if (v.failures > 0) expect(connections).toBe(1);
        expect(connections).toBeLessThanOrEqual(l.connections);
        const d = decideEntry(v, l, NOW);
        const mine = reusable(v, connections);
        if (mine.length > 0) expect(d).toEqual({ kind: 'go', slot: Math.min(...mine) });
        else expect(d.kind).not.toBe('go');
      }),
    );
  });

  it('waits in the process only when every slot allowed is its own and in use, behind a bounded queue', () => {
    fc.assert(
      fc.property(view, limit, (v, l) => {
        if (v.down) return;
        const { connections } = limitNow(l, v, NOW);
        const d = decideEntry(v, l, NOW);
        if (d.kind === 'go') return;
        const busy = [...v.held].filter(([s, h]) => h.busy && s < connections).length;
        expect(d.kind).toBe(busy >= connections && v.waiting < 500 ? 'wait' : 'take');
      }),
    );
  });

  it("reads the store's answer: a slot of a destination gone down meanwhile is left idle; a full destination is waited for only while we send on it", () => {
    fc.assert(
      fc.property(
        view,
        fc.oneof(
          fc.nat({ max: 12 }).map((s) => ({ kind: 'slot' as const, slot: s })),
          fc.record({ kind: fc.constantFrom('connections' as const, 'rate' as const), limit: fc.integer({ min: 1, max: 600 }) }),
        ),
        fc.nat({ max: 12 }),
        (v, answer, busy) => {
          const d = decideAnswer(v, answer, busy, NOW);
          if (answer.kind === 'slot') expect(d).toMatchObject(v.down ? { kind: 'hold', slot: answer.slot } : { kind: 'go', slot: answer.slot });
          else if (answer.kind === 'connections' && busy > 0 && v.waiting < 500) expect(d).toEqual({ kind: 'wait' });
          else expect(d).toEqual({ kind: 'paced', wait: answer });
        },
      ),
    );
  });
});

describe('the sweep, for any slots a process holds', () => {
  it('renews only slots in use whose lease runs low, and gives back only idle ones, those idle too long or about to lapse', () => {
    fc.assert(
      fc.property(held, (h) => {
        const { renew, giveBack } = sweepSlots(h, NOW, IDLE_HOLD_MS);
        for (const [s, x] of h) {
          if (x.busy) {
            expect(giveBack).not.toContain(s);
            expect(renew.includes(s)).toBe(x.until - NOW < ATTEMPT_LEASE_MS - 30_000);
          } else {
            expect(renew).not.toContain(s);
            expect(giveBack.includes(s)).toBe(NOW - x.idleSince >= IDLE_HOLD_MS || x.until <= NOW + 30_000);
          }
        }
      }),
    );
  });

  it('forgets a destination only when nothing of it is held, awaited or wrong', () => {
    fc.assert(
      fc.property(view, fc.nat({ max: 2 }), (v, entering) => {
        expect(forgettable(v, entering)).toBe(v.held.size === 0 && v.waiting === 0 && entering === 0 && v.failures === 0 && v.down === null);
      }),
    );
  });
});
