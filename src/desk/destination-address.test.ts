import fc from 'fast-check';
import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkDestinationHost, checkResolvedAddresses, classifyIp, isLocalhostName, type AddressRange } from './destination-address.js';

describe('classifyIp', () => {
  it.each([
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['192.169.0.1', 'public'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['223.255.255.255', 'public'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700::1111', 'public'],
    // IPv6 forms that carry an IPv4 address are judged by it.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
  ] as const)('%s is %s', (ip, range) => {
    expect(classifyIp(ip)).toBe(range);
  });

  it.each([
    'localhost',
    'crm.example.com',
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-1',
    '::g',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3',
    ':1',
    '1:',
    '::ffff:1.2.3',
    '[::1',
    'dead:beef',
  ])('%j is not an IP address', (text) => {
    expect(classifyIp(text)).toBeUndefined();
  });

  /** The ranges as node's BlockList holds them: a second implementation to compare with. */
  const reference = (() => {
    const lists: [AddressRange, BlockList][] = [];
    const add = (range: AddressRange, blocks: [string, number][]) => {
      const list = new BlockList();
      for (const [net, prefix] of blocks) list.addSubnet(net, prefix, 'ipv4');
      lists.push([range, list]);
    };
    add('unspecified', [['0.0.0.0', 8]]);
    add('private', [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ]);
    add('shared', [['100.64.0.0', 10]]);
    add('loopback', [['127.0.0.0', 8]]);
    add('link-local', [['169.254.0.0', 16]]);
    add('multicast', [['224.0.0.0', 4]]);
    add('reserved', [['240.0.0.0', 4]]);
    return (ip: string): AddressRange => lists.find(([, l]) => l.check(ip, 'ipv4'))?.[0] ?? 'public';
  })();
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));

  it('agrees with node’s BlockList on every IPv4 address, and in every IPv6 form that carries one', () => {
    fc.assert(
      fc.property(ipv4, (ip) => {
        const range = reference(ip);
        expect(classifyIp(ip)).toBe(range);
        // The URL parser's form of an IPv4-mapped literal is hex: [::ffff:7f00:1].
        const mapped = new URL(`http://[::ffff:${ip}]/`).hostname;
        expect(classifyIp(mapped)).toBe(range);
        expect(classifyIp(`::ffff:${ip}`)).toBe(range);
        expect(classifyIp(`64:ff9b::${ip}`)).toBe(range);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same answer for every text form of an IPv6 address', () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(groups, (g) => {
        const full = g.map((x) => x.toString(16).padStart(4, '0')).join(':');
        const short = new URL(`http://[${full}]/`).hostname;
        expect(classifyIp(short)).toBe(classifyIp(full));
        expect(classifyIp(full.toUpperCase())).toBe(classifyIp(full));
        expect(classifyIp(full)).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isLocalhostName', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['api.localhost', true],
    ['localhost.example.com', false],
    ['mylocalhost', false],
  ] as const)('%s → %s', (host, yes) => {
    expect(isLocalhostName(host)).toBe(yes);
  });
});

describe('checkDestinationHost and checkResolvedAddresses', () => {
  it('refuse what is not public, naming the address, its range and the setting that allows it', () => {
    expect(checkDestinationHost('127.0.0.1', false)).toBe(
      '127.0.0.1 is a loopback address; webhooks go to public addresses only; to send them there, set desk.webhooks.allowPrivateDestinations: true in the configuration',
    );
    expect(checkDestinationHost('[::ffff:a9fe:a9fe]', false)).toMatch(
      /^\[::ffff:a9fe:a9fe\] is a link-local address \(the range of the cloud metadata service 169\.254\.169\.254\); .*allowPrivateDestinations: true/,
    );
    expect(checkDestinationHost('LocalHost', false)).toMatch(/^LocalHost is this machine \(a loopback name\)/);
    expect(checkResolvedAddresses('hooks.example.test', ['93.184.216.34', '10.0.0.7'], false)).toMatch(
      /^hooks\.example\.test resolves to 10\.0\.0\.7, a private address; .*allowPrivateDestinations: true/,
    );
    expect(checkResolvedAddresses('hooks.example.test', ['hooks.example.test'], false)).toBe(
      'hooks.example.test resolves to "hooks.example.test", which is not an IP address',
    );
  });
  it('let public destinations through, and everything once the setting allows it', () => {
    expect(checkDestinationHost('crm.example.com', false)).toBeNull();
    expect(checkDestinationHost('93.184.216.34', false)).toBeNull();
    expect(checkDestinationHost('[2606:4700::1111]', false)).toBeNull();
    expect(checkResolvedAddresses('crm.example.com', ['93.184.216.34', '2606:4700::1111'], false)).toBeNull();
    expect(checkDestinationHost('127.0.0.1', true)).toBeNull();
    expect(checkDestinationHost('localhost', true)).toBeNull();
    expect(checkResolvedAddresses('crm.example.com', ['127.0.0.1', '169.254.169.254'], true)).toBeNull();
  });
});
