import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdminServer } from '../../src/admin-api/server.js';
import { AttemptLimiter } from '../../src/admin-api/limiter.js';
import { ROUTES } from '../../src/admin-api/routes.js';
import { sweep } from '../../src/commands/sweep.js';
import { tenantLabels } from '../../src/core/tenant.js';
import type { WakeTarget } from '../../src/wake/waker.js';
import { Metrics } from '../../src/watchdog/metrics.js';
import { httpRequest, type HttpInit } from '../helpers/net.js';
import { adminRequest } from '../helpers/admin-api.js';
import { fakeContext, type FakeContext } from '../fakes/context.js';

// The admin API's server over fake podman and Caddy with real SQLite: the CLI's commands behind
// it, its refusals, and that a refused request changes nothing. The real stack: test/e2e/admin-api.test.ts.

const TOKEN = 'a'.repeat(43);
let ctx: FakeContext;
let server: Server;
let port: number;
let metrics: Metrics;
const woken: string[] = [];

afterEach(async () => {
  await new Promise((r) => server.close(r));
  ctx.close();
  woken.length = 0;
});

async function start(up: (port: number) => boolean = () => true): Promise<void> {
  ctx = fakeContext({ FEATHER_TENANT_LOGIN_RATE: '5', FEATHER_TENANT_ACCESS_LOG: '/nonexistent/access.log', FEATHER_TENANT_IDLE_MINUTES: '1' });
  metrics = new Metrics();
  server = createAdminServer({
    ctx,
    warm: {
      wake: (t: WakeTarget) => {
        woken.push(t.name);
        ctx.podman.containers.get(t.container)!.state = 'running';
        return Promise.resolve({ ok: true, durationMs: 1234 });
      },
      inFlight: () => false,
      probe: (p) => Promise.resolve(up(p)),
    },
    token: { matches: (t) => t === TOKEN },
    limiter: new AttemptLimiter(ctx.config.loginRate),
    metrics,
    log: () => {},
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
  port = (server.address() as AddressInfo).port;
}

function tenant(name: string, state: string, o: { desired?: 'running' | 'stopped' } = {}): void {
  const store = ctx.store();
  store.reserve({ name, image: ctx.config.image, volume: `fake-${name}`, range: ctx.config.ports, alsoUsed: new Set(), now: ctx.now() });
  store.activate(name, `id-of-${name}`, 'scrypt$hash', ctx.now());
  if (o.desired) store.setDesired(name, o.desired, ctx.now());
  ctx.podman.containers.set(`fake-${name}`, { id: `id-of-${name}`, name: `fake-${name}`, state, image: ctx.config.image, labels: tenantLabels(ctx.config, name), hostPorts: [] });
}

async function api(method: string, path: string, init: HttpInit & { token?: string | null } = {}) {
  const r = await adminRequest(port, TOKEN, method, path, init);
  return { ...r, json: r.json as Record<string, unknown> };
}

describe('admin API server', () => {
  it('serves the CLI commands: list, show, stop, start; errors in the CLI vocabulary', async () => {
    await start();
    tenant('alice', 'running');
    const list = await api('GET', '/api/tenants');
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toMatch(/^application\/json/);
    expect(list.json).toMatchObject([{ name: 'alice', state: 'running', pinned: false }]);
    expect((await api('GET', '/api/tenants/alice')).json).toMatchObject({ name: 'alice', state: 'running', desired: 'running' });
    expect(await api('GET', '/api/tenants/bob')).toMatchObject({ status: 404, json: { error: 'no tenant named bob', hint: expect.any(String) as unknown } });
    expect((await api('POST', '/api/tenants/alice/start')).json).toMatchObject({ action: 'none', state: 'running', message: 'alice is already running' });
    expect((await api('POST', '/api/tenants/alice/stop')).json).toMatchObject({ action: 'stopped', state: 'stopped' });
    expect(ctx.store().get('alice')?.desired).toBe('stopped');
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('exited');
    expect(metrics.render(0)).toMatch(/feather_tenant_admin_requests_total\{class="2xx"\} 4\n.*\{class="4xx"\} 1\n/s);
  });

  it('bad names, unknown paths, wrong methods, query parameters and bodies are refused, and change nothing', async () => {
    await start();
    tenant('alice', 'running');
    const before = ctx.podman.calls.length;
    for (const [method, path, status] of [
      ['POST', '/api/tenants/Alice/stop', 400], ['POST', '/api/tenants/%61lice/stop', 400], ['POST', '/api/tenants/..%2Falice/stop', 400],
      ['POST', '/api/tenants/alice/stop/', 404], ['POST', '//api/tenants/alice/stop', 404], ['POST', '/api/tenants/alice/../alice/stop', 404],
      ['DELETE', '/api/tenants/alice', 405], ['GET', '/api/tenants/alice/stop', 405], ['POST', '/api/tenants/alice/stop?force=1', 400],
      ['GET', '/api/tenants/alice/logs?tail=ten', 400], ['GET', '/api/tenants/alice/logs?tail=10001', 400], ['GET', '/api/tenants/alice/logs?since=yesterday', 400],
    ] as const) {
      const r = await api(method, path);
      expect(r.status, `${method} ${path}`).toBe(status);
      expect(r.json.error, `${method} ${path}`).toEqual(expect.any(String));
    }
    expect((await api('GET', '/api/tenants/alice/stop')).headers.allow).toBe('POST');
    const body = await api('POST', '/api/tenants/alice/stop', { body: '{"force":true}', headers: { 'content-type': 'application/json' } });
    expect(body).toMatchObject({ status: 400, json: { error: expect.stringContaining('no request body') as unknown } });
    expect(body.headers.connection).toBe('close');
    expect(ctx.podman.calls.slice(before).filter((c) => !/^(containerExists|listContainersNamed|inspectContainer)/.test(c))).toEqual([]);
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('running');
    expect(ctx.store().get('alice')?.desired).toBe('running');
  });

  it('a wrong or missing token is 401; a burst is limited like logins (counted first), and then even the right token waits', async () => {
    await start();
    tenant('alice', 'running');
    expect(await api('POST', '/api/tenants/alice/stop', { token: null })).toMatchObject({ status: 401, headers: { 'www-authenticate': expect.stringMatching(/^Bearer/) as unknown } });
    expect((await api('POST', '/api/tenants/alice/stop', { headers: { authorization: `Basic ${TOKEN}` }, token: null })).status).toBe(401);
    expect((await api('GET', '/api/tenants', { headers: { authorization: `bearer ${TOKEN}` }, token: null })).status).toBe(200); // the scheme in any case
    const burst = await Promise.all(Array.from({ length: 30 }, () => api('POST', '/api/tenants/alice/stop', { token: 'wrong' })));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(3); // 5 a minute, 2 spent above
    expect(statuses.filter((s) => s === 429)).toHaveLength(27);
    expect(burst.find((r) => r.status === 429)?.headers['retry-after']).toMatch(/^\d+$/);
    expect((await api('GET', '/api/tenants')).status).toBe(429);
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('running');
  });

  it('refuses what a web page sends before the token is counted, and a token in the URL', async () => {
    await start();
    tenant('alice', 'running');
    for (let i = 0; i < 20; i++) {
      expect((await api('POST', '/api/tenants/alice/stop', { token: null, headers: { origin: 'http://alice.users.example' } })).status).toBe(403);
      expect((await api('POST', '/api/tenants/alice/stop', { token: 'wrong', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    }
    expect((await api('POST', '/api/tenants/alice/stop', { headers: { origin: 'http://127.0.0.1' } })).status).toBe(403); // even with the token
    expect((await api('GET', `/api/tenants?access_token=${TOKEN}`, { token: null })).status).toBe(400);
    expect((await httpRequest(port, 'rebound.example:9097', '/api/tenants', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(400);
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('running');
    expect((await api('GET', '/api/tenants')).status).toBe(200); // none of that counted as a wrong token
  });

  it('warmup wakes a sleeping tenant through the waker, leaves a running one, and never starts one an operator stopped', async () => {
    let up = false;
    await start(() => up);
    tenant('alice', 'exited');
    tenant('bob', 'exited', { desired: 'stopped' });
    expect((await api('POST', '/api/tenants/alice/warmup')).json).toEqual({ name: 'alice', action: 'woken', state: 'running', ms: 1234, message: 'woke alice in 1.2 s' });
    expect(woken).toEqual(['alice']);
    expect(ctx.store().get('alice')?.lastActiveAt).not.toBeNull(); // a sweep leaves it up for the user about to arrive
    up = true;
    expect((await api('POST', '/api/tenants/alice/warmup')).json).toMatchObject({ action: 'none' });
    expect(await api('POST', '/api/tenants/bob/warmup')).toMatchObject({ status: 409, json: { hint: expect.stringContaining('start') as unknown } });
    expect(woken).toEqual(['alice']);
  });

  it('logs: the last lines of both streams as data', async () => {
    await start();
    tenant('alice', 'running');
    ctx.podman.logs.set('fake-alice', [1, 2, 3].map((i) => ({ time: `2026-01-01T00:00:0${i}Z`, stream: 'stdout' as const, text: `line ${i}` })));
    expect((await api('GET', '/api/tenants/alice/logs?tail=2')).json).toEqual({ name: 'alice', lines: [
      { time: '2026-01-01T00:00:02Z', stream: 'stdout', text: 'line 2' }, { time: '2026-01-01T00:00:03Z', stream: 'stdout', text: 'line 3' },
    ] });
    expect((await api('GET', '/api/tenants/nobody/logs')).status).toBe(404);
  });
});

describe('the watchdog and its own admin API', () => {
  it("a sweep in the watchdog's process keeps away from a tenant an admin command of that process holds", async () => {
    await start();
    tenant('alice', 'running');
    ctx.db.prepare('UPDATE tenants SET last_active_at = 1').run();
    ctx.advance(10 * 60_000);
    expect(ctx.locks().tryAcquire('alice', 'restart', ctx.now())).toBeUndefined();
    const r = await sweep(ctx, { dryRun: false });
    expect(r.kept.map((k) => [k.name, k.reason])).toEqual([['alice', 'busy']]);
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('running');
  });
});

describe('the route table', () => {
  it('every path is under /api/ and each method and path once', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(ROUTES.every((r) => r.path.startsWith('/api/'))).toBe(true);
  });
});
