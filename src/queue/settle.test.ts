import { describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../store/index.js';
import { MAX_REPLY_CHARS, settleAttempt, type AttemptOutcome } from './settle.js';

const delivery = (id: number, attempts = 0): DeliveryRow => ({
  id,
  queueId: 'Q1',
  recipient: `r${id}@crm.test`,
  originalRecipient: `r${id}@crm.test`,
  transport: 'smtp',
  route: null,
  requireTls: false,
  suppressBounces: false,
  spamFlag: false,
  transform: {},
  rules: [],
  status: 'active',
  holdReason: null,
  attempts,
  nextAttemptAt: 0,
  lastReply: null,
  createdAt: 0,
  updatedAt: 0,
});
const policy = { firstRetryMs: 1_000, maxIntervalMs: 10_000, giveUpAfterMs: 100_000 };
const settle = (outcomes: [number, AttemptOutcome][], opts: { receivedAt?: number | null; now?: number; attempts?: number } = {}) =>
  settleAttempt({
    deliveries: outcomes.map(([id]) => delivery(id, opts.attempts ?? 0)),
    outcomes: new Map(outcomes),
    receivedAt: opts.receivedAt === undefined ? 0 : opts.receivedAt,
    startedAt: 0,
    now: opts.now ?? 50,
    policy,
  });

describe('settleAttempt', () => {
  it('holds back a paced delivery without counting an attempt, and traces one line per run of a reason', () => {
    const reason = 'pacing: crm.test at 2 connections';
    const s = settle([[1, { kind: 'paced', reply: reason, retryAt: 3_000 }]], { attempts: 2 });
    expect(s.results).toEqual([{ id: 1, status: 'deferred', attempts: 2, nextAttemptAt: 3_000, lastReply: reason }]);
    expect(s.nextDue).toBe(3_000);
    expect(s.failures).toEqual([]);
    expect(s.trace.map((e) => e.code)).toEqual(['queue.paced']);
    const again = settleAttempt({
      deliveries: [{ ...delivery(1, 2), lastReply: reason }],
      outcomes: new Map([[1, { kind: 'paced', reply: reason, retryAt: 5_000 }]]),
      receivedAt: 0,
      startedAt: 0,
      now: 60,
      policy,
    });
    expect(again.trace).toEqual([]);
    expect(again.results[0]?.nextAttemptAt).toBe(5_000);
  });

  it('expires a delivery paced past the give-up time, with a DSN', () => {
    const s = settle([[1, { kind: 'paced', reply: 'pacing: crm.test at 1 connection', retryAt: 200_000 }]], { now: 100_000, attempts: 3 });
    expect(s.results.map((r) => [r.status, r.attempts])).toEqual([['expired', 3]]);
    expect(s.failures.map((f) => f.status)).toEqual(['4.4.7']);
  });

  it('marks delivered, bounced and deferred deliveries and schedules the retry', () => {
    const s = settle([
      [1, { kind: 'delivered', reply: '250 ok', remoteMta: 'crm' }],
      [2, { kind: 'bounced', reply: '550 5.1.1 no', status: '5.1.1' }],
      [3, { kind: 'deferred', reply: '451 later' }],
    ]);
    expect(s.results.map((r) => [r.id, r.status, r.attempts])).toEqual([
      [1, 'delivered', 1],
      [2, 'bounced', 1],
      [3, 'deferred', 1],
    ]);
    expect(s.results[2]!.nextAttemptAt).toBe(1_050);
    expect(s.nextDue).toBe(1_050);
    expect(s.failures.map((f) => [f.delivery.id, f.status])).toEqual([[2, '5.1.1']]);
    expect(s.trace.map((t) => t.code)).toEqual(['queue.delivered', 'queue.bounced', 'queue.deferred']);
  });

  it('expires past the give-up time and reports it with 4.4.7', () => {
    const s = settle([[1, { kind: 'deferred', reply: '421 busy' }]], { now: 100_000, attempts: 9 });
    expect(s.results[0]!.status).toBe('expired');
    expect(s.failures[0]!.status).toBe('4.4.7');
    expect(s.nextDue).toBe(Infinity);
  });

  it('expires at once when the message is gone from the store, and treats a missing outcome as deferred', () => {
    expect(settle([[1, { kind: 'deferred', reply: 'x' }]], { receivedAt: null }).results[0]!.status).toBe('expired');
    const s = settleAttempt({ deliveries: [delivery(7)], outcomes: new Map(), receivedAt: 0, startedAt: 0, now: 0, policy });
    expect(s.results[0]).toMatchObject({ status: 'deferred', lastReply: 'no outcome reported for this recipient' });
  });

  it('keeps mailbox entries and caps hostile replies', () => {
    const mailbox = { address: 'a@solarmora.com', queueId: 'Q1', subject: null, from: null, date: null, messageId: null, spam: true, storedAt: 1 };
    const s = settle([[1, { kind: 'delivered', reply: 'x'.repeat(10_000), mailbox }]]);
    expect(s.mailbox).toEqual([mailbox]);
    expect(s.results[0]!.lastReply).toHaveLength(MAX_REPLY_CHARS);
    expect(s.trace.map((t) => t.code)).toEqual(['queue.delivered', 'mailbox.stored']);
  });
});
