import { describe, expect, it } from 'vitest';
import type { CaseRow } from '../store/index.js';
import { caseView, conversionView, isoTime } from './views.js';

const row: CaseRow = {
  id: 7,
  number: 1001,
  channelId: 'ch_support',
  subject: 'Printer on fire',
  requester: { name: 'Aiko', address: 'aiko@example.com' },
  status: 'open',
  assignee: null,
  linkedTo: null,
  originalRecipient: 'help@solarmora.com',
  createdAt: 1764230000000,
  updatedAt: 1764230060000,
  participants: [],
  test: false,
  sla: {
    targets: { firstResponse: null, resolution: null },
    elapsed: 0,
    runningSince: null,
    firstResponseAt: null,
    firstResponseDue: null,
    resolutionDue: null,
    breachedAt: { firstResponse: null, resolution: null },
  },
};

describe('caseView', () => {
  it('knows a case by its number, names its channel and gives times in ISO 8601', () => {
    const v = caseView(row, [{ id: 'ch_support', name: 'support' }]);
    expect(v).toMatchObject({
      number: 1001,
      channel: { id: 'ch_support', name: 'support' },
      createdAt: '2025-11-27T07:53:20.000Z',
      updatedAt: '2025-11-27T07:54:20.000Z',
    });
    expect(v).not.toHaveProperty('id');
  });

  it('names a channel that is gone by its id', () => {
    expect(caseView(row, []).channel).toEqual({ id: 'ch_support', name: 'ch_support' });
  });
});

describe('conversionView', () => {
  it('is null until the lead has a contact, an account and an opportunity', () => {
    expect(conversionView(null)).toBeNull();
    expect(conversionView({ contact: { id: 1 }, account: undefined, opportunity: { id: 3 } })).toBeNull();
  });

  it('turns the store rows into numbers, strings and ISO times', () => {
    const v = conversionView({
      contact: { id: '1', name: 'Aiko', email: 'aiko@example.com', account_id: '2' },
      account: { id: 2, name: 'Example', domain: null },
      opportunity: { id: 3, name: 'Example deal', amount: '1200', stage: 'prospecting', created_at: '1764230000000' },
    });
    expect(v).toEqual({
      contact: { id: 1, name: 'Aiko', email: 'aiko@example.com', accountId: 2 },
      account: { id: 2, name: 'Example', domain: null },
      opportunity: { id: 3, name: 'Example deal', amount: 1200, stage: 'prospecting', createdAt: isoTime(1764230000000) },
    });
  });
});
