import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEnvelopeChange, normalizeAddress } from './address.js';
import { combineModifyRules, decideRecipient, explainRecipient } from './decide.js';
import { applyingRules, isRecognized, ruleApplies } from './match.js';
import type { AddedRecipient, PlannedDelivery, RecipientMatch, RoutingRule, SpamVerdict } from './model.js';
import { planDeliveries } from './plan.js';
import { rule, snapshotWith } from './testing.js';

const LOCALS = ['help', 'info', 'alice', 'a.smith', 'bob', 'carol', 'sales-team', 'inner', 'ghost'];
const DOMAINS = ['solarmora.com', 'crm.test', 'desk.solarmora.test', 'gmail.com'];
const HOSTED = 'solarmora.com';

const casing = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
const address = fc.tuple(fc.constantFrom(...LOCALS), fc.constantFrom(...DOMAINS)).chain(([l, d]) => casing(`${l}@${d}`));
const hostedAddress = fc.constantFrom(...LOCALS).chain((l) => casing(`${l}@${HOSTED}`));

const match: fc.Arbitrary<RecipientMatch> = fc.oneof(
  { weight: 4, arbitrary: hostedAddress.map((single) => ({ single })) },
  { weight: 2, arbitrary: fc.constantFrom('help@.*', '.*@solarmora\\.com', 'a.*|b.*', '(info|help)@solarmora\\.com').map((pattern) => ({ pattern })) },
  { weight: 1, arbitrary: fc.constantFrom('sales-team@solarmora.com', 'inner@solarmora.com').map((group) => ({ group })) },
  { weight: 1, arbitrary: fc.constant({ all: true as const }) },
);

const addedRecipient: fc.Arbitrary<AddedRecipient> = fc.record({ address, doNotDeliverSpam: fc.boolean(), suppressBounces: fc.boolean() });

/** Only options that accumulate: their table order must not matter. */
const accumulating = fc.record({
  addRecipients: fc.array(addedRecipient, { maxLength: 3 }),
  customHeaders: fc.dictionary(fc.constantFrom('X-A', 'X-B', 'x-a'), fc.constantFrom('1', '2'), { maxKeys: 2 }),
  prependSubject: fc.option(fc.constantFrom('[a] ', '[b] '), { nil: undefined }),
  bypassSpamFilter: fc.boolean(),
  requireTls: fc.boolean(),
  removeAttachments: fc.boolean(),
  addXOriginalToHeader: fc.boolean(),
  addSpamHeaders: fc.boolean(),
});

const anyRule: fc.Arbitrary<RoutingRule> = fc
  .record({
    description: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
    enabled: fc.boolean(),
    match,
    action: fc.constantFrom('modify', 'modify', 'modify', 'modify', 'reject', 'quarantine'),
    recognizedAddresses: fc.boolean(),
    acc: accumulating,
    change: fc.option(
      fc.oneof(
        address.map((replaceRecipient) => ({ replaceRecipient })),
        fc.constantFrom('bob', 'ghost', 'support').map((replaceUsername) => ({ replaceUsername })),
        fc.constantFrom('crm.test', 'solarmora.com').map((replaceDomain) => ({ replaceDomain })),
      ),
      { nil: undefined },
    ),
    changeRoute: fc.option(fc.constantFrom('crm', 'crm2'), { nil: undefined }),
  })
  .map(({ acc, change, changeRoute, ...r }) =>
    rule({ ...r, modify: { ...acc, ...(change ? { changeEnvelopeRecipient: change } : {}), ...(changeRoute ? { changeRoute } : {}) } }),
  );

const rules = fc.array(anyRule, { maxLength: 8 });
const verdict: fc.Arbitrary<SpamVerdict> = fc.boolean().map((spam) => ({ spam, score: spam ? 10 : 0, reasons: [] }));
const summaryOf = (ds: readonly PlannedDelivery[]) => ds.map((d) => `${d.transport}:${d.recipient}${d.held ? ' held' : ''}`);
const key = (d: PlannedDelivery) => `${d.transport}:${d.recipient}@${d.route ?? ''}${d.held ? `:${d.holdReason}` : ''}`;

