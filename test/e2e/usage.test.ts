import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_IMAGE, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { sleepAll, sweepJson } from '../helpers/wake.js';

// Usage per tenant and day, and "why is it awake" (issue 13), through real podman, Caddy and the
// watchdog: the sweep reads requests from Caddy's access log, bytes from the container's network
// namespace and CPU and memory from its cgroup.

let s: Stack;
beforeAll(async () => {
  s = await startStack({ ports: 3, env: { FEATHER_TENANT_IMAGE: NODE_IMAGE } });
  for (const n of ['alice', 'bob']) expect((await s.run(['add', n])).exitCode).toBe(0);
});
afterAll(async () => {
  await s?.cleanup();
});

interface Day { day: string; activeMs: number; requests: number; bytesIn: number; bytesOut: number; wakes: number; cpuUs: number; peakMemory: number }
interface Usage { since: string; tenants: { name: string; requests: number; activeMinutes: number }[]; total: { requests: number }; days?: Day[] }
const usage = async (...args: string[]) => {
  const r = await s.run(['usage', ...args, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Usage;
};
const today = async (name: string): Promise<Day> => {
  const d = (await usage(name)).days ?? [];
  expect(d).toHaveLength(1);
  return d[0] as Day;
};
const keep = () => sweepJson(s, '60');
const echo = (n: number) => s.get('alice', '/echo', { method: 'POST', body: Buffer.alloc(n, 'x') });

describe('usage', () => {
  it('grows with requests, traffic and CPU time; sorted by active time, with totals', async () => {
    await keep(); // the baseline: counters from here on
    for (let i = 0; i < 5; i++) expect((await s.get('alice', `/headers?token=secret${i}`)).status).toBe(200);
    expect((await echo(1 << 20)).status).toBe(200);
    await keep();
    const first = await today('alice');
    expect(first.requests).toBe(6);
    expect(first.bytesIn).toBeGreaterThan(1 << 20);
    expect(first.bytesOut).toBeGreaterThan(1 << 20);
    expect(first.cpuUs).toBeGreaterThan(0);
    expect(first.peakMemory).toBeGreaterThan(1 << 20);
    expect(first.activeMs).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) expect((await echo(1 << 20)).status).toBe(200);
    await keep();
    const second = await today('alice');
    expect(second.requests).toBe(9);
    expect(second.bytesIn - first.bytesIn).toBeGreaterThan(3 << 20);
    expect(second.bytesOut - first.bytesOut).toBeGreaterThan(3 << 20);
    expect(second.cpuUs).toBeGreaterThan(first.cpuUs);
    expect(second.activeMs).toBeGreaterThan(first.activeMs);

    const all = await usage();
    expect(all.tenants.map((t) => t.name)).toEqual(['alice', 'bob']);
    expect(all.tenants[1]?.requests).toBe(0);
    expect(all.total.requests).toBe(9);
    const table = (await s.run(['usage'])).stdout;
    expect(table).toMatch(/TENANT\s+ACTIVE MIN\s+REQUESTS/);
    expect(table).toMatch(/^alice\s+[\d.]+\s+9\s/m);
    expect(table).toMatch(/^total\s+[\d.]+\s+9\s/m);
    // Bad input: exit 2, and a name nobody had: exit 3.
    expect((await s.run(['usage', '--since', 'yesterday'])).exitCode).toBe(2);
    expect((await s.run(['usage', 'nobody'])).exitCode).toBe(3);
  });

  it('show, list --json and sweep --dry-run name the request that keeps a tenant awake (no query)', async () => {
    expect((await s.get('alice', '/headers?token=secret')).status).toBe(200);
    const dry = await s.run(['sweep', '--dry-run'], { FEATHER_TENANT_IDLE_MINUTES: '60' });
    expect(dry.stdout).toMatch(/^would keep alice: active \(last request GET \/headers from 127\.0\.0\.1 \d+s ago\)$/m);
    expect(dry.stdout).toMatch(/^would keep bob: active \(last start \d+\w ago\)$/m);
    const idle = await s.run(['sweep', '--dry-run'], { FEATHER_TENANT_IDLE_MINUTES: '0.0001' });
    expect(idle.stdout).toMatch(/^would stop alice \(idle \d+s; last request GET \/headers from 127\.0\.0\.1 \d+s ago\)$/m);
    await keep();

    const show = JSON.parse((await s.run(['show', 'alice', '--json'])).stdout) as { lastActivity: Record<string, unknown> };
    expect(show.lastActivity).toMatchObject({ kind: 'request', request: { method: 'GET', path: '/headers', client: '127.0.0.1' } });
    const text = (await s.run(['show', 'alice'])).stdout;
    expect(text).toMatch(/activity:\s+request GET \/headers from 127\.0\.0\.1, \d+s ago/);
    expect(text + dry.stdout + idle.stdout).not.toContain('secret');
    const list = JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string; lastActivity: { kind: string } }[];
    expect(list.map((e) => [e.name, e.lastActivity.kind])).toEqual([['alice', 'request'], ['bob', 'start']]);

    expect((await s.run(['pin', 'bob'])).exitCode).toBe(0);
    const pinned = await s.run(['sweep', '--dry-run'], { FEATHER_TENANT_IDLE_MINUTES: '0.0001' });
    expect(pinned.stdout).toMatch(/^would keep bob: pinned \(last pin \d+s ago\)$/m);
    expect((await s.run(['unpin', 'bob'])).exitCode).toBe(0);
  });

  it('a wake counts in the day and is the last activity; /metrics has today\'s usage per tenant', async () => {
    const w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60', FEATHER_TENANT_SWEEP_INTERVAL: '1' });
    await sleepAll(s, ['alice', 'bob']);
    expect((await today('alice')).wakes).toBe(0);
    expect((await s.get('alice', '/headers')).status).toBe(200);
    await waitFor(async () => (await today('alice')).wakes === 1, 10_000, 'the wake in usage');
    const kind = (JSON.parse((await s.run(['show', 'alice', '--json'])).stdout) as { lastActivity: { kind: string } }).lastActivity.kind;
    // The wake, or the request it replayed once the watchdog's next sweep read it.
    expect(['wake', 'request']).toContain(kind);
    await waitFor(async () => (await w.metric('feather_tenant_usage_wakes{tenant="alice"}')) === 1, 10_000, 'the wake in /metrics');
    expect(await w.metric('feather_tenant_usage_requests{tenant="alice"}')).toBeGreaterThanOrEqual(10);
    expect(await w.metric('feather_tenant_usage_cpu_seconds{tenant="alice"}')).toBeGreaterThan(0);
  });
});
