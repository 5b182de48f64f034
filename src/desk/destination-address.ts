/**
 * Which addresses a webhook may be sent to. A webhook URL is typed by an admin, but the
 * POST is made by the server, from inside the network: pointed at 127.0.0.1, a private
 * range or the cloud metadata address 169.254.169.254, it would make us a proxy into
 * places the admin's own browser cannot reach. So only public addresses are allowed unless
 * the configuration says otherwise, and the check is applied to the addresses a name
 * resolves to as well as to literal ones. Pure: the text of an address in, a range out.
 */

/** `public`, or the reason an address is not one. */
export type AddressRange = 'public' | 'loopback' | 'private' | 'link-local' | 'shared' | 'unspecified' | 'multicast' | 'reserved';

/** Each range in words, as the refusals name it. */
export const RANGE_WORDS: Readonly<Record<Exclude<AddressRange, 'public'>, string>> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address (the range of the cloud metadata service 169.254.169.254)',
  shared: 'a carrier-grade NAT address (100.64.0.0/10)',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/**
 * The range of an IPv4 or IPv6 address (brackets and a %zone are allowed), or undefined
 * when the text is not an IP address at all. IPv6 forms that carry an IPv4 address
 * (IPv4-mapped, -compatible and -translated, NAT64, 6to4) are judged by that address.
 */
export function classifyIp(text: string): AddressRange | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(bare);
  if (v4 !== undefined) return classifyIpv4(v4);
  const v6 = parseIpv6(bare.replace(/%[^%]*$/, ''));
  return v6 === undefined ? undefined : classifyIpv6(v6);
}

/** A host name that names this machine whatever DNS says (RFC 6761 6.3). */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

// [first address, prefix length, range], the first that holds wins: more specific first.
const IPV4_RANGES: readonly (readonly [string, number, AddressRange])[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['224.0.0.0', 4, 'multicast'],
  // 240.0.0.0/4 holds the broadcast address 255.255.255.255 too.
  ['240.0.0.0', 4, 'reserved'],
];

/** The same table as network numbers and masks. */
const IPV4_BLOCKS = IPV4_RANGES.map(([first, prefix, range]) => {
  const mask = (~0 << (32 - prefix)) >>> 0;
  return { network: ((parseIpv4(first) ?? 0) & mask) >>> 0, mask, range };
});

function classifyIpv4(address: number): AddressRange {
  for (const { network, mask, range } of IPV4_BLOCKS) if ((address & mask) >>> 0 === network) return range;
  return 'public';
}

function classifyIpv6(g: readonly number[]): AddressRange {
  const [a, b, c, d, e, f] = g as [number, number, number, number, number, number, number, number];
  const embedded = (hi: number, lo: number) => classifyIpv4(((hi << 16) | lo) >>> 0);
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated).
  if (zeroTo(5) && f === 0xffff) return embedded(g[6]!, g[7]!);
  if (zeroTo(6)) return embedded(g[6]!, g[7]!);
  if (zeroTo(4) && e === 0xffff && f === 0) return embedded(g[6]!, g[7]!);
  // NAT64: the well-known prefix carries a public IPv4 address; the local-use one is ours.
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return embedded(g[6]!, g[7]!);
  if (a === 0x64 && b === 0xff9b && c === 1) return 'private';
  // 6to4: 2002:AABB:CCDD::/48 stands for the IPv4 address AA.BB.CC.DD.
  if (a === 0x2002) return embedded(b, c);
  if ((a & 0xfe00) === 0xfc00) return 'private';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  // Site-local (deprecated by RFC 3879, still routed as private by some stacks).
  if ((a & 0xffc0) === 0xfec0) return 'private';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

/** Dotted quad only (what the URL parser and the resolver give), as a 32-bit number. */
function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** Eight 16-bit groups, from any RFC 4291 text form (with "::" and a trailing dotted quad). */
function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return undefined;
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    // Keep the colon when it is half of a "::" right before the quad.
    head = text.slice(0, text[lastColon - 1] === ':' ? lastColon + 1 : lastColon);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  const given = left.length + right.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  return [...left, ...new Array<number>(8 - given).fill(0), ...right, ...tail];
}

/** The fix every refusal ends with: the setting that lifts it, by its YAML path. */
const HOW_TO_ALLOW = 'webhooks go to public addresses only; to send them there, set desk.webhooks.allowPrivateDestinations: true in the configuration';

/**
 * Why webhooks may not go to `host` (a URL's host: a name, an IPv4 address or a bracketed
 * IPv6 one), or null. Only what the text shows is judged here: a name is judged again by
 * the addresses it resolves to, at each delivery (`checkResolvedAddresses`).
 */
export function checkDestinationHost(host: string, allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  if (isLocalhostName(host)) return `${host} is this machine (a loopback name); ${HOW_TO_ALLOW}`;
  const range = classifyIp(host);
  return range === undefined || range === 'public' ? null : `${host} is ${RANGE_WORDS[range]}; ${HOW_TO_ALLOW}`;
}

/** Why webhooks may not go to what `host` resolved to, or null: every address must be public. */
export function checkResolvedAddresses(host: string, addresses: readonly string[], allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  for (const address of addresses) {
    const range = classifyIp(address);
    if (range === undefined) return `${host} resolves to "${address}", which is not an IP address`;
    if (range !== 'public') return `${host} resolves to ${address}, ${RANGE_WORDS[range]}; ${HOW_TO_ALLOW}`;
  }
  return null;
}
