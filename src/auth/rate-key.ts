import { isIPv6 } from 'node:net';

// Pure: the "client" that login attempts are counted against. An IPv4 address is one client.
// An IPv6 host usually has a whole /64 to itself (SLAAC, privacy addresses), so counting per
// address would give one attacker 2^64 fresh counters: a /64 is one client.

export function rateKey(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(a)) return a;
  return `${expand(a).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without its zone; an IPv4 tail counts as two. */
function expand(address: string): string[] {
  const a = (address.split('%')[0] ?? '').replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, w: string, x: string, y: string, z: string) =>
    `${((Number(w) << 8) | Number(x)).toString(16)}:${((Number(y) << 8) | Number(z)).toString(16)}`);
  const [head = '', tail] = a.split('::');
  const left = head ? head.split(':') : [];
  if (tail === undefined) return left.map(norm);
  const right = tail ? tail.split(':') : [];
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map(norm);
}

const norm = (g: string) => parseInt(g, 16).toString(16);
