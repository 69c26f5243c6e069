import { describe, expect, it } from 'vitest';
import { protectSteps, releaseSteps } from '../../src/core/isolation-plan.js';

// Listings as `iptables -t mangle -S` prints them (iptables-nft 1.8.9, Debian 12).
const EMPTY = ['-P PREROUTING ACCEPT', '-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT', '-P POSTROUTING ACCEPT'].join('\n');
const WITH_A = [
  EMPTY,
  '-N FEATHER-TENANT-ISOLATE',
  '-N FEATHER-TENANT-ISOLATE-2',
  '-A FORWARD -j FEATHER-TENANT-ISOLATE',
  '-A FEATHER-TENANT-ISOLATE -i podman1 ! -o podman1 -j FEATHER-TENANT-ISOLATE-2',
  '-A FEATHER-TENANT-ISOLATE-2 -o podman1 -j DROP',
].join('\n');

describe('tenant isolation rules', () => {
  it('on a bare table: both chains, the drop rule before the rule leading to it, then the jump from FORWARD', () => {
    expect(protectSteps(EMPTY, ['podman1'])).toEqual([
      ['-N', 'FEATHER-TENANT-ISOLATE-2'],
      ['-N', 'FEATHER-TENANT-ISOLATE'],
      ['-A', 'FEATHER-TENANT-ISOLATE-2', '-o', 'podman1', '-j', 'DROP'],
      ['-A', 'FEATHER-TENANT-ISOLATE', '-i', 'podman1', '!', '-o', 'podman1', '-j', 'FEATHER-TENANT-ISOLATE-2'],
      ['-I', 'FORWARD', '1', '-j', 'FEATHER-TENANT-ISOLATE'],
    ]);
  });

  it('adds only what is missing, and nothing when all is there (so reconcile twice changes nothing)', () => {
    expect(protectSteps(WITH_A, ['podman1'])).toEqual([]);
    expect(protectSteps(WITH_A, ['podman1', 'podman2', 'podman2'])).toEqual([
      ['-A', 'FEATHER-TENANT-ISOLATE-2', '-o', 'podman2', '-j', 'DROP'],
      ['-A', 'FEATHER-TENANT-ISOLATE', '-i', 'podman2', '!', '-o', 'podman2', '-j', 'FEATHER-TENANT-ISOLATE-2'],
    ]);
    // A lost jump (someone flushed FORWARD) comes back on its own.
    const noJump = WITH_A.split('\n').filter((l) => !l.startsWith('-A FORWARD')).join('\n');
    expect(protectSteps(noJump, ['podman1'])).toEqual([['-I', 'FORWARD', '1', '-j', 'FEATHER-TENANT-ISOLATE']]);
  });

  it('release deletes every copy of one bridge, and leaves other bridges alone', () => {
    const doubled = `${WITH_A}\n-A FEATHER-TENANT-ISOLATE-2 -o podman1 -j DROP\n-A FEATHER-TENANT-ISOLATE-2 -o podman10 -j DROP`;
    expect(releaseSteps(doubled, 'podman1')).toEqual([
      ['-D', 'FEATHER-TENANT-ISOLATE', '-i', 'podman1', '!', '-o', 'podman1', '-j', 'FEATHER-TENANT-ISOLATE-2'],
      ['-D', 'FEATHER-TENANT-ISOLATE-2', '-o', 'podman1', '-j', 'DROP'],
      ['-D', 'FEATHER-TENANT-ISOLATE-2', '-o', 'podman1', '-j', 'DROP'],
    ]);
    expect(releaseSteps(WITH_A, 'podman2')).toEqual([]);
  });

  it('refuses anything that is not an interface name, before any step', () => {
    expect(() => protectSteps(EMPTY, ['podman1', '-j ACCEPT'])).toThrow(/not a bridge name/);
    expect(() => releaseSteps(EMPTY, 'a-very-long-bridge-name')).toThrow(/not a bridge name/);
  });
});
