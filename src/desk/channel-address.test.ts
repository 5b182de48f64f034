import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  caseReplyAddress,
  matchChannel,
  newInboundAddress,
  parseCaseReplyAddress,
  parseInboundAddress,
  type AddressingHeaders,
  type ChannelMatch,
} from './channel-address.js';
import type { Channel } from './model.js';

const DESK = 'case.relaydesk.test';
const SUPPORT_IN = 'support@v1su0245ewejzhe7.case.relaydesk.test';
const SUPPORT_OLD = 'support@oldoldoldoldold1.case.relaydesk.test';
const SALES_IN = 'sales@k2m9q8w7e6r5t4y3.case.relaydesk.test';

const CHANNELS: Channel[] = [
  {
    id: 'ch-support',
    name: 'Support',
    kind: 'support',
    publicAddress: 'help@solarmora.com',
    inboundAddresses: [
      { address: SUPPORT_IN, retired: false },
      { address: SUPPORT_OLD, retired: true },
    ],
  },
  {
    id: 'ch-sales',
    name: 'Sales',
    kind: 'sales',
    publicAddress: 'sales@solarmora.com',
    inboundAddresses: [{ address: SALES_IN, retired: false }],
  },
];

// A stand-in for an HMAC: deterministic, lowercase [a-z0-9], differs per input.
const sign = (data: string): string => {
  let h = 2166136261;
  for (const ch of data) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `s${h.toString(36)}${data.length.toString(36)}`.padEnd(10, '0');
};

describe('newInboundAddress', () => {
  it('builds <local>@<token>.<deskDomain>, lowercased', () => {
    expect(newInboundAddress('Support', 'Case.Relaydesk.test.', 'v1su0245ewejzhe7')).toBe(SUPPORT_IN);
  });
  it.each([
    ['', DESK, 'v1su0245ewejzhe7', /local part/],
    ['sup port', DESK, 'v1su0245ewejzhe7', /local part/],
    ['support+x', DESK, 'v1su0245ewejzhe7', /local part/],
    ['support', 'localhost', 'v1su0245ewejzhe7', /desk domain/],
    ['support', DESK, 'short', /token/],
    ['support', DESK, 'V1SU0245EWEJZHE7', /token/],
    ['support', DESK, 'v1su0245-ewejzhe7', /token/],
  ])('refuses (%j, %j, %j)', (local, domain, token, message) => {
    expect(() => newInboundAddress(local, domain, token)).toThrow(message);
  });
  it('parseInboundAddress reads back what it made, and nothing else', () => {
    expect(parseInboundAddress(`<${SUPPORT_IN.toUpperCase()}>`, DESK)).toEqual({ localPart: 'support', token: 'v1su0245ewejzhe7' });
    expect(parseInboundAddress('support@short.case.relaydesk.test', DESK)).toBeNull();
    expect(parseInboundAddress('help@solarmora.com', DESK)).toBeNull();
  });
});

