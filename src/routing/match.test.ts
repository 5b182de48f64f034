import { describe, expect, it } from 'vitest';
import { applyEnvelopeChange, inDomainTree, isDomainName, isMailAddress, normalizeAddress } from './address.js';
import { applyingRules, isRecognized, ruleMatches } from './match.js';
import type { RecipientMatch } from './model.js';
import { buildSnapshot } from './snapshot.js';
import { DIRECTORY, rule, snapshotWith } from './testing.js';

describe('normalizeAddress', () => {
  it.each([
    ['Help@Solarmora.COM', 'help@solarmora.com'],
    ['  <help@solarmora.com>  ', 'help@solarmora.com'],
    ['< help@solarmora.com >', 'help@solarmora.com'],
    ['', ''],
  ])('%j → %j', (input, out) => expect(normalizeAddress(input)).toBe(out));
});

describe('address checks', () => {
  it.each([
    ['help@solarmora.com', true],
    ['a.b+tag@sub.crm.test', true],
    ['üser@bücher.example', true],
    ['help', false],
    ['@solarmora.com', false],
    ['help@localhost', false],
    ['he lp@solarmora.com', false],
    ['.help@solarmora.com', false],
    ['help@-bad.com', false],
  ])('isMailAddress(%j) = %s', (a, ok) => expect(isMailAddress(a)).toBe(ok));
  it.each([
    ['crm.test', true],
    ['solarmora.com.', false],
    ['not a domain', false],
  ])('isDomainName(%j) = %s', (d, ok) => expect(isDomainName(d)).toBe(ok));
  it('inDomainTree accepts the domain and its subdomains only', () => {
    const set = new Set(['desk.test']);
    expect(inDomainTree('desk.test', set)).toBe(true);
    expect(inDomainTree('a.b.desk.test', set)).toBe(true);
    expect(inDomainTree('xdesk.test', set)).toBe(false);
    expect(inDomainTree('test', set)).toBe(false);
  });
  it.each([
    [{ replaceRecipient: ' <Support@CRM.test>' }, 'support@crm.test'],
    [{ replaceUsername: 'Sales' }, 'sales@solarmora.com'],
    [{ replaceDomain: 'CRM.test.' }, 'help@crm.test'],
  ])('applyEnvelopeChange(%j)', (change, out) => expect(applyEnvelopeChange('help@solarmora.com', change)).toBe(out));
});

describe('ruleMatches', () => {
  const snap = snapshotWith([]);
  const cases: [RecipientMatch, string, boolean][] = [
    [{ single: 'Help@solarmora.com' }, 'help@solarmora.com', true],
    [{ single: 'help@solarmora.com' }, 'helpx@solarmora.com', false],
    [{ group: 'SALES-TEAM@solarmora.com' }, 'alice@solarmora.com', true],
    [{ group: 'sales-team@solarmora.com' }, 'partner@elsewhere.example', true],
    [{ group: 'sales-team@solarmora.com' }, 'bob@solarmora.com', false],
    [{ group: 'nobody@solarmora.com' }, 'bob@solarmora.com', false],
    [{ all: true }, 'x@solarmora.com', true],
  ];
  it.each(cases)('%j on %s → %s', (match, address, ok) => expect(ruleMatches(rule({ match }), 0, address, snap)).toBe(ok));
});

describe('buildSnapshot and applyingRules', () => {
  it('indexes single matches and keeps table order when merging with other rules', () => {
    const rules = [
      rule({ description: '0', match: { all: true } }),
      rule({ description: '1', match: { single: 'help@solarmora.com' } }),
      rule({ description: '2', match: { pattern: 'help@.*' } }),
      rule({ description: '3', match: { single: 'HELP@solarmora.com' } }),
      rule({ description: '4', match: { single: 'help@solarmora.com' }, enabled: false }),
      rule({ description: '5', match: { all: true }, enabled: false }),
    ];
    const snap = snapshotWith(rules);
    expect(snap.singleIndex.get('help@solarmora.com')).toEqual([1, 3]);
    expect(snap.otherRules).toEqual([0, 2]);
    expect(applyingRules('help@solarmora.com', false, snap)).toEqual([0, 1, 2, 3]);
    expect(applyingRules('other@solarmora.com', false, snap)).toEqual([0]);
  });
  it('knows recognized, suspended and group addresses', () => {
    const snap = snapshotWith([]);
    expect(isRecognized('a.smith@solarmora.com', snap)).toBe(true);
    expect(isRecognized('sales-team@solarmora.com', snap)).toBe(true);
    expect(isRecognized('carol@solarmora.com', snap)).toBe(false);
    expect(snap.suspended.get('carol@solarmora.com')).toBe('carol@solarmora.com');
    expect(snap.mailboxes.get('a.smith@solarmora.com')).toBe('alice@solarmora.com');
  });
  it('normalizes domains, hosts and desk domains', () => {
    const snap = buildSnapshot({ ...DIRECTORY, domains: ['SolarMora.com.'], deskDomains: ['Desk.Test'], rules: [], version: 7, smarthost: 'crm' });
    expect([...snap.domains]).toEqual(['solarmora.com']);
    expect([...snap.deskDomains]).toEqual(['desk.test']);
    expect(snap.hosts.get('crm')?.port).toBe(2526);
    expect(snap.version).toBe(7);
    expect(snap.smarthost).toBe('crm');
  });
});
