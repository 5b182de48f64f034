import { describe, expect, it } from 'vitest';
import { createReplay, renderReplay, type ReplayEnvelope } from './replay.js';
import { rule, snapshotWith } from './testing.js';

const help = { single: 'help@solarmora.com' } as const;
const toCrm = { changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' }, changeRoute: 'crm' } as const;
const env = (queueId: string, recipients: string[], spam = false): ReplayEnvelope => ({ queueId, sender: 's@example.net', recipients, receivedAt: 0, spam });

describe('createReplay', () => {
  const inForce = snapshotWith([rule({ description: 'help to CRM', match: help, modify: toCrm })]);
  const draft = snapshotWith([
    rule({ description: 'help to CRM2', match: help, modify: { ...toCrm, changeRoute: 'crm2' } }),
    rule({ description: 'no info', match: { single: 'info@solarmora.com' }, action: 'reject' }),
    rule({ description: 'hold bob', match: { single: 'bob@solarmora.com' }, action: 'quarantine', recognizedAddresses: true }),
    rule({ description: 'unused', match: { single: 'nobody@solarmora.com' }, modify: toCrm }),
  ]);

  it('counts, per rule, the messages it would take, and each changed destination with examples', () => {
    const replay = createReplay(inForce, draft);
    for (let i = 0; i < 5; i++) replay.add(env(`H${i}`, ['Help@solarmora.com']));
    replay.add(env('A', ['alice@solarmora.com']));
    const r = replay.report();
    expect(r.messages).toBe(6);
    expect(r.rules.map((x) => x.messages)).toEqual([5, 0, 0, 0]);
    expect(r.changes).toEqual([
      {
        recipient: 'help@solarmora.com',
        before: 'support@crm.test by smtp via crm',
        after: 'support@crm.test by smtp via crm2',
        plans: {
          before: { kind: 'accept', targets: [{ recipient: 'support@crm.test', transport: 'smtp', route: 'crm', held: false }] },
          after: { kind: 'accept', targets: [{ recipient: 'support@crm.test', transport: 'smtp', route: 'crm2', held: false }] },
        },
        messages: 5,
        examples: ['H0', 'H1', 'H2'],
      },
    ]);
    expect(r.rejected.messages).toBe(0);
  });

  it('finds mail that would now be rejected or held', () => {
    const replay = createReplay(inForce, draft);
    replay.add(env('I', ['help@solarmora.com', 'info@solarmora.com']));
    replay.add(env('B', ['bob@solarmora.com']));
    replay.add(env('S', ['help@solarmora.com'], true));
    const r = replay.report();
    expect(r.rejected).toEqual({ messages: 0, examples: [] });
    // info@ was "no such user" before (not accepted), so it is no news; bob@ is held now.
    expect(r.held).toEqual({ messages: 1, examples: ['B'] });
    const withInfo = createReplay(snapshotWith([rule({ match: { single: 'info@solarmora.com' }, modify: toCrm })]), draft);
    withInfo.add(env('I2', ['info@solarmora.com']));
    expect(withInfo.report().rejected).toEqual({ messages: 1, examples: ['I2'] });
    expect(withInfo.report().changes[0]).toMatchObject({
      before: 'support@crm.test by smtp via crm',
      after: 'rejected (550 5.7.1)',
      plans: { after: { kind: 'reject', reply: '550 5.7.1' } },
    });
  });

  it('renders the report', () => {
    const replay = createReplay(inForce, draft);
    replay.add(env('H', ['help@solarmora.com']));
    expect(renderReplay(replay.report(), '7d')).toEqual([
      'replay: 1 message of the last 7d, planned with the configuration in force and with this file',
      'rules of this file:',
      '  rule 0 "help to CRM2": would take 1 message',
      '  rule 1 "no info": would take 0 messages',
      '  rule 2 "hold bob": would take 0 messages',
      '  rule 3 "unused": would take 0 messages',
      'recipients whose destination would change:',
      '  help@solarmora.com: support@crm.test by smtp via crm → support@crm.test by smtp via crm2: 1 message (e.g. H)',
      'would now be rejected: 0 messages',
      'would now be held (quarantine or spam): 0 messages',
    ]);
  });
});