describe('matchChannel', () => {
  const none: AddressingHeaders = {};
  it.each<[string, string, AddressingHeaders, ChannelMatch]>([
    ['envelope = current inbound', SUPPORT_IN, none, { kind: 'channel', channelId: 'ch-support', via: 'envelope' }],
    ['envelope compares case-insensitively', `<${SALES_IN.toUpperCase()}>`, none, { kind: 'channel', channelId: 'ch-sales', via: 'envelope' }],
    ['retired inbound address', SUPPORT_OLD, none, { kind: 'retired', channelId: 'ch-support' }],
    ['unknown address', 'someone@case.relaydesk.test', none, { kind: 'none' }],
    ['header does not rescue an address that is not ours', 'x@elsewhere.test', { xOriginalTo: 'help@solarmora.com' }, { kind: 'none' }],
    [
      'X-Original-To names another channel’s public address',
      SUPPORT_IN,
      { xOriginalTo: 'Sales@Solarmora.com' },
      { kind: 'channel', channelId: 'ch-sales', via: 'header' },
    ],
    [
      'Delivered-To (Gmail keeps it) names the sales address',
      SUPPORT_IN,
      { deliveredTo: [SUPPORT_IN, 'sales@solarmora.com'] },
      { kind: 'channel', channelId: 'ch-sales', via: 'header' },
    ],
    [
      'X-Original-To naming the envelope’s own channel stays envelope',
      SUPPORT_IN,
      { xOriginalTo: 'help@solarmora.com' },
      { kind: 'channel', channelId: 'ch-support', via: 'envelope' },
    ],
    [
      'To naming exactly one other channel moves it',
      SUPPORT_IN,
      { to: [{ address: 'sales@solarmora.com' }] },
      { kind: 'channel', channelId: 'ch-sales', via: 'header' },
    ],
    [
      'To naming both channels keeps the envelope’s',
      SUPPORT_IN,
      { to: [{ address: 'sales@solarmora.com' }, 'help@solarmora.com'] },
      { kind: 'channel', channelId: 'ch-support', via: 'envelope' },
    ],
    [
      'X-Original-To beats To',
      SALES_IN,
      { xOriginalTo: 'help@solarmora.com', to: [{ address: 'sales@solarmora.com' }] },
      { kind: 'channel', channelId: 'ch-support', via: 'header' },
    ],
    [
      'reply address on the current inbound host',
      'reply+1001.abcdefgh12@v1su0245ewejzhe7.case.relaydesk.test',
      none,
      { kind: 'channel', channelId: 'ch-support', via: 'reply-address' },
    ],
    [
      'reply address on a retired host still reaches the channel (it is signed)',
      'reply+1001.abcdefgh12@oldoldoldoldold1.case.relaydesk.test',
      none,
      { kind: 'channel', channelId: 'ch-support', via: 'reply-address' },
    ],
    ['other local part on an inbound host', 'admin@v1su0245ewejzhe7.case.relaydesk.test', none, { kind: 'none' }],
  ])('%s', (_name, rcpt, headers, expected) => {
    expect(matchChannel(rcpt, headers, CHANNELS)).toEqual(expected);
  });
});

describe('per-case reply addresses', () => {
  const args = { caseNumber: 1001, channelId: 'ch-support', inboundAddress: SUPPORT_IN };
  it('has the documented shape and parses back', () => {
    const address = caseReplyAddress(args, sign);
    expect(address).toMatch(/^reply\+1001\.[a-z0-9]{8,}@v1su0245ewejzhe7\.case\.relaydesk\.test$/);
    expect(parseCaseReplyAddress(address.toUpperCase(), 'ch-support', sign)).toEqual({ kind: 'case-reply', caseNumber: 1001 });
  });
  it.each([
    ['another channel’s signature', (a: string) => a, 'ch-sales', { kind: 'bad-signature', caseNumber: 1001 }],
    ['a changed case number', (a: string) => a.replace('+1001.', '+1002.'), 'ch-support', { kind: 'bad-signature', caseNumber: 1002 }],
    ['a changed signature', (a: string) => a.replace(/\.([a-z0-9])/, '.z$1').replace(/\.zs/, '.zz'), 'ch-support', { kind: 'bad-signature', caseNumber: 1001 }],
    ['a plain inbound address', () => SUPPORT_IN, 'ch-support', { kind: 'not-a-reply-address' }],
    ['no signature', () => 'reply+1001@x.test', 'ch-support', { kind: 'not-a-reply-address' }],
    ['case number zero', () => 'reply+0.abcdefgh12@x.test', 'ch-support', { kind: 'not-a-reply-address' }],
  ])('refuses %s', (_n, tamper, channelId, expected) => {
    expect(parseCaseReplyAddress(tamper(caseReplyAddress(args, sign)), channelId, sign)).toEqual(expected);
  });
  it('refuses a signer that returns unusable text, and bad case numbers', () => {
    expect(() => caseReplyAddress(args, () => 'Not+Safe')).toThrow(/signer/);
    expect(() => caseReplyAddress({ ...args, caseNumber: 0 }, sign)).toThrow(/positive/);
  });
  it('round-trips every case number (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ minLength: 1 }), (n, channelId) => {
        const address = caseReplyAddress({ caseNumber: n, channelId, inboundAddress: SUPPORT_IN }, sign);
        const parsed = parseCaseReplyAddress(address, channelId, sign);
        return parsed.kind === 'case-reply' && parsed.caseNumber === n;
      }),
    );
  });
});
