import { isIPv4, isIPv6 } from 'node:net';

/**
 * Why an address is not a public unicast destination; null when it is one. The classes follow the
 * IANA special-purpose registries (RFC 6890 and successors): everything that reaches the machine
 * itself, a private network, the cloud metadata service, a group, or embeds such an address.
 */
export type AddressRefusal =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared address space'
  | 'link-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'IETF protocol assignment'
  | 'unique local'
  | 'site-local'
  | 'IPv4-mapped'
  | 'IPv4-compatible'
  | 'IPv4-translated'
  | 'Teredo'
  | 'discard-only'
  | 'not an IP address';

type Rule4 = readonly [base: number, bits: number, refusal: AddressRefusal];

const IPV4_RULES: readonly Rule4[] = [
  [ip4('0.0.0.0'), 8, 'unspecified'], // "this network"; 0.0.0.0 reaches the local host on Linux
  [ip4('10.0.0.0'), 8, 'private'],
  [ip4('100.64.0.0'), 10, 'shared address space'], // carrier-grade NAT
  [ip4('127.0.0.0'), 8, 'loopback'],
  [ip4('169.254.0.0'), 16, 'link-local'], // 169.254.169.254: cloud metadata
  [ip4('172.16.0.0'), 12, 'private'],
  [ip4('192.0.0.0'), 24, 'IETF protocol assignment'],
  [ip4('192.0.2.0'), 24, 'documentation'],
  [ip4('192.88.99.0'), 24, 'reserved'], // former 6to4 relay anycast
  [ip4('192.168.0.0'), 16, 'private'],
  [ip4('198.18.0.0'), 15, 'benchmarking'],
  [ip4('198.51.100.0'), 24, 'documentation'],
  [ip4('203.0.113.0'), 24, 'documentation'],
  [ip4('224.0.0.0'), 4, 'multicast'],
  [ip4('255.255.255.255'), 32, 'broadcast'],
  [ip4('240.0.0.0'), 4, 'reserved'],
];

/** Dotted-quad IPv4 to an unsigned 32-bit number (the input is known to be valid). */
function ip4(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function refuse4(value: number): AddressRefusal | null {
  for (const [base, bits, refusal] of IPV4_RULES) {
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) return refusal;
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address (embedded dotted IPv4 and `::` expanded). */
function groups6(text: string): number[] | null {
  let head = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    if (!isIPv4(dotted[1])) return null;
    const v = ip4(dotted[1]);
    tail.push(Math.floor(v / 65536), v % 65536);
    head = text.slice(0, -dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const left = parse(halves[0] ?? '');
  const right = [...parse(halves[1] ?? ''), ...tail];
  if (halves.length === 1) return left.length + tail.length === 8 ? [...left, ...tail] : null;
  const missing = 8 - left.length - right.length;
  if (missing < 1) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

function startsWith(g: number[], prefix: number[], bits: number): boolean {
  let remaining = bits;
  for (let i = 0; remaining > 0; i++, remaining -= 16) {
    const mask = remaining >= 16 ? 0xffff : (0xffff << (16 - remaining)) & 0xffff;
    if (((g[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function refuse6(g: number[]): AddressRefusal | null {
  const v4 = (g[6] ?? 0) * 65536 + (g[7] ?? 0);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (startsWith(g, [0, 0, 0, 0, 0, 0, 0, 1], 128)) return 'loopback';
  // Every form that carries an IPv4 address is refused or judged by that address: a socket to
  // ::ffff:127.0.0.1 reaches 127.0.0.1.
  if (startsWith(g, [0, 0, 0, 0, 0, 0xffff], 96)) return 'IPv4-mapped';
  if (startsWith(g, [0, 0, 0, 0, 0, 0], 96)) return 'IPv4-compatible';
  if (startsWith(g, [0, 0, 0, 0, 0xffff, 0], 96)) return 'IPv4-translated'; // SIIT, RFC 2765
  // NAT64 (RFC 6052): the well-known prefix reaches the embedded IPv4 address; judge that one.
  // The local-use prefix 64:ff9b:1::/48 (RFC 8215) is operator-defined: refused.
  if (startsWith(g, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return refuse4(v4);
  if (startsWith(g, [0x64, 0xff9b, 1], 48)) return 'private';
  if (startsWith(g, [0x100, 0, 0, 0], 64)) return 'discard-only';
  if (startsWith(g, [0x2001, 0], 32)) return 'Teredo'; // embeds an obfuscated IPv4 address
  if (startsWith(g, [0x2001, 0x0db8], 32)) return 'documentation';
  if (startsWith(g, [0x2001, 0], 23)) return 'IETF protocol assignment';
  // 6to4: 2002:AABB:CCDD::/48 tunnels to the IPv4 address AA.BB.CC.DD.
  if (startsWith(g, [0x2002], 16)) return refuse4((g[1] ?? 0) * 65536 + (g[2] ?? 0));
  if (startsWith(g, [0xfc00], 7)) return 'unique local';
  if (startsWith(g, [0xfe80], 10)) return 'link-local';
  if (startsWith(g, [0xfec0], 10)) return 'site-local';
  if (startsWith(g, [0xff00], 8)) return 'multicast';
  if (!startsWith(g, [0x2000], 3)) return 'reserved'; // only 2000::/3 is allocated global unicast
  return null;
}

/**
 * Why the worker must not connect to `address` (an IPv4 or IPv6 literal, brackets and zone allowed),
 * or null for a public unicast address.
 *
 * @example
 * addressRefusal('169.254.169.254') // 'link-local'
 * addressRefusal('::ffff:127.0.0.1') // 'IPv4-mapped'
 * addressRefusal('93.184.215.14') // null
 */
export function addressRefusal(address: string): AddressRefusal | null {
  const parsed = parseAddress(address);
  if (parsed === null) return 'not an IP address';
  return typeof parsed === 'number' ? refuse4(parsed) : refuse6(parsed);
}

/**
 * An IPv4 literal as its number, an IPv6 literal as its eight groups (brackets and a zone allowed:
 * a zone, as in fe80::1%eth0, only exists on link-local addresses, so the address is judged without
 * it), or null for anything else.
 */
function parseAddress(address: string): number | number[] | null {
  let text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (isIPv4(text)) return ip4(text);
  return isIPv6(text) ? groups6(text.toLowerCase()) : null;
}

/**
 * True for a link-local address — where cloud metadata services answer (169.254.169.254, fe80::/10) —
 * also inside an IPv6 form that carries an IPv4 address (::ffff:169.254.169.254, 6to4, NAT64). No
 * destination lives there, so it is refused even where private destinations are allowed.
 * @example
 * isLinkLocal('[::ffff:a9fe:a9fe]') // true
 * isLinkLocal('10.0.0.1') // false
 */
export function isLinkLocal(address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed === null) return false;
  if (typeof parsed === 'number') return refuse4(parsed) === 'link-local';
  if (startsWith(parsed, [0xfe80], 10)) return true;
  const last = (parsed[6] ?? 0) * 65536 + (parsed[7] ?? 0);
  const carried = [
    [0, 0, 0, 0, 0, 0xffff],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0xffff, 0],
    [0x64, 0xff9b, 0, 0, 0, 0],
  ].some((prefix) => startsWith(parsed, prefix, 96))
    ? last
    : startsWith(parsed, [0x2002], 16)
      ? (parsed[1] ?? 0) * 65536 + (parsed[2] ?? 0)
      : null;
  return carried !== null && refuse4(carried) === 'link-local';
}

/** True for an IPv4 or IPv6 literal (brackets allowed). */
export function isIpLiteral(host: string): boolean {
  return parseAddress(host) !== null;
}
