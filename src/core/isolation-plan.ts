// Tenant isolation rules, as a plan over `iptables -t mangle -S` output.
//
// Why our own rules: netavark 1.4 (podman 4.3, Debian 12) deletes its `FORWARD -j
// NETAVARK_ISOLATION_1` jump whenever any isolated network is torn down (a tenant stopped, or
// crashed), and adds it back only at the next network setup. Until then tenants can reach each
// other. Re-adding the jump after our own stops leaves a window for every other teardown. So we
// keep rules netavark never touches, in the mangle table's FORWARD (traversed before filter's,
// where netavark's accept rules are, and where nobody else inserts ahead of us):
//   FORWARD   -j ISOLATE
//   ISOLATE   -i <bridge> ! -o <bridge> -j ISOLATE-2   (one a tenant bridge: traffic leaving it)
//   ISOLATE-2 -o <bridge> -j DROP                      (one a tenant bridge: ...into another)
// The same shape as netavark's: O(tenants) rules, and a tenant still reaches the internet.

export const ISOLATE_CHAIN = 'FEATHER-TENANT-ISOLATE';
export const ISOLATE_DROP_CHAIN = 'FEATHER-TENANT-ISOLATE-2';

/** Linux interface names: at most 15 characters, no spaces or slashes. */
const BRIDGE = /^[A-Za-z0-9_.-]{1,15}$/;

export function isBridgeName(s: string): boolean {
  return BRIDGE.test(s);
}

function leaveRule(bridge: string): string[] {
  return [ISOLATE_CHAIN, '-i', bridge, '!', '-o', bridge, '-j', ISOLATE_DROP_CHAIN];
}

function dropRule(bridge: string): string[] {
  return [ISOLATE_DROP_CHAIN, '-o', bridge, '-j', 'DROP'];
}

const JUMP = ['FORWARD', '-j', ISOLATE_CHAIN];

/** How many times the listing holds `-A <spec>` (iptables -S prints rules in this form). */
function count(lines: string[], spec: string[]): number {
  const want = `-A ${spec.join(' ')}`;
  return lines.filter((l) => l.trim() === want).length;
}

function linesOf(listing: string): string[] {
  return listing.split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * iptables argument lists (each to run with `-t mangle`) that add whatever of the chains, the
 * jump and these bridges' rules is missing. Rules are only ever added here: a concurrent add by
 * another process may leave a duplicate, which drops the same packets and `release` removes.
 */
export function protectSteps(listing: string, bridges: string[]): string[][] {
  const lines = linesOf(listing);
  const steps: string[][] = [];
  for (const chain of [ISOLATE_DROP_CHAIN, ISOLATE_CHAIN]) {
    if (!lines.includes(`-N ${chain}`)) steps.push(['-N', chain]);
  }
  for (const b of new Set(bridges)) {
    if (!isBridgeName(b)) throw new Error(`not a bridge name: ${JSON.stringify(b)}`);
    // The drop rule before the rule that leads to it, so no moment has a jump into nothing.
    if (count(lines, dropRule(b)) === 0) steps.push(['-A', ...dropRule(b)]);
    if (count(lines, leaveRule(b)) === 0) steps.push(['-A', ...leaveRule(b)]);
  }
  if (count(lines, JUMP) === 0) steps.push(['-I', ...JUMP.slice(0, 1), '1', ...JUMP.slice(1)]);
  return steps;
}

/** iptables argument lists (with `-t mangle`) that delete every copy of one bridge's rules. */
export function releaseSteps(listing: string, bridge: string): string[][] {
  if (!isBridgeName(bridge)) throw new Error(`not a bridge name: ${JSON.stringify(bridge)}`);
  const lines = linesOf(listing);
  const steps: string[][] = [];
  // The rule that leads to the drop chain first: the reverse of protectSteps' order.
  for (const spec of [leaveRule(bridge), dropRule(bridge)]) {
    for (let i = count(lines, spec); i > 0; i--) steps.push(['-D', ...spec]);
  }
  return steps;
}
