import { describe, expect, it } from 'vitest';
import { srsForward, srsReverse, srsTimestamp } from './srs.js';

// Vectors from PostSRSd's black-box tests (libsrs2-compatible): secret "tops3cr3t",
// domain example.com, at 2020-01-01 00:01:00 UTC.
const secret = 'tops3cr3t';
const now = new Date('2020-01-01T00:01:00Z');
const fwd = { domain: 'example.com', secret, now };
const rev = { secret, now, maxAgeDays: 21 };

describe('srsForward', () => {
  it.each([
    ['plain foreign sender → SRS0', 'test@otherdomain.com', 'SRS0=vmyz=2W=otherdomain.com=test@example.com'],
    ['foreign SRS0 → SRS1', 'SRS0=opaque+string@otherdomain.com', 'SRS1=chaI=otherdomain.com==opaque+string@example.com'],
    ['foreign SRS1 → re-signed SRS1', 'SRS1=X=thirddomain.com==opaque+string@otherdomain.com', 'SRS1=JIBX=thirddomain.com==opaque+string@example.com'],
    ['our own SRS address stays', 'SRS0=XjO9=2V=otherdomain.com=test@example.com', 'SRS0=XjO9=2V=otherdomain.com=test@example.com'],
    ['sender at our SRS domain stays', 'test@Example.COM', 'test@Example.COM'],
    ['null sender stays null', '', ''],
    ['no domain stays', 'foo', 'foo'],
  ])('%s', (_name, sender, want) => {
    expect(srsForward(sender, fwd)).toBe(want);
  });

  it('leaves senders at local domains alone', () => {
    expect(srsForward('alice@solarmora.com', { ...fwd, isLocalDomain: (d) => d === 'solarmora.com' })).toBe('alice@solarmora.com');
  });

  it('timestamps are base32 day numbers', () => {
    expect(srsTimestamp(now)).toBe('2W');
  });
});

describe('srsReverse', () => {
  it.each([
    ['SRS0', 'SRS0=XjO9=2V=otherdomain.com=test@example.com', 'test@otherdomain.com'],
    ["SRS1 gives the first forwarder's SRS0", 'SRS1=JIBX=thirddomain.com==opaque+string@example.com', 'SRS0=opaque+string@thirddomain.com'],
    ['all lowercase (hash compared case-insensitively)', 'srs0=xjo9=2v=otherdomain.com=test@example.com', 'test@otherdomain.com'],
    ['all uppercase keeps the case it was given', 'SRS0=XJO9=2V=OTHERDOMAIN.COM=TEST@EXAMPLE.COM', 'TEST@OTHERDOMAIN.COM'],
  ])('%s', (_name, address, want) => {
    expect(srsReverse(address, rev)).toEqual({ ok: true, address: want });
  });

  it.each([
    ['not SRS', 'test@example.com', /not an SRS address/],
    ['tampered hash', 'SRS0=XjO8=2V=otherdomain.com=test@example.com', /invalid SRS hash/],
    ['tampered local part', 'SRS0=XjO9=2V=otherdomain.com=admin@example.com', /invalid SRS hash/],
    ['older than 6 months', 'SRS0=te87=T7=otherdomain.com=test@example.com', /older than 21 days/],
    ['6 months in the future', 'SRS0=VcIb=7N=otherdomain.com=test@example.com', /older than 21 days/],
    ['bad timestamp characters', 'SRS0=XjO9=1!=otherdomain.com=test@example.com', /invalid SRS timestamp/],
    ['malformed SRS0', 'SRS0=XjO9=2V@example.com', /malformed/],
    ['SRS1 with a bad hash', 'SRS1=JIBY=thirddomain.com==opaque+string@example.com', /invalid SRS hash/],
  ])('refuses: %s', (_name, address, reason) => {
    const got = srsReverse(address, rev);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.reason).toMatch(reason);
  });

  it('round-trips, and expires after maxAgeDays', () => {
    const sender = 'Alice.Smith+tag@Foreign.example';
    const address = srsForward(sender, { domain: 'gw.example', secret: 's3', now });
    expect(address).toMatch(/^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=Foreign\.example=Alice\.Smith\+tag@gw\.example$/);
    const later = (days: number) => new Date(now.getTime() + days * 86_400_000);
    expect(srsReverse(address, { secret: 's3', now: later(21), maxAgeDays: 21 })).toEqual({ ok: true, address: sender });
    expect(srsReverse(address.toLowerCase(), { secret: 's3', now: later(1), maxAgeDays: 21 })).toEqual({ ok: true, address: sender.toLowerCase() });
    expect(srsReverse(address, { secret: 's3', now: later(22), maxAgeDays: 21 }).ok).toBe(false);
    expect(srsReverse(address, { secret: 'other', now, maxAgeDays: 21 }).ok).toBe(false);
  });

  it('verifies with any of several secrets (rotation)', () => {
    const address = srsForward('bob@foreign.example', { domain: 'gw.example', secret: 'old', now });
    expect(srsReverse(address, { secret: ['new', 'old'], now, maxAgeDays: 21 })).toEqual({ ok: true, address: 'bob@foreign.example' });
  });

  it('reverses an SRS1 it made back to the SRS0 it wrapped', () => {
    const srs1 = srsForward('SRS0=abcd=2W=orig.example=u@first.example', { domain: 'gw.example', secret: 's', now });
    expect(srs1).toMatch(/^SRS1=....=first\.example==abcd=2W=orig\.example=u@gw\.example$/);
    expect(srsReverse(srs1, { secret: 's', now, maxAgeDays: 21 })).toEqual({ ok: true, address: 'SRS0=abcd=2W=orig.example=u@first.example' });
  });
});
