import { describe, expect, it } from 'vitest';
import { judgeTraffic, parseNetDev, pushWireBytes } from '../../src/activity/traffic.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    9999       7    0    0    0     0          0         0     9999       3    0    0    0     0       0          0
  eth0:     590       7    0    0    0     0          0         0      266       3    0    0    0     0       0          0
`;

describe('parseNetDev', () => {
  it('adds received and sent bytes of every interface but loopback', () => {
    expect(parseNetDev(NET_DEV)).toBe(856);
    expect(parseNetDev('')).toBe(0);
  });
});

describe('judgeTraffic', () => {
  const s = (bytes: number, sampledAt: number, pid = 1) => ({ name: 't', pid, bytes, sampledAt });
  const W = 60_000;

  it('first sample: a baseline, no verdict', () => {
    expect(judgeTraffic(undefined, s(5000, 0), 4096, W)).toMatchObject({ keep: s(5000, 0), active: false });
  });

  it('more than the threshold since the baseline is activity, and moves the baseline', () => {
    expect(judgeTraffic(s(0, 0), s(5000, 1000), 4096, W)).toMatchObject({ keep: s(5000, 1000), active: true });
  });

  it("the tenant's own summary pushes are left out: not activity, and never below zero", () => {
    const pushes = pushWireBytes({ count: 1, bytes: 20_000 });
    expect(judgeTraffic(s(0, 0), s(21_400, 1000), 4096, W, pushes)).toMatchObject({ active: false, grown: 0 });
    // Other traffic beside the push still counts.
    expect(judgeTraffic(s(0, 0), s(21_400 + 20_000, 1000), 4096, W, pushes).active).toBe(true);
  });

  it('a trickle (keep-alive pings) never adds up: the baseline moves on every window', () => {
    let base = s(0, 0);
    let active = false;
    // 200 bytes every 10 s for an hour: 1.2 KB a minute, 72 KB in all.
    for (let t = 10_000; t <= 3_600_000; t += 10_000) {
      const v = judgeTraffic(base, s((t / 10_000) * 200, t), 4096, W);
      base = v.keep;
      active ||= v.active;
    }
    expect(active).toBe(false);
  });

  it('a steady stream crosses the threshold within the window, however short the sample interval', () => {
    let base = s(0, 0);
    const hits: number[] = [];
    for (let t = 1000; t <= 20_000; t += 1000) {
      const v = judgeTraffic(base, s(t / 2, t), 4096, W); // 500 bytes a second
      base = v.keep;
      if (v.active) hits.push(t);
    }
    expect(hits).toEqual([9000, 18_000]);
  });

  it('a new PID means new counters that started at zero', () => {
    expect(judgeTraffic(s(1_000_000, 0, 1), s(300, 1000, 2), 4096, W).active).toBe(false);
    expect(judgeTraffic(s(1_000_000, 0, 1), s(9000, 1000, 2), 4096, W).active).toBe(true);
  });
});
