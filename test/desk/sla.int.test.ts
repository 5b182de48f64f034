/**
 * Service targets on a real store, SQLite and PostgreSQL: the clock a case opens with, its
 * pause while pending, the sweep that records a breach once (even when two sweeps race) and
 * sends case.sla_breached once per target, and the breached view, its count and the due order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { applyConfigText } from '../../src/config/index.js';
import { startCaseSla } from '../../src/desk/io/case-sla.js';
import { loadDeskContext } from '../../src/desk/io/desk-context.js';
import { answerCase, changeCase } from '../../src/desk/io/desk-service.js';
import { sweepSlaBreaches } from '../../src/desk/io/sla-sweep.js';
import { addWebhook } from '../../src/desk/io/webhook-subscriptions.js';
import { caseView } from '../../src/desk/views.js';
import { countBreachedCases, createCase, listCases, listDeskChannels, loadCaseByNumber, type Db } from '../../src/store/index.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/relaydesk.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.parse('2026-12-07T00:00:00Z');

const CONFIG = `domains: [solarmora.com]
desk:
  domain: case.solarmora.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, sla: { firstResponse: 1h, resolution: 1d } }
    - { name: Plain, kind: support, publicAddress: plain@solarmora.com }
`;

describe.each(DIALECTS)('case SLA on %s', (dialect) => {
  let t: TestStore;
  let db: Db;
  const sweep = (now: number) => sweepSlaBreaches({ db, clock: { now: () => now }, logger: silentLogger, wake: () => undefined });
  const ctx = (now: number) => loadDeskContext(db, { now, hostname: 'desk.solarmora.test' });
  const webhookEvents = async () => (await db.selectFrom('messages').select('subject').where('subject', '=', 'webhook case.sla_breached').execute()).length;

  async function openCase(channel: string, at: number): Promise<number> {
    const ch = (await listDeskChannels(db)).find((c) => c.name === channel)!;
    const { sla } = await ctx(at);
    return db.transaction().execute(async (trx) => {
      const c = await createCase(trx, {
        channelId: ch.id,
        subject: 'The printer',
        requester: { name: 'Aiko', address: 'aiko@customer.example' },
        participants: [],
        linkedTo: null,
        originalRecipient: null,
        now: at,
      });
      await startCaseSla(trx, c.id, { targets: sla.targets.get(channel), hours: sla.hours, at, status: 'new' });
      return c.number;
    });
  }

  beforeAll(async () => {
    t = await openTestStore(dialect);
    db = t.store.db;
    await applyConfigText(db, CONFIG, { appliedBy: 'test', now: T0 });
    await addWebhook(db, {
      url: 'http://127.0.0.1:9/hook',
      events: ['case.sla_breached'],
      createdBy: 'test',
      now: T0,
      allowPrivateDestinations: true,
    });
  });
  afterAll(() => t?.cleanup());

  it('opens with due times, pauses while pending, and moves them by the pause', async () => {
    const n = await openCase('Support', T0);
    let c = (await loadCaseByNumber(db, n))!;
    expect(c.sla).toMatchObject({ targets: { firstResponse: H, resolution: 24 * H }, firstResponseDue: T0 + H, resolutionDue: T0 + 24 * H });

    await changeCase(await ctx(T0 + 30 * M), { caseNumber: n, status: 'pending', by: 'web:agent@solarmora.test' });
    c = (await loadCaseByNumber(db, n))!;
    expect(c.sla).toMatchObject({ firstResponseDue: null, resolutionDue: null, runningSince: null, elapsed: 30 * M });
    expect(caseView(c, []).sla).toMatchObject({ paused: true, remaining: { firstResponse: 30 * M, resolution: 24 * H - 30 * M } });
    // Hours pass while the customer is away: nothing is breached.
    expect(await sweep(T0 + 5 * H)).toEqual([]);

    await changeCase(await ctx(T0 + 5 * H), { caseNumber: n, status: 'open', by: 'web:agent@solarmora.test' });
    c = (await loadCaseByNumber(db, n))!;
    expect(c.sla.firstResponseDue).toBe(T0 + 5 * H + 30 * M);
    expect(caseView(c, []).sla).toMatchObject({ paused: false, remaining: null, breached: [] });
  });

  it('records a breach once and sends case.sla_breached once, however many sweeps run', async () => {
    const n = await openCase('Support', T0);
    const before = await webhookEvents();
    expect(await sweep(T0 + H - 1)).not.toContainEqual(expect.objectContaining({ caseNumber: n }));
    const runs = await Promise.all([sweep(T0 + H), sweep(T0 + H), sweep(T0 + H + 1)]);
    const mine = runs.flat().filter((r) => r.caseNumber === n);
    expect(mine).toEqual([{ caseNumber: n, target: 'firstResponse', due: T0 + H }]);
    expect(await sweep(T0 + 2 * H)).not.toContainEqual(expect.objectContaining({ caseNumber: n }));
    const c = (await loadCaseByNumber(db, n))!;
    expect(c.sla.breachedAt.firstResponse).not.toBeNull();
    expect(caseView(c, []).sla?.breached).toEqual(['firstResponse']);
    // The earlier test's case missed nothing yet; this one's breach is the only new event.
    expect(await webhookEvents()).toBe(before + 1);

    // An answer after the due time meets the target late: the breach stays, and so does the due time.
    await answerCase(await ctx(T0 + 3 * H), { caseNumber: n, body: 'Sorry for the wait.', author: 'agent@solarmora.com' });
    const answered = (await loadCaseByNumber(db, n))!;
    expect(answered.sla).toMatchObject({ firstResponseAt: T0 + 3 * H, firstResponseDue: T0 + H });
  });

  it('lists breached cases still being worked, counts them for the badge, and sorts by the nearest due time', async () => {
    const breached = (await listCases(db, { sla: 'breached' })).map((c) => c.number);
    expect(breached.length).toBeGreaterThan(0);
    expect(await countBreachedCases(db)).toBe(breached.length);
    for (const n of breached) expect((await loadCaseByNumber(db, n))!.sla.breachedAt.firstResponse).not.toBeNull();

    // Solving takes a case out of the view and the count.
    const first = breached[0]!;
    await changeCase(await ctx(T0 + 4 * H), { caseNumber: first, status: 'solved', by: 'web:agent@solarmora.test' });
    expect((await listCases(db, { sla: 'breached' })).map((c) => c.number)).not.toContain(first);
    expect(await countBreachedCases(db)).toBe(breached.length - 1);

    const plain = await openCase('Plain', T0);
    const soon = await openCase('Support', T0 + 10 * H);
    const sorted = (await listCases(db, { sort: 'due' })).map((c) => c.number);
    // A case with no targets comes last; the newest Support case is due later than older open ones.
    expect(sorted[sorted.length - 1]).toBe(plain);
    expect(sorted).toContain(soon);
    const dues = (await Promise.all(sorted.map(async (n) => loadCaseByNumber(db, n)))).map((c) => {
      const d = [c!.sla.firstResponseDue, c!.sla.resolutionDue].filter((x): x is number => x !== null);
      return d.length ? Math.min(...d) : Infinity;
    });
    expect([...dues].sort((a, b) => a - b)).toEqual(dues);
  });
});
