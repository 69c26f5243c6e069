import { expect } from 'vitest';
import { startRedis, type TestRedis } from './redis.js';
import { startStack, type Stack, type Watchdog } from './stack.js';

// A private stack with the login gate on: its own redis-server, the tenants added (their
// passwords kept), and a watchdog that never sweeps by itself within a test (60 idle minutes).

export const SESSION_COOKIE = '__Host-feather_session';

export interface GatedStack {
  s: Stack;
  redis: TestRedis;
  w: Watchdog;
  /** Each tenant's password, as `add` printed it. */
  pw: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function startGatedStack(o: { secret: string; tenants: string[]; env?: Record<string, string>; ports?: number }): Promise<GatedStack> {
  const redis = await startRedis();
  const s = await startStack({
    ports: o.ports ?? o.tenants.length + 1,
    env: { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: redis.url, FEATHER_TENANT_JWT_SECRET: o.secret, ...o.env },
  });
  const pw: Record<string, string> = {};
  for (const name of o.tenants) {
    const r = await s.run(['add', name, '--json']);
    expect(r.exitCode).toBe(0);
    pw[name] = (JSON.parse(r.stdout) as { password: string }).password;
  }
  const w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
  return {
    s, redis, w, pw,
    async cleanup() {
      await s.cleanup();
      await redis.cleanup();
    },
  };
}
