/** Assignment against the store, on both dialects: turns under concurrency, availability, hand-over on disable. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { parseConfigText, type Config } from '../../config/index.js';
import {
  changeUser,
  createCase,
  insertDeskMessage,
  insertUser,
  isUniqueViolation,
  listCases,
  listDeskChannels,
  loadAssignmentTurn,
  lockAssignmentTurn,
  recordAssignmentTurn,
  loadCaseById,
  loadCaseEvents,
  openStore,
  setUserAvailability,
  syncDeskChannels,
  type Db,
  type StoreHandle,
  type StoredChannel,
} from '../../store/index.js';
import { nextTurn, type AssignmentEvent } from '../assign.js';
import { assignNewCase, reassignCasesOf } from './assignment.js';

const AMY = 'amy@solarmora.com';
const BEN = 'ben@solarmora.com';
const NOW = 1_700_000_000_000;

function deskOf(yaml: string): Config['desk'] {
  const r = parseConfigText(yaml);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config.desk;
}

const DESK = deskOf(`desk:
  domain: case.solarmora.test
  channels:
    - { name: Support, kind: support, autoAssign: true }
  assignment:
    - when: { requesterDomain: vip.example }
      assign: { agent: ${AMY} }
`);

async function openCase(
  db: Db,
  channel: StoredChannel,
  requester: string,
  body = 'hello',
): Promise<{ id: number; number: number; event: AssignmentEvent | null }> {
  try {
    return await openCaseOnce(db, channel, requester, body);
  } catch (e) {
    // Two nodes picking the same case number: the intake starts over, and so does this.
    if (isUniqueViolation(e, 'number')) return openCase(db, channel, requester, body);
    throw e;
  }
}

async function openCaseOnce(db: Db, channel: StoredChannel, requester: string, body: string) {
  return db.transaction().execute(async (trx) => {
    const c = await createCase(trx, {
      channelId: channel.id,
      subject: 'Help',
      requester: { name: '', address: requester },
      participants: [],
      linkedTo: null,
      originalRecipient: null,
      now: NOW,
    });
    await insertDeskMessage(trx, {
      caseId: c.id,
      leadId: null,
      direction: 'in',
      messageId: null,
      inReplyTo: null,
      from: { name: '', address: requester },
      recipients: { to: [], cc: [] },
      subject: 'Help',
      text: body,
      html: null,
      queueId: null,
      author: null,
      machineKind: null,
      now: NOW,
      attachments: [],
    });
    const event = await assignNewCase(trx, DESK, { caseId: c.id, channel, facts: { channel: channel.name, requester, subject: 'Help', body }, now: NOW });
    return { ...c, event };
  });
}

describe.each(DIALECTS)('assignment on %s', (dialect) => {
  let ts: TestStore;
  let channel: StoredChannel;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
    const db = ts.store.db;
    await syncDeskChannels(db, {
      channels: [{ name: 'Support', kind: 'support', publicAddress: 'help@solarmora.com', autoAcknowledge: false }],
      now: NOW,
      newId: () => 'ch_support',
      newAddress: () => 'support@x1.case.solarmora.test',
    });
    channel = (await listDeskChannels(db))[0]!;
    for (const email of [AMY, BEN]) await insertUser(db, { email, role: 'agent', passwordHash: 'x', now: NOW });
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('gives turns in order, each once, even to cases opened at once by two nodes', async () => {
    // A second node with its own connections to the same PostgreSQL; SQLite has one node, whose transactions take turns.
    const other: StoreHandle | null = 'databaseUrl' in ts.location ? await openStore({ databaseUrl: ts.location.databaseUrl }) : null;
    try {
      const opened = await Promise.all(
        Array.from({ length: 20 }, (_, i) => openCase(i % 2 && other ? other.db : ts.store.db, channel, `c${i}@customer.example`)),
      );
      const byNumber = opened.sort((a, b) => a.number - b.number);
      const assignees = await Promise.all(byNumber.map(async (c) => (await loadCaseById(ts.store.db, c.id))!.assignee));
      expect(assignees.filter((a) => a === AMY)).toHaveLength(10);
      expect(assignees.filter((a) => a === BEN)).toHaveLength(10);
      expect(await loadAssignmentTurn(ts.store.db, channel.id)).toMatchObject({ turns: 20 });
      const events = await loadCaseEvents(ts.store.db, byNumber[0]!.id);
      expect(events).toEqual([expect.objectContaining({ code: 'case.assigned', data: { agent: assignees[0], via: 'round-robin', rule: null }, actor: null })]);
    } finally {
      await other?.close();
    }
  });

  it('holds the turn from read to write: a turn taken while another is being decided waits for it', async () => {
    const other: StoreHandle | null = 'databaseUrl' in ts.location ? await openStore({ databaseUrl: ts.location.databaseUrl }) : null;
    try {
      const picks = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 && other ? other.db : ts.store.db).transaction().execute(async (trx) => {
            const last = await lockAssignmentTurn(trx, 'ch_race', NOW);
            const next = nextTurn([AMY, BEN], last, () => true)!;
            // Deciding takes a while (the rules, the agents): long enough for a second reader to see the same turn, without the lock.
            await new Promise((r) => setTimeout(r, 30));
            await recordAssignmentTurn(trx, 'ch_race', next, NOW);
            return next;
          }),
        ),
      );
      expect(picks.filter((p) => p === AMY)).toHaveLength(4);
      expect(await loadAssignmentTurn(ts.store.db, 'ch_race')).toEqual({ lastAgent: BEN, turns: 8 });
    } finally {
      await other?.close();
    }
  });

  it('passes over an unavailable agent, and a rule naming one falls through to round-robin', async () => {
    expect((await setUserAvailability(ts.store.db, BEN, false, NOW))?.available).toBe(false);
    const a = await openCase(ts.store.db, channel, 'x@customer.example');
    const b = await openCase(ts.store.db, channel, 'y@customer.example');
    expect([(await loadCaseById(ts.store.db, a.id))?.assignee, (await loadCaseById(ts.store.db, b.id))?.assignee]).toEqual([AMY, AMY]);
    await setUserAvailability(ts.store.db, BEN, true, NOW);
    await setUserAvailability(ts.store.db, AMY, false, NOW);
    const vip = await openCase(ts.store.db, channel, 'boss@vip.example');
    expect((await loadCaseById(ts.store.db, vip.id))?.assignee).toBe(BEN);
    expect(vip.event?.summary).toBe("assigned to ben@solarmora.com by round-robin (the channel's autoAssign)");
    await setUserAvailability(ts.store.db, AMY, true, NOW);
    const vip2 = await openCase(ts.store.db, channel, 'boss@vip.example');
    expect(vip2.event).toMatchObject({ code: 'case.assigned', data: { agent: AMY, via: 'rule', rule: 1 } });
  });

  it("hands a disabled agent's unclosed cases to others in the disabling transaction, each with an event", async () => {
    const channels = await listDeskChannels(ts.store.db);
    const amyCases = await listCases(ts.store.db, { assignee: AMY, limit: 500 });
    expect(amyCases.length).toBeGreaterThan(0);
    const r = await changeUser(ts.store.db, AMY, {
      disabled: true,
      now: NOW + 1,
      onDisable: async (trx, user) => void (await reassignCasesOf(trx, DESK, { email: user.email, channels, now: NOW + 1 })),
    });
    expect(r.kind).toBe('changed');
    expect(await listCases(ts.store.db, { assignee: AMY, limit: 500 })).toEqual([]);
    for (const c of amyCases) {
      expect((await loadCaseById(ts.store.db, c.id))?.assignee).toBe(BEN);
      expect((await loadCaseEvents(ts.store.db, c.id)).at(-1)).toMatchObject({
        code: 'case.reassigned',
        data: { agent: BEN, from: AMY },
        summary: expect.stringMatching(/^reassigned from amy@solarmora\.com \(disabled\) to ben@solarmora\.com by round-robin/),
      });
    }
  });

  it('leaves cases unassigned, never lost, when nobody can take them; a failing hand-over leaves the agent enabled', async () => {
    const channels = await listDeskChannels(ts.store.db);
    const benCases = await listCases(ts.store.db, { assignee: BEN, limit: 500 });
    const failed = changeUser(ts.store.db, BEN, {
      disabled: true,
      now: NOW + 2,
      onDisable: async (trx, user) => {
        await reassignCasesOf(trx, DESK, { email: user.email, channels, now: NOW + 2 });
        throw new Error('broken mid-way');
      },
    });
    await expect(failed).rejects.toThrow('broken mid-way');
    expect(await listCases(ts.store.db, { assignee: BEN, limit: 500 })).toHaveLength(benCases.length);
    await changeUser(ts.store.db, BEN, {
      disabled: true,
      now: NOW + 3,
      onDisable: async (trx, user) => void (await reassignCasesOf(trx, DESK, { email: user.email, channels, now: NOW + 3 })),
    });
    const unassigned = await listCases(ts.store.db, { assignee: null, limit: 500 });
    expect(unassigned.map((c) => c.id).sort()).toEqual(expect.arrayContaining(benCases.map((c) => c.id).sort()));
    expect((await loadCaseEvents(ts.store.db, benCases[0]!.id)).at(-1)).toMatchObject({ code: 'case.unassigned', data: { from: BEN } });
  });
});
