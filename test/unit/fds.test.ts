import { describe, expect, it } from 'vitest';
import { defaultMaxHeld, openFds, parseOpenFilesLimit, readOpenFilesLimit } from '../../src/watchdog/fds.js';
import { HeldRequests } from '../../src/wake/held.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('descriptors and the cap on held requests', () => {
  it('reads the open-files limit from /proc/<pid>/limits', () => {
    expect(parseOpenFilesLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseOpenFilesLimit('Max open files            unlimited            unlimited            files\n')).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseOpenFilesLimit('nothing here')).toBeUndefined();
    // This process's own, on Linux.
    const own = readOpenFilesLimit();
    expect(own?.soft).toBeGreaterThan(0);
    expect(openFds()).toBeGreaterThan(2);
  });

  it('fits the default cap to the soft limit: two descriptors a held request after a reserve', () => {
    expect(defaultMaxHeld(1024)).toBe(416);
    expect(defaultMaxHeld(16_384)).toBe(8096);
    expect(defaultMaxHeld(1_048_576)).toBe(10_000);
    expect(defaultMaxHeld(Infinity)).toBe(10_000);
    expect(defaultMaxHeld(200)).toBe(4);
    expect(defaultMaxHeld(100)).toBe(1);
  });

  it('holds up to the cap; a release counts once however often it is called', () => {
    const h = new HeldRequests(4);
    const a = h.take('alice');
    const b = h.take('bob');
    const c = h.take('carol');
    const d = h.take('dave');
    expect(h.take('erin')).toBe('cap');
    expect(h.count).toBe(4);
    if (typeof a !== 'function' || typeof b !== 'function' || typeof c !== 'function' || typeof d !== 'function') throw new Error('no slot');
    a();
    a();
    expect(h.count).toBe(3);
    expect(typeof h.take('erin')).toBe('function');
    b();
    expect(h.count).toBe(3);
  });

  it('gives one tenant at most half of the cap, so the others can still be woken', () => {
    const h = new HeldRequests(5);
    expect(h.share).toBe(3);
    const alice = [h.take('alice'), h.take('alice'), h.take('alice')];
    expect(alice.every((x) => typeof x === 'function')).toBe(true);
    expect(h.take('alice')).toBe('share');
    expect(typeof h.take('bob')).toBe('function');
    // A released slot is alice's to take again.
    (alice[0] as () => void)();
    expect(typeof h.take('alice')).toBe('function');
    expect(new HeldRequests(1).share).toBe(1);
    expect(new HeldRequests(Infinity).share).toBe(Infinity);
  });
});
