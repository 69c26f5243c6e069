import { describe, expect, it } from 'vitest';
import { dayOf, dayPeak, oldestKeptDay, rollup, sinceDay, totals, type UsageRow, type UsageSample } from '../../src/core/usage.js';
import { parseCpuStat, parseProcCgroup } from '../../src/activity/cgroup.js';
import { parseNetDevSplit } from '../../src/activity/traffic.js';

const DAY = 86_400_000;
const noon = Date.parse('2026-12-01T12:00:00Z');
const reading = (name: string, o: Partial<Parameters<typeof rollup>[0]['readings'][number]> = {}) => ({
  name, pid: 7, rx: 1000, tx: 2000, cpuUs: 5_000_000, peakBytes: 64 << 20, currentBytes: 32 << 20, startedAt: noon - 3_600_000, ...o,
});
const sample = (name: string, o: Partial<UsageSample> = {}): UsageSample => ({ name, pid: 7, rx: 400, tx: 500, cpuUs: 1_000_000, sampledAt: noon - 60_000, ...o });

describe('usage rollup', () => {
  it('adds what the counters grew by since the last sample, the requests, and active time for active tenants', () => {
    const r = rollup({
      now: noon, readings: [reading('a')], prev: new Map([['a', sample('a')]]), requests: new Map([['a', 12]]), active: new Set(['a']), intervalMs: 60_000,
    });
    expect(r.deltas).toEqual([{ name: 'a', day: '2026-12-01', activeMs: 60_000, requests: 12, bytesIn: 600, bytesOut: 1500, wakes: 0, cpuUs: 4_000_000, peakMemory: 64 << 20 }]);
    expect(r.samples).toEqual([{ name: 'a', pid: 7, rx: 1000, tx: 2000, cpuUs: 5_000_000, sampledAt: noon }]);
  });

  it('counts a new process (a restart, a wake) from zero, and never subtracts', () => {
    const r = rollup({ now: noon, readings: [reading('a', { pid: 8 }), reading('b', { rx: 10 })], prev: new Map([['a', sample('a')], ['b', sample('b')]]), requests: new Map(), active: new Set(), intervalMs: 60_000 });
    expect(r.deltas.map((d) => [d.name, d.bytesIn, d.bytesOut, d.cpuUs, d.activeMs])).toEqual([['a', 1000, 2000, 5_000_000, 0], ['b', 0, 1500, 4_000_000, 0]]);
  });

  it('skips a reading older than the sample another sweep (cron beside the watchdog) took meanwhile', () => {
    const r = rollup({ now: noon, readings: [reading('a')], prev: new Map([['a', sample('a', { sampledAt: noon + 5 })]]), requests: new Map(), active: new Set(), intervalMs: 60_000 });
    expect([r.deltas, r.samples]).toEqual([[], []]);
  });

  it('active time is at most one interval, less when the last sample is nearer; requests to a stopped tenant count', () => {
    const r = rollup({
      now: noon, readings: [], prev: new Map([['near', sample('near', { sampledAt: noon - 20_000 })], ['far', sample('far', { sampledAt: noon - 10 * 60_000 })]]),
      requests: new Map([['asleep', 3]]), active: new Set(['near', 'far', 'new']), intervalMs: 60_000,
    });
    expect(r.deltas.map((d) => [d.name, d.activeMs, d.requests])).toEqual([['asleep', 0, 3], ['near', 20_000, 0], ['far', 60_000, 0], ['new', 60_000, 0]]);
  });

  it("a day's peak memory is the kernel's only for a container started that day", () => {
    expect(dayPeak({ peakBytes: 900, currentBytes: 100, startedAt: noon - 3_600_000 }, noon)).toBe(900);
    expect(dayPeak({ peakBytes: 900, currentBytes: 100, startedAt: noon - DAY }, noon)).toBe(100);
    expect(dayPeak({ peakBytes: undefined, currentBytes: undefined, startedAt: undefined }, noon)).toBe(0);
  });

  it('days are UTC; retention keeps today and the days before it', () => {
    expect(dayOf(Date.parse('2026-12-01T23:59:59.999Z'))).toBe('2026-12-01');
    expect(dayOf(Date.parse('2026-12-02T00:00:00Z'))).toBe('2026-12-02');
    expect(oldestKeptDay(noon, 90)).toBe('2026-09-03');
    expect(oldestKeptDay(noon, 1)).toBe('2026-12-01');
  });

  it('--since: days, hours or a date; anything else is refused', () => {
    expect(sinceDay('7d', noon)).toBe('2026-11-25');
    expect(sinceDay('13h', noon)).toBe('2026-11-30');
    expect(sinceDay('2026-11-01', noon)).toBe('2026-11-01');
    for (const bad of ['0d', 'yesterday', '7', '-1d', '2026-02-30', '2026-13-01', '']) expect([bad, sinceDay(bad, noon)]).toEqual([bad, undefined]);
  });

  it('totals per tenant, most active first, and over all', () => {
    const row = (name: string, day: string, activeMs: number, cpuUs = 0, peakMemory = 0): UsageRow =>
      ({ name, day, activeMs, requests: 1, bytesIn: 10, bytesOut: 20, wakes: 1, cpuUs, peakMemory });
    const t = totals([row('b', '2026-11-30', 60_000, 2e6, 5), row('b', '2026-12-01', 60_000, 0, 9), row('a', '2026-12-01', 30_000), row('c', '2026-12-01', 60_000, 3e6)]);
    expect(t.tenants.map((x) => [x.name, x.days, x.activeMinutes, x.cpuSeconds, x.peakMemory, x.requests])).toEqual([
      ['b', 2, 2, 2, 9, 2], ['c', 1, 1, 3, 0, 1], ['a', 1, 0.5, 0, 0, 1],
    ]);
    expect(t.total).toMatchObject({ name: 'total', days: 2, activeMinutes: 3.5, requests: 4, bytesIn: 40, wakes: 4, cpuSeconds: 5, peakMemory: 9 });
  });
});

describe('container counters', () => {
  it('finds the cgroup paths of this machine (v1 hybrid, podman 4.3) and of a pure v2 host', () => {
    // Recorded from /proc/PID/cgroup of a tenant's container here.
    const hybrid = [
      '9:name=systemd:/libpod_parent/libpod-3494', '4:memory:/libpod_parent/libpod-3494', '2:cpuacct:/libpod_parent/libpod-3494',
      '1:cpu:/libpod_parent/libpod-3494', '0::/libpod_parent/libpod-3494',
    ].join('\n');
    expect(parseProcCgroup(hybrid)).toEqual({ memory: '/libpod_parent/libpod-3494', cpuacct: '/libpod_parent/libpod-3494', unified: '/libpod_parent/libpod-3494' });
    expect(parseProcCgroup('0::/machine.slice/libpod-abc.scope/container\n')).toEqual({ unified: '/machine.slice/libpod-abc.scope/container' });
    expect(parseProcCgroup('5:cpu,cpuacct:/x\n6:memory:/y\n')).toEqual({ cpuacct: '/x', memory: '/y' });
    expect(parseCpuStat('usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n')).toBe(123456);
    expect(parseCpuStat('nr_periods 0\n')).toBeUndefined();
  });

  it('splits network bytes into received and sent, loopback left out', () => {
    const dev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    5000      10    0    0    0     0          0         0     5000      10    0    0    0     0       0          0
  eth0:    1200       9    0    0    0     0          0         0      800       7    0    0    0     0       0          0
`;
    expect(parseNetDevSplit(dev)).toEqual({ rx: 1200, tx: 800 });
  });
});
