import { describe, expect, it } from 'vitest';
import { EVENTS } from '../base/events.js';
import { snapshotWith } from '../routing/testing.js';
import type { DeliveryRow, MessageRow } from '../store/index.js';
import { bounceFor } from './bounces.js';

const message = (mailFrom: string): MessageRow => ({
  queueId: 'Q1',
  messageId: '<m@client.test>',
  mailFrom,
  helo: 'client.test',
  clientIp: '192.0.2.1',
  size: 100,
  subject: 'hello',
  headerFrom: mailFrom,
  receivedAt: 1_000,
  configVersion: 1,
  spam: false,
  spamScore: 0,
  spamReasons: [],
  authResults: {},
  bodyPurgedAt: null,
  deliverySummary: null,
});
const delivery = (recipient: string, suppressBounces = false): DeliveryRow => ({
  id: 1,
  queueId: 'Q1',
  recipient,
  originalRecipient: recipient,
  transport: 'smtp',
  route: null,
  requireTls: false,
  suppressBounces,
  spamFlag: false,
  transform: {},
  rules: [],
  status: 'active',
  holdReason: null,
  attempts: 1,
  nextAttemptAt: 0,
  lastReply: null,
  createdAt: 0,
  updatedAt: 0,
});
const header = Buffer.from('From: <sender@foreign.test>\r\nSubject: hello\r\n\r\n');
const bounce = (mailFrom: string, d: DeliveryRow) =>
  bounceFor({
    message: message(mailFrom),
    header,
    failures: [{ delivery: d, reply: '550 5.1.1 no such user', status: '5.1.1' }],
    now: 2_000,
    snapshot: snapshotWith([]),
    hostname: 'mx.solarmora.com',
    queueId: 'DSN1',
  });

describe('bounceFor', () => {
  it('queues one DSN to the envelope sender, from the null sender, and traces it', () => {
    const { record, trace } = bounce('sender@foreign.test', delivery('gone@crm.test'));
    expect(record?.message).toMatchObject({ queueId: 'DSN1', mailFrom: '', messageId: '<dsn1.dsn@mx.solarmora.com>' });
    expect(record?.deliveries.map((d) => [d.recipient, d.transport, d.suppressBounces])).toEqual([['sender@foreign.test', 'smtp', true]]);
    expect(record?.trace[0]?.summary).toBe('delivery status notification for Q1 from <> to <sender@foreign.test>');
    expect(trace.map((t) => [t.queueId, t.code])).toEqual([['Q1', EVENTS.dsnQueued]]);
  });

  it('sends none for a null sender, nor for recipients whose rule suppresses bounces', () => {
    expect(bounce('', delivery('gone@crm.test')).record).toBeNull();
    const suppressed = bounce('sender@foreign.test', delivery('added@crm.test', true));
    expect(suppressed.record).toBeNull();
    expect(suppressed.trace.map((t) => t.code)).toEqual([EVENTS.dsnSuppressed]);
  });

  it('sends none to a sender in a hosted domain that no one holds', () => {
    const { record, trace } = bounce('nobody@solarmora.com', delivery('gone@crm.test'));
    expect(record).toBeNull();
    expect(trace[0]?.summary).toMatch(/no one holds that address/);
  });
});
