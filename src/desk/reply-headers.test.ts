import { describe, expect, it } from 'vitest';
import { capReferences, MAX_REFERENCES, normalizeMessageId, replyHeaders } from './reply-headers.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `<m${i}@x.test>`);

describe('replyHeaders', () => {
  it('an acknowledgement says Auto-Submitted and suppresses auto-responses', () => {
    expect(
      replyHeaders({ caseMessageIds: ['<a@customer.test>'], inReplyTo: '<a@customer.test>', ourMessageId: 'ack1@desk.test', loopId: 'desk-1', kind: 'ack' }),
    ).toEqual([
      ['Message-ID', '<ack1@desk.test>'],
      ['In-Reply-To', '<a@customer.test>'],
      ['References', '<a@customer.test>'],
      ['Auto-Submitted', 'auto-replied'],
      ['X-Auto-Response-Suppress', 'All'],
      ['X-Relaydesk-Loop', 'desk-1'],
    ]);
  });
  it('an agent’s reply carries threading and the loop header, but no Auto-Submitted and never Precedence', () => {
    const h = replyHeaders({
      caseMessageIds: ['<a@c.test>', '<ack1@desk.test>', 'b@c.test'],
      inReplyTo: 'b@c.test',
      ourMessageId: '<r1@desk.test>',
      loopId: 'desk-1',
      kind: 'reply',
    });
    expect(h).toEqual([
      ['Message-ID', '<r1@desk.test>'],
      ['In-Reply-To', '<b@c.test>'],
      ['References', '<a@c.test> <ack1@desk.test> <b@c.test>'],
      ['X-Relaydesk-Loop', 'desk-1'],
    ]);
  });
  it('without a parent there is no In-Reply-To', () => {
    const h = replyHeaders({ caseMessageIds: [], inReplyTo: '', ourMessageId: '<r@d.test>', loopId: 'l', kind: 'reply' });
    expect(h.map(([n]) => n)).toEqual(['Message-ID', 'X-Relaydesk-Loop']);
  });
  it.each([
    [{ ourMessageId: 'bad id' }, /Message-ID/],
    [{ ourMessageId: '<a@b>\r\nBcc: x@y' }, /Message-ID/],
    [{ loopId: 'has space' }, /loop id/],
    [{ loopId: 'x\r\nBcc: y' }, /loop id/],
  ])('refuses %j', (over, message) => {
    expect(() => replyHeaders({ caseMessageIds: [], inReplyTo: '', ourMessageId: '<a@b.test>', loopId: 'l', kind: 'ack', ...over })).toThrow(message);
  });
});

describe('capReferences', () => {
  it.each<[string, string[], string | null, string[]]>([
    ['short chains are kept, parent last', ['<a@x>', '<b@x>'], '<c@x>', ['<a@x>', '<b@x>', '<c@x>']],
    ['the parent moves to the end, once', ['<a@x>', '<c@x>', '<b@x>'], '<c@x>', ['<a@x>', '<b@x>', '<c@x>']],
    ['duplicates and malformed ids are dropped', ['<a@x>', 'a@x', 'not an id', '<b@x>'], null, ['<a@x>', '<b@x>']],
  ])('%s', (_n, input, parent, out) => expect(capReferences(input, parent)).toEqual(out));
  it('long chains keep the root and the newest', () => {
    const all = ids(300);
    const refs = capReferences(all, '<m299@x.test>');
    expect(refs).toHaveLength(MAX_REFERENCES);
    expect(refs[0]).toBe('<m0@x.test>');
    expect(refs.slice(1)).toEqual(all.slice(300 - (MAX_REFERENCES - 1)));
  });
  it.each([
    ['a@b', '<a@b>'],
    [' <a@b> ', '<a@b>'],
    ['a b@c', null],
    ['<a@b', null],
    ['nohost', null],
  ])('normalizeMessageId(%j) = %j', (id, out) => expect(normalizeMessageId(id)).toBe(out));
});
