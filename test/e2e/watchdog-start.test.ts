import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startStack, freePort, type Stack } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// A restarted watchdog answers its first login: it listens once its Redis connection is up (or
// after 2 s without one), not before. Redis sits behind a proxy that holds each connection
// 500 ms before passing it on, as a Redis on a busy or distant host would; before this, the
// watchdog answered /healthz at once and the first logins got 503 "sessions are unavailable".

const HOLD_MS = 500;
let s: Stack;
let redis: TestRedis;
let proxy: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  redis = await startRedis();
  const port = await freePort();
  proxy = createServer((client) => {
    sockets.add(client);
    client.pause();
    setTimeout(() => {
      const upstream = connect({ host: '127.0.0.1', port: redis.port });
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    }, HOLD_MS);
  });
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', r));
  s = await startStack({ ports: 1, env: { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: `redis://127.0.0.1:${port}` } });
});
afterAll(async () => {
  await s?.cleanup();
  for (const k of sockets) k.destroy();
  proxy?.close();
  await redis?.cleanup();
});

describe('a starting watchdog', () => {
  it('answers the first login once it answers at all (no 503 while Redis connects)', async () => {
    const r = await s.run(['add', 'alice', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const password = (JSON.parse(r.stdout) as { password: string }).password;
    await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
    const login = await s.get('alice', '/_feather/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password, next: '/' }).toString(),
    });
    expect(login.status, login.body).toBe(303);
  });
});