function applying(rs: readonly RoutingRule[], addr: string) {
  const snap = snapshotWith(rs);
  const a = normalizeAddress(addr);
  const recognized = isRecognized(a, snap);
  return { snap, a, recognized, rules: applyingRules(a, recognized, snap).map((i) => rs[i] as RoutingRule) };
}

describe('planner properties', () => {
  it('single-match lookup gives the same rules as a linear scan', () => {
    fc.assert(
      fc.property(rules, address, (rs, addr) => {
        const { snap, a, recognized } = applying(rs, addr);
        const linear = rs.flatMap((r, i) => (ruleApplies(r, i, a, recognized, snap) ? [i] : []));
        expect(applyingRules(a, recognized, snap)).toEqual(linear);
      }),
    );
  });

  it('an explanation carries the very decision, and its applied rules are the ones the decision used', () => {
    fc.assert(
      fc.property(rules, address, (rs, addr) => {
        const { snap, rules: app } = applying(rs, addr);
        const x = explainRecipient(addr, snap);
        expect(x.decision).toEqual(decideRecipient(addr, snap));
        if (x.before !== undefined) return;
        const used = x.rules.filter((e) => e.outcome.kind === 'applied' || e.outcome.kind === 'overridden').map((e) => rs[e.index]);
        const matched = x.rules.filter((e) => ['applied', 'overridden', 'rejected'].includes(e.outcome.kind)).map((e) => rs[e.index]);
        expect(matched).toEqual(app);
        if (x.decision.kind === 'accept') expect(x.decision.plan.rules).toEqual(used.map((r) => r?.description));
        // A reject is a rule's (exactly one is used), or "no such user" (no rule rejects).
        else expect(used.filter((r) => r?.action === 'reject').map((r) => r?.description)).toEqual(x.decision.rule !== undefined ? [x.decision.rule] : []);
      }),
    );
  });

  it('an applying reject rule always wins', () => {
    fc.assert(
      fc.property(rules, hostedAddress, (rs, addr) => {
        const { snap, rules: app } = applying(rs, addr);
        const d = decideRecipient(addr, snap);
        if (app.some((r) => r.action === 'reject')) {
          expect(d.kind === 'reject' && d.reply.enhanced).toBe('5.7.1');
          expect(d.kind === 'reject' && d.rule).toBe(app.find((r) => r.action === 'reject')?.description);
        }
      }),
    );
  });

  it('a rewritten recipient is never routed through the rules again', () => {
    fc.assert(
      fc.property(rules, hostedAddress, (rs, addr) => {
        const { snap, a, rules: app } = applying(rs, addr);
        const change = combineModifyRules(app.filter((r) => r.action === 'modify')).change;
        if (change === undefined) return;
        const dest = applyEnvelopeChange(a, change);
        if (dest === a) return;
        const trap = rule({ match: { single: dest }, action: 'reject', recognizedAddresses: true });
        expect(decideRecipient(addr, snapshotWith([...rs, trap]))).toEqual(decideRecipient(addr, snap));
      }),
    );
  });

  it('the order of rules that only accumulate does not change the outcome', () => {
    const accRule = fc
      .record({ match, acc: accumulating, recognizedAddresses: fc.boolean() })
      .map(({ match: m, acc, recognizedAddresses }) => rule({ match: m, modify: acc, recognizedAddresses }));
    fc.assert(
      fc.property(
        fc.array(accRule, { maxLength: 6 }).chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        hostedAddress,
        verdict,
        ([rs, shuffled], addr, v) => {
          const outcome = (table: RoutingRule[]) => {
            const d = decideRecipient(addr, snapshotWith(table));
            if (d.kind === 'reject') return d;
            const t = d.plan.transform;
            return {
              deliveries: planDeliveries([d.plan], v).map(key).sort(),
              headers: t.headers.map(([n, val]) => `${n.toLowerCase()}:${val}`).sort(),
              prefixes: [...t.prependSubject].sort(),
              flags: [d.plan.requireTls, t.removeAttachments, t.spamHeaders, t.xOriginalTo],
            };
          };
          // Added recipients that repeat with different options take the first one's: keep them distinct here.
          const addresses = rs.flatMap((r) => r.modify.addRecipients.map((x) => normalizeAddress(x.address)));
          fc.pre(new Set(addresses).size === addresses.length);
          expect(outcome(shuffled)).toEqual(outcome(rs));
        },
      ),
    );
  });

  it('rules without recognizedAddresses leave recognized addresses untouched', () => {
    fc.assert(
      fc.property(
        rules,
        fc.constantFrom('alice', 'a.smith', 'bob', 'sales-team', 'inner').chain((l) => casing(`${l}@${HOSTED}`)),
        (rs, addr) => {
          const only = rs.map((r) => ({ ...r, recognizedAddresses: false }));
          expect(decideRecipient(addr, snapshotWith(only))).toEqual(decideRecipient(addr, snapshotWith([])));
        },
      ),
    );
  });

  it('every accepted recipient yields at least one delivery, for ham and spam', () => {
    fc.assert(
      fc.property(rules, address, verdict, (rs, addr, v) => {
        const d = decideRecipient(addr, snapshotWith(rs));
        if (d.kind === 'accept') {
          expect(d.plan.targets.length).toBeGreaterThan(0);
          expect(planDeliveries([d.plan], v).length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('spam never goes to an added recipient with doNotDeliverSpam (unless it is also the primary destination)', () => {
    fc.assert(
      fc.property(rules, hostedAddress, (rs, addr) => {
        const { snap, a, rules: app } = applying(rs, addr);
        const d = decideRecipient(addr, snap);
        if (d.kind !== 'accept') return;
        const combined = combineModifyRules(app.filter((r) => r.action === 'modify'));
        const dest = combined.change ? applyEnvelopeChange(a, combined.change) : a;
        const deliveries = planDeliveries([d.plan], { spam: true, score: 10, reasons: [] });
        for (const x of combined.addRecipients) {
          const external = /@(crm\.test|gmail\.com)$/.test(x.address);
          if (!x.doNotDeliverSpam || !external || x.address === dest) continue;
          const copy = deliveries.find((del) => del.transport === 'smtp' && del.recipient === x.address && del.route === undefined);
          expect(copy?.held).toBe(true);
        }
        // And nothing a rule sends off without bypass goes out as spam.
        if (!combined.bypassSpamFilter) {
          for (const del of deliveries) if (del.route !== undefined) expect(del.held).toBe(true);
        }
      }),
    );
  });

  it('a quarantine rule holds every delivery', () => {
    fc.assert(
      fc.property(rules, hostedAddress, verdict, (rs, addr, v) => {
        const { snap, rules: app } = applying(rs, addr);
        const d = decideRecipient(addr, snap);
        if (d.kind === 'accept' && app.some((r) => r.action === 'quarantine')) {
          expect(planDeliveries([d.plan], v).every((x) => x.held && x.holdReason === 'quarantine-rule')).toBe(true);
        }
      }),
    );
  });

  it('mail for a domain neither hosted nor the desk is always relaying denied', () => {
    fc.assert(
      fc.property(
        rules,
        fc.constantFrom(...LOCALS).map((l) => `${l}@gmail.com`),
        (rs, addr) => {
          const d = decideRecipient(addr, snapshotWith(rs));
          expect(d.kind === 'reject' && `${d.reply.code} ${d.reply.enhanced}`).toBe('550 5.7.1');
        },
      ),
    );
  });

  it('no rule can refuse, hold or rewrite mail for postmaster', () => {
    const postmaster = fc.constantFrom('postmaster', `postmaster@${HOSTED}`, 'postmaster@desk.solarmora.test').chain(casing);
    const aimed = fc
      .record({ rule: anyRule, single: postmaster, recognizedAddresses: fc.boolean() })
      .map(({ rule: r, single, recognizedAddresses }) => ({ ...r, enabled: true, match: { single }, recognizedAddresses }));
    const table = fc.array(
      fc.oneof(
        anyRule,
        aimed,
        anyRule.map((r) => ({ ...r, match: { pattern: 'postmaster.*' } })),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(table, postmaster, verdict, (rs, addr, v) => {
        const d = decideRecipient(addr, snapshotWith(rs));
        expect(d).toEqual(decideRecipient(addr, snapshotWith([])));
        if (d.kind !== 'accept') throw new Error('postmaster must be accepted');
        expect(d.plan.rules).toEqual([]);
        expect(summaryOf(planDeliveries([d.plan], v))).toEqual(['mailbox:postmaster@solarmora.com']);
      }),
    );
  });

  it('decisions ignore the case of the address', () => {
    fc.assert(
      fc.property(rules, address, (rs, addr) => {
        const snap = snapshotWith(rs);
        expect(decideRecipient(addr.toUpperCase(), snap)).toEqual(decideRecipient(addr.toLowerCase(), snap));
      }),
    );
  });
});

describe('planner speed', () => {
  it('1,000 single rules cost (almost) nothing per recipient', () => {
    const table = Array.from({ length: 1000 }, (_, i) =>
      rule({
        description: `rule ${i}`,
        match: { single: `alias${i}@solarmora.com` },
        modify: { changeEnvelopeRecipient: { replaceRecipient: `case${i}@crm.test` }, changeRoute: 'crm', addXOriginalToHeader: true },
      }),
    );
    const snap = snapshotWith(table);
    const recipients = Array.from({ length: 5000 }, (_, i) => `alias${(i * 7) % 1200}@solarmora.com`);
    const start = performance.now();
    let delivered = 0;
    for (const r of recipients) {
      const d = decideRecipient(r, snap);
      if (d.kind === 'accept') delivered += planDeliveries([d.plan], { spam: false, score: 0, reasons: [] }).length;
    }
    const perRecipient = (performance.now() - start) / recipients.length;
    console.log(`1,000 single rules: ${(perRecipient * 1000).toFixed(1)} µs per recipient (decide + plan), ${delivered} deliveries`);
    expect(delivered).toBeGreaterThan(0);
    expect(perRecipient).toBeLessThan(5);
  });

  it('200 pattern rules stay fast (each address is encoded for RE2 once, not once per pattern)', () => {
    const table = Array.from({ length: 200 }, (_, i) =>
      rule({
        description: `team ${i}`,
        match: { pattern: `team${i}-[a-z0-9]+@solarmora\\.com` },
        modify: { changeEnvelopeRecipient: { replaceRecipient: `team${i}@crm.test` }, changeRoute: 'crm' },
      }),
    );
    const snap = snapshotWith(table);
    const recipients = Array.from({ length: 2000 }, (_, i) => `Team${(i * 7) % 250}-x${i}@solarmora.com`);
    const start = performance.now();
    let delivered = 0;
    for (const r of recipients) {
      const d = decideRecipient(r, snap);
      if (d.kind === 'accept') delivered += planDeliveries([d.plan], { spam: false, score: 0, reasons: [] }).length;
    }
    const perRecipient = (performance.now() - start) / recipients.length;
    console.log(`200 pattern rules: ${(perRecipient * 1000).toFixed(1)} µs per recipient (decide + plan), ${delivered} deliveries`);
    expect(delivered).toBe(recipients.filter((r) => Number(/^Team(\d+)-/.exec(r)?.[1]) < 200).length);
    expect(perRecipient).toBeLessThan(2);
  });
});
