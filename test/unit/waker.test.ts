import { describe, expect, it } from 'vitest';
import { Waker, type WakeLeases } from '../../src/wake/waker.js';
import { podmanWakePort } from '../../src/wake/podman-port.js';

// The wake coordinator with a fake podman and a fake clock: single flight, retries, leases.

function harness(o: { readyAfterMs?: number; stopsAfterStart?: number; startFails?: string; stopInProgressUntil?: number; busyUntil?: number } = {}) {
  let now = 0;
  let starts = 0;
  let running = false;
  let startedAt = 0;
  const calls: string[] = [];
  const logs: string[] = [];
  const reports: string[] = [];
  const leases: WakeLeases = {
    begin: (n, t) => (calls.push(`begin ${n}@${t}`), { stopStartedAt: o.stopInProgressUntil ? 0 : null }),
    end: (n, s, t, ok) => void calls.push(`end ${n} ${ok}`),
    stopInProgress: () => now < (o.stopInProgressUntil ?? 0),
    busyWith: () => (now < (o.busyUntil ?? 0) ? 'export (pid 42)' : undefined),
  };
  const waker = new Waker({
    tenants: podmanWakePort({
      startContainer: async () => {
        await Promise.resolve();
        if (o.startFails) throw new Error(o.startFails);
        starts += 1;
        running = true;
        startedAt = now;
        if (o.stopsAfterStart && starts <= o.stopsAfterStart) running = false; // a sweep's stop lands after our start
      },
      containerState: () => Promise.resolve(running ? 'running' : 'exited'),
    }, () => Promise.resolve(running && now - startedAt >= (o.readyAfterMs ?? 100))),
    leases,
    readyTimeoutMs: 45_000,
    leaseMs: 105_000,
    log: (_level, msg) => void logs.push(msg),
    starts: { ok: () => void reports.push('ok'), fail: (reason) => void reports.push(reason) },
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  });
  return { waker, calls, logs, reports, starts: () => starts, startedAt: () => startedAt, advance: (ms: number) => (now += ms) };
}

const alice = { name: 'alice', container: 'p-alice', port: 9001 };

