import { describe, expect, it } from 'vitest';
import { groupDeliveries, MAX_RECIPIENTS_PER_ATTEMPT } from './group.js';

const d = (
  id: number,
  over: Partial<{ queueId: string; recipient: string; transport: string; route: string | null; requireTls: boolean; transform: unknown }> = {},
) => ({
  id,
  queueId: 'Q1',
  recipient: `r${id}@crm.test`,
  transport: 'smtp',
  route: null,
  requireTls: false,
  transform: { headers: [] },
  ...over,
});

describe('groupDeliveries', () => {
  it('puts recipients of one message at one domain into one attempt', () => {
    const groups = groupDeliveries([d(1), d(2), d(3, { recipient: 'x@other.test' })]);
    expect(groups.map((g) => g.deliveries.map((x) => x.id))).toEqual([[1, 2], [3]]);
  });
  it('separates messages, routes, TLS requirements and different copies', () => {
    const groups = groupDeliveries([
      d(1),
      d(2, { queueId: 'Q2' }),
      d(3, { route: 'crm' }),
      d(4, { requireTls: true }),
      d(5, { transform: { headers: [['X', '1']] } }),
    ]);
    expect(groups).toHaveLength(5);
  });
  it('never groups mailbox deliveries', () => {
    const groups = groupDeliveries([d(1, { transport: 'mailbox' }), d(2, { transport: 'mailbox' })]);
    expect(groups).toHaveLength(2);
  });
  it('splits past the per-attempt recipient cap', () => {
    const many = Array.from({ length: MAX_RECIPIENTS_PER_ATTEMPT * 2 + 1 }, (_, i) => d(i + 1));
    const sizes = groupDeliveries(many).map((g) => g.deliveries.length);
    expect(sizes).toEqual([MAX_RECIPIENTS_PER_ATTEMPT, MAX_RECIPIENTS_PER_ATTEMPT, 1]);
  });
});
