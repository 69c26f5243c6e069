import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_IMAGE, startStack, waitFor, type Stack, type Watchdog } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// A Redis outage under a burst of gated requests, through the real Caddy and watchdog: the gate
// fails closed (503) only while Redis is down, comes back by itself, and the watchdog's log
// says so in a few lines, not one line per refused request (15,689 lines in 3.7 s before).

let s: Stack;
let redis: TestRedis;
let w: Watchdog;
let cookie = '';

beforeAll(async () => {
  // Sessions outlive the restart (an append-only file), as with the birth's Redis.
  redis = await startRedis({ persist: true });
  s = await startStack({
    ports: 1,
    env: {
      FEATHER_TENANT_IMAGE: NODE_IMAGE, FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: redis.url,
      FEATHER_TENANT_JWT_SECRET: 'outage-test-secret-'.padEnd(48, 'x'),
    },
  });
  const added = await s.run(['add', 'alice', '--json']);
  expect(added.exitCode).toBe(0);
  const { password } = JSON.parse(added.stdout) as { password: string };
  w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
  const login = await s.get('alice', '/_feather/login', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password }).toString(),
  });
  expect(login.status).toBe(303);
  cookie = String(login.headers['set-cookie']).split(';')[0] as string;
});
afterAll(async () => {
  await s?.cleanup();
  await redis?.cleanup();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a Redis outage under load', () => {
  it('refuses with 503 only while Redis is down, recovers by itself, and logs a bounded number of lines', async () => {
    expect((await s.get('alice', '/', { headers: { cookie } })).status).toBe(200);
    const linesBefore = w.logs().length;
    // 8 clients sending gated requests back to back, for the whole episode.
    let running = true;
    const seen: { at: number; status: number }[] = [];
    const clients = Array.from({ length: 8 }, async () => {
      while (running) {
        const r = await s.get('alice', '/', { headers: { cookie } }).catch(() => ({ status: 0 }));
        seen.push({ at: Date.now(), status: r.status });
      }
    });
    await wait(500);
    const downAt = Date.now();
    await redis.stop();
    await wait(5_000);
    const upAt = Date.now();
    await redis.start();
    await waitFor(() => Promise.resolve(seen.at(-1)?.status === 200), 15_000, 'gated requests to pass again');
    const backAt = Date.now();
    await wait(500);
    running = false;
    await Promise.all(clients);

    const refused = seen.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(100);
    // 503 only while Redis was down (or reconnecting right after); everything else passed.
    expect(seen.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    for (const r of refused) {
      expect(r.at).toBeGreaterThanOrEqual(downAt);
      expect(r.at).toBeLessThanOrEqual(backAt);
    }
    expect(seen.filter((r) => r.at < downAt || r.at > backAt).every((r) => r.status === 200)).toBe(true);
    // Recovered by itself within seconds of Redis answering.
    expect(backAt - upAt).toBeLessThan(10_000);

    const lines = w.logs().slice(linesBefore);
    expect(lines.length, JSON.stringify(lines)).toBeLessThan(10);
    const down = lines.find((l) => l.msg === 'Redis unreachable: the login gate refuses every session until it is back');
    expect(down?.reason).toMatch(/^Redis at 127\.0\.0\.1:\d+ is unreachable \(/);
    expect(JSON.stringify(lines)).not.toContain('max retries');
    const up = lines.find((l) => l.msg === 'Redis reachable again');
    expect(up?.refusedTotal).toBe(refused.length);
    expect(Number(up?.downForS)).toBeGreaterThan(4);
  });
});
