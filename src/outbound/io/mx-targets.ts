/**
 * From a next hop to the hosts to connect to, in order, resolving MX and A records
 * through an injectable resolver (tests use fixed answers; production uses the
 * system's DNS servers). Every lookup has a timeout, and a timeout is temporary.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { TlsMode } from '../../routing/index.js';
import { orderMxRecords, type MxRecord, type NextHop } from '../next-hop.js';

export interface DnsResolver {
  resolveMx(domain: string): Promise<readonly MxRecord[]>;
  resolve4(host: string): Promise<readonly string[]>;
}

/**
 * The project's shared DNS shape (`dns.promises.resolve`-like, as the spam checks
 * and test/support/fixed-dns take it); `resolverFromLookup` adapts it.
 */
export type LookupFunction = (name: string, rrtype: string) => Promise<unknown[]>;

function isMxRecord(v: unknown): v is MxRecord {
  return typeof v === 'object' && v !== null && 'exchange' in v && typeof v.exchange === 'string' && 'priority' in v && typeof v.priority === 'number';
}

export function resolverFromLookup(lookup: LookupFunction): DnsResolver {
  return {
    resolveMx: async (domain) => (await lookup(domain, 'MX')).filter(isMxRecord),
    resolve4: async (host) => (await lookup(host, 'A')).filter((a): a is string => typeof a === 'string'),
  };
}

/** A slow resolver must not hold a delivery slot: this is long for DNS, short for a queue. */
export const DNS_TIMEOUT_MS = 10_000;

export function systemResolver(timeoutMs = DNS_TIMEOUT_MS): DnsResolver {
  const r = new dns.Resolver({ timeout: Math.ceil(timeoutMs / 2), tries: 2 });
  return {
    resolveMx: (domain) => r.resolveMx(domain),
    resolve4: (host) => r.resolve4(host),
  };
}

/** One host to connect to: `address` is what we dial, `name` what we call it (Remote-MTA, SNI). */
export interface Target {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly tls: TlsMode;
}

export type TargetPlan =
  | { readonly kind: 'targets'; readonly targets: AsyncIterable<Target> }
  | { readonly kind: 'failed'; readonly permanent: boolean; readonly status: string; readonly reply: string };

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEOUT' })), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

const NO_DATA = new Set(['ENODATA']);
const NO_DOMAIN = new Set(['ENOTFOUND', 'NXDOMAIN']);

export interface PlanTargetsOptions {
  readonly resolver: DnsResolver;
  readonly timeoutMs: number;
  /** Port for MX hosts: 25 on the Internet; tests point it at their own server. */
  readonly mxPort: number;
  /** A delivery that requires TLS upgrades the host's mode to required. */
  readonly requireTls: boolean;
  /** Randomness for ordering equal-priority MX hosts. */
  readonly tieSeed: number;
}

export async function planTargets(hop: NextHop, o: PlanTargetsOptions): Promise<TargetPlan> {
  switch (hop.kind) {
    case 'error':
      return { kind: 'failed', permanent: false, status: '4.3.5', reply: hop.reason };
    case 'static': {
      const h = hop.host;
      const tls: TlsMode = o.requireTls ? 'required' : h.tls;
      // A static host is dialled by name: the OS resolver applies (/etc/hosts, "localhost").
      return { kind: 'targets', targets: once({ name: h.host, address: h.host, port: h.port, tls }) };
    }
    case 'mx':
      return planMx(hop.domain, o);
  }
}

async function* once(t: Target): AsyncIterable<Target> {
  yield t;
}

async function planMx(domain: string, o: PlanTargetsOptions): Promise<TargetPlan> {
  let records: readonly MxRecord[];
  try {
    records = await withTimeout(o.resolver.resolveMx(domain), o.timeoutMs, `MX lookup for ${domain}`);
  } catch (e) {
    const code = codeOf(e);
    if (code !== undefined && NO_DOMAIN.has(code)) {
      return { kind: 'failed', permanent: true, status: '5.1.2', reply: `the domain ${domain} does not exist (DNS: ${code})` };
    }
    if (code === undefined || !NO_DATA.has(code)) {
      return { kind: 'failed', permanent: false, status: '4.4.3', reply: `MX lookup for ${domain} failed: ${String(code ?? e)}` };
    }
    records = [];
  }
  const order = orderMxRecords(domain, records, o.tieSeed);
  if (order.kind === 'null-mx') return { kind: 'failed', permanent: true, status: '5.1.10', reply: order.reason };
  const tls: TlsMode = o.requireTls ? 'required' : 'opportunistic';
  return { kind: 'targets', targets: addresses(order.hosts, tls, o) };
}

/** Resolves each MX host only when the ones before it have failed. */
async function* addresses(hosts: readonly string[], tls: TlsMode, o: PlanTargetsOptions): AsyncIterable<Target> {
  for (const name of hosts) {
    if (isIP(name)) {
      yield { name, address: name, port: o.mxPort, tls };
      continue;
    }
    let ips: readonly string[];
    try {
      ips = await withTimeout(o.resolver.resolve4(name), o.timeoutMs, `A lookup for ${name}`);
    } catch {
      continue; // An MX host without an address is skipped, as Postfix does; the next may work.
    }
    for (const address of ips) yield { name, address, port: o.mxPort, tls };
  }
}
