import { describe, expect, it } from 'vitest';
import type { NextHopHost } from '../routing/index.js';
import { chooseNextHop, orderMxRecords, type MxRecord, type NextHop } from './next-hop.js';

const crm: NextHopHost = { name: 'crm', host: '127.0.0.1', port: 2526, tls: 'none', domains: ['crm.test'] };
const relay: NextHopHost = { name: 'relay', host: 'relay.example', port: 25, tls: 'opportunistic', domains: [] };
const other: NextHopHost = { name: 'other', host: 'other.example', port: 25, tls: 'required', domains: ['Other.Test.'] };
const hosts = new Map([crm, relay, other].map((h) => [h.name, h]));

describe('chooseNextHop', () => {
  const cases: { name: string; domain: string; route?: string; smarthost?: string; want: NextHop | 'error' }[] = [
    { name: 'fixed route wins over a host serving the domain', domain: 'crm.test', route: 'relay', want: { kind: 'static', host: relay } },
    { name: 'fixed route wins over the smarthost', domain: 'x.test', route: 'crm', smarthost: 'relay', want: { kind: 'static', host: crm } },
    { name: 'host whose domains list the recipient domain', domain: 'crm.test', want: { kind: 'static', host: crm } },
    { name: 'domain match is case-insensitive', domain: 'CRM.Test', want: { kind: 'static', host: crm } },
    { name: 'domain match ignores trailing dots', domain: 'other.test', want: { kind: 'static', host: other } },
    { name: 'a host serving the domain wins over the smarthost', domain: 'crm.test', smarthost: 'relay', want: { kind: 'static', host: crm } },
    { name: 'subdomains do not match (exact only)', domain: 'sub.crm.test', want: { kind: 'mx', domain: 'sub.crm.test' } },
    { name: 'smarthost for other domains', domain: 'gmail.com', smarthost: 'relay', want: { kind: 'static', host: relay } },
    { name: 'MX otherwise, domain normalized', domain: 'Gmail.COM', want: { kind: 'mx', domain: 'gmail.com' } },
    { name: 'a route naming no host is an error', domain: 'x.test', route: 'nope', want: 'error' },
    { name: 'a smarthost naming no host is an error', domain: 'x.test', smarthost: 'nope', want: 'error' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = chooseNextHop(c.domain, c.route, hosts, c.smarthost);
      if (c.want === 'error') {
        expect(got.kind).toBe('error');
        if (got.kind === 'error') expect(got.reason).toMatch(/"nope".*not in hosts/);
      } else {
        expect(got).toEqual(c.want);
      }
    });
  }
});

describe('orderMxRecords', () => {
  const mx = (exchange: string, priority: number): MxRecord => ({ exchange, priority });
  const cases: { name: string; records: MxRecord[]; seed?: number; want: string[] | 'null-mx'; implicit?: boolean }[] = [
    { name: 'by priority, lowest first', records: [mx('b.example', 20), mx('a.example', 10)], want: ['a.example', 'b.example'] },
    { name: 'implicit MX: the domain itself', records: [], want: ['example.com'], implicit: true },
    { name: 'null MX "" (node shape)', records: [mx('', 0)], want: 'null-mx' },
    { name: 'null MX "."', records: [mx('.', 0)], want: 'null-mx' },
    { name: 'a null entry among real ones is ignored', records: [mx('.', 0), mx('mx.example', 10)], want: ['mx.example'] },
    { name: 'names lowercased, trailing dot dropped, duplicates removed', records: [mx('MX.Example.', 10), mx('mx.example', 20)], want: ['mx.example'] },
    { name: 'equal priorities keep order with seed 0', records: [mx('a', 10), mx('b', 10), mx('c', 20)], want: ['a', 'b', 'c'] },
    { name: 'equal priorities rotate with the seed', records: [mx('a', 10), mx('b', 10), mx('c', 20)], seed: 1, want: ['b', 'a', 'c'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = orderMxRecords('Example.com', c.records, c.seed);
      if (c.want === 'null-mx') {
        expect(got.kind).toBe('null-mx');
      } else {
        expect(got).toEqual({ kind: 'hosts', hosts: c.want, implicit: c.implicit ?? false });
      }
    });
  }
});