describe('Waker', () => {
  it('reports each podman start to the outage reporter, and does not log a wake that failed on one again', async () => {
    const failing = harness({ startFails: 'Error: simulated podman outage' });
    expect((await failing.waker.wake(alice)).error).toBe('Error: simulated podman outage');
    expect(failing.reports).toEqual(['podman could not start p-alice: Error: simulated podman outage']);
    expect(failing.logs).toEqual(['wake started']);
    const working = harness();
    expect((await working.waker.wake(alice)).ok).toBe(true);
    expect(working.reports).toEqual(['ok']);
    // A failure of another kind is the wake's own to log.
    const held = harness({ busyUntil: 60_000 });
    await held.waker.wake(alice);
    expect(held.logs).toEqual(['wake started', 'wake failed']);
    expect(held.reports).toEqual([]);
  });

  it('20 concurrent wakes share one flight and one podman start', async () => {
    const h = harness();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => h.waker.wake(alice)));
    expect(outcomes.every((x) => x.ok)).toBe(true);
    expect(h.starts()).toBe(1);
    expect(h.calls).toEqual(['begin alice@0', 'end alice true']);
    expect(h.waker.status('alice').phase).toBe('ready');
  });

  it('waits for a command holding the tenant (an export copying its stopped volume) before starting it', async () => {
    const h = harness({ busyUntil: 10_000 });
    const o = await h.waker.wake(alice);
    expect(o.ok).toBe(true);
    expect(h.starts()).toBe(1);
    expect(h.startedAt()).toBeGreaterThanOrEqual(10_000);
  });

  it('never starts a tenant still held at the deadline: the wake fails, saying who holds it', async () => {
    const h = harness({ busyUntil: 60_000 });
    const o = await h.waker.wake(alice);
    expect(o.ok).toBe(false);
    expect(o.error).toContain('busy: export (pid 42) is working on it');
    expect(h.starts()).toBe(0);
    expect(h.calls).toEqual(['begin alice@0', 'end alice false']);
  });

  it('waits for the app to answer HTTP, not just for the container to run', async () => {
    const h = harness({ readyAfterMs: 3_000 });
    const o = await h.waker.wake(alice);
    expect(o.ok).toBe(true);
    expect(o.durationMs).toBeGreaterThanOrEqual(3_000);
  });

  it('starts the container again when a sweep stopped it under the wake', async () => {
    const h = harness({ stopsAfterStart: 1 });
    expect((await h.waker.wake(alice)).ok).toBe(true);
    expect(h.starts()).toBe(2);
  });

  it('waits for a stop in progress before starting', async () => {
    const h = harness({ stopInProgressUntil: 2_000 });
    const o = await h.waker.wake(alice);
    expect(o.ok).toBe(true);
    expect(o.durationMs).toBeGreaterThanOrEqual(2_000);
    expect(h.starts()).toBe(1);
  });

  it('gives up at the ready timeout, and answers further requests from that failure for a moment', async () => {
    const h = harness({ readyAfterMs: 60_000 });
    const o = await h.waker.wake(alice);
    expect(o).toMatchObject({ ok: false, error: 'did not answer HTTP within 45 s' });
    expect(h.calls.at(-1)).toBe('end alice false');
    expect((await h.waker.wake(alice)).ok).toBe(false);
    expect(h.starts()).toBe(1);
    expect(h.waker.status('alice')).toMatchObject({ phase: 'failed' });
    h.advance(6_000);
    expect(h.waker.status('alice').phase).toBe('idle');
  });

  it('a failing podman start fails the wake with its message', async () => {
    const h = harness({ startFails: 'podman start failed: no such container' });
    expect(await h.waker.wake(alice)).toMatchObject({ ok: false, error: 'podman start failed: no such container' });
  });
  it('an upgrade that takes the tenant while it wakes: held through its switch, the old container never started again under it', async () => {
    // t=0 the wake starts the old container (its app would answer at 3 s); t=500 an upgrade takes
    // the lock and stops it; t=1500 the new one starts, answers at 2 s, and takes the name at 2.5 s.
    let now = 0;
    let starts = 0;
    const upgrading = () => now >= 500 && now < 2_500;
    const waker = new Waker({
      tenants: podmanWakePort({
        startContainer: () => ((starts += 1), Promise.resolve()),
        containerState: () => Promise.resolve(now < 500 || now >= 2_500 ? 'running' : 'exited'),
      }, () => Promise.resolve(now >= 2_000)),
      leases: {
        begin: () => ({ stopStartedAt: null }),
        end: () => undefined,
        stopInProgress: () => false,
        busyWith: () => (upgrading() ? 'upgrade (pid 7)' : undefined),
        switching: () => (upgrading() ? (now < 1_500 ? 'stopping' : 'starting') : undefined),
      },
      readyTimeoutMs: 45_000,
      switchTimeoutMs: 60_000,
      leaseMs: 105_000,
      log: () => undefined,
      now: () => now,
      sleep: (ms) => ((now += ms), Promise.resolve()),
      pollMs: 50,
    });
    expect((await waker.wake(alice)).ok).toBe(true);
    expect(starts).toBe(1);
  });
  it('a start that fails because a command took the tenant just after our check (an upgrade renaming its container) is tried again once that command is done', async () => {
    // Our busy check at t=0 finds nobody; an upgrade takes the lock at once: its remove and rename
    // of the container make our start fail; the lock is free again at 1 s.
    let now = 0;
    let attempts = 0;
    let startedAt: number | undefined;
    let checks = 0;
    const waker = new Waker({
      tenants: podmanWakePort({
        startContainer: () => {
          attempts += 1;
          if (now < 1_000) return Promise.reject(new Error('Error: no such container p-alice'));
          startedAt = now;
          return Promise.resolve();
        },
        containerState: () => Promise.resolve(startedAt === undefined ? 'created' : 'running'),
      }, () => Promise.resolve(startedAt !== undefined && now - startedAt >= 100)),
      leases: {
        begin: () => ({ stopStartedAt: null }),
        end: () => undefined,
        stopInProgress: () => false,
        busyWith: () => (checks++ > 0 && now < 1_000 ? 'upgrade (pid 7)' : undefined),
      },
      readyTimeoutMs: 45_000,
      leaseMs: 105_000,
      log: () => undefined,
      now: () => now,
      sleep: (ms) => ((now += ms), Promise.resolve()),
      pollMs: 50,
    });
    expect(await waker.wake(alice)).toMatchObject({ ok: true });
    expect(attempts).toBe(2);
  });
});
