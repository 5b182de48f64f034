import { describe, expect, it } from 'vitest';
import { EVENTS } from '../base/events.js';
import { webhookEventRecord } from './webhook-event.js';

describe('webhookEventRecord', () => {
  it('is one message holding the envelope, with one webhook delivery per subscription and no bounces', () => {
    const envelope = { id: 'evt_1', type: 'case.created' as const, createdAt: '2024-01-01T00:00:00.000Z', data: { case: { number: 7 } } };
    const r = webhookEventRecord({
      queueId: 'Q1',
      envelope,
      subscriptions: [
        { id: 'wh_a', url: 'https://a.test/hook' },
        { id: 'wh_b', url: 'https://b.test/' },
      ],
      at: 5_000,
    });
    expect(r.message).toMatchObject({ queueId: 'Q1', messageId: 'evt_1', mailFrom: '', subject: 'webhook case.created', receivedAt: 5_000 });
    expect(JSON.parse(Buffer.concat([r.content.header, ...r.content.body]).toString('utf8'))).toEqual(envelope);
    expect(r.deliveries.map((d) => [d.recipient, d.originalRecipient, d.transport, d.suppressBounces, d.nextAttemptAt])).toEqual([
      ['wh_a', 'https://a.test/hook', 'webhook', true, 5_000],
      ['wh_b', 'https://b.test/', 'webhook', true, 5_000],
    ]);
    expect(r.trace.map((t) => [t.code, t.summary])).toEqual([
      [EVENTS.envelope, 'webhook event case.created (evt_1) for 2 subscription(s)'],
      [EVENTS.planned, '<wh_a> → POST https://a.test/hook by webhook: queued'],
      [EVENTS.planned, '<wh_b> → POST https://b.test/ by webhook: queued'],
      [EVENTS.accepted, 'generated: queued as Q1'],
    ]);
  });
});
