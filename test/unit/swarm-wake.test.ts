// The swarm backend's wake port (src/wake/swarm-port.ts), the wake route's proof in its swarm form
// (src/wake/tenant-dial.ts), the watchdog's unix socket (src/net/listen.ts) and their settings,
// with a stand-in for Caddy's direct server on a unix socket and the fake swarm. The real Caddy,
// cluster and watchdog: test/swarm/swarm-wake.test.ts.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { requireSwarmWake } from '../../src/core/swarm-wake.js';
import { desiredDirectServer } from '../../src/caddy/direct-config.js';
import { desiredWakeRoute } from '../../src/caddy/wake-config.js';
import { listen } from '../../src/net/listen.js';
import { swarmWakePort } from '../../src/wake/swarm-port.js';
import { Waker } from '../../src/wake/waker.js';
import { watchdogOutages } from '../../src/watchdog/outages.js';
import { proxyHttp, proxyUpgrade } from '../../src/wake/proxy.js';
import { failedAtServiceDial, failedAtTenantDial } from '../../src/wake/tenant-dial.js';
import { FakeSwarm } from '../fakes/swarm.js';

const routed = (error: string) => ({ headers: { 'x-feather-wake-error': error, 'x-feather-wake-method': 'GET' } }) as unknown as IncomingMessage;

describe("the wake route's proof on swarm: Caddy's dial to this tenant's service failed", () => {
  // Recorded from Caddy 2.6.2 in the harness (service ftx-alice scaled to 0, then starting).
  const recorded = [
    'dial tcp: lookup ftx-alice on 127.0.0.11:53: no such host',
    'dial tcp: lookup ftx-alice: i/o timeout',
    'dial tcp 10.0.1.10:8080: connect: connection refused',
  ];
  it.each(recorded)('%s', (error) => {
    expect(failedAtServiceDial(routed(error), 'ftx-alice', 8080)).toBe(true);
  });
  it("never another tenant's lookup, verify's own unix dial, another port, or a request that did not come through the wake route", () => {
    expect(failedAtServiceDial(routed('dial tcp: lookup ftx-alice2 on 127.0.0.11:53: no such host'), 'ftx-alice', 8080)).toBe(false);
    expect(failedAtServiceDial(routed('dial tcp: lookup ftx-bob: i/o timeout'), 'ftx-alice', 8080)).toBe(false);
    expect(failedAtServiceDial(routed('dial unix /srv/feather/watchdog.sock: connect: no such file or directory'), 'ftx-alice', 8080)).toBe(false);
    expect(failedAtServiceDial(routed('dial unix /srv/feather/watchdog.sock: connect: connection refused'), 'ftx-alice', 8080)).toBe(false);
    expect(failedAtServiceDial(routed('dial tcp 10.0.1.10:9098: connect: connection refused'), 'ftx-alice', 8080)).toBe(false);
    expect(failedAtServiceDial({ headers: { 'x-feather-wake-error': recorded[0] } } as unknown as IncomingMessage, 'ftx-alice', 8080)).toBe(false);
    // a name with a regex character in it is taken literally
    expect(failedAtServiceDial(routed('dial tcp: lookup ftxaalice: i/o timeout'), 'ftx.alice', 8080)).toBe(false);
    // podman's form is unchanged, and does not take swarm's
    expect(failedAtTenantDial(routed('dial tcp 127.0.0.1:9001: connect: connection refused'), 9001)).toBe(true);
    expect(failedAtTenantDial(routed(recorded[0] as string), 9001)).toBe(false);
  });
});

describe('the swarm wake port, against a stand-in for Caddy\'s direct server', () => {
  let dir: string;
  let direct: Server;
  let seen: IncomingMessage[];
  let up: boolean;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftu-direct-'));
    seen = [];
    up = false;
    direct = createServer((req, res) => {
      seen.push(req);
      // Caddy's own 502 when the name does not resolve; the app's answers carry the mark.
      if (!up) return void res.writeHead(502).end();
      res.writeHead(500, { 'x-feather-direct': '1' }).end(JSON.stringify(req.headers));
    });
    direct.on('upgrade', (req, socket) => {
      seen.push(req);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    await new Promise<void>((r) => direct.listen(join(dir, 'direct.sock'), () => r()));
  });
  afterEach(async () => {
    await new Promise<void>((r) => direct.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  const target = { name: 'alice', container: 'ftx-alice', port: 9001 };

  it('start scales the service to 1; state is the service state; probe is true only for the app (any status), never Caddy\'s 502', async () => {
    const swarm = new FakeSwarm();
    swarm.services.set('ftx-alice', { spec: { name: 'ftx-alice' } as never, replicas: 0 });
    const port = swarmWakePort(swarm, { direct: `unix:${join(dir, 'direct.sock')}`, containerPort: 8080 });
    expect(await port.state(target)).toBe('stopped');
    expect(await port.probe(target)).toBe(false);
    await port.start(target);
    expect(swarm.calls).toEqual(['scale ftx-alice=1']);
    expect(await port.state(target)).toBe('running');
    up = true;
    expect(await port.probe(target)).toBe(true);
    expect(await port.open(target)).toBe(true);
    expect(seen.every((r) => r.headers['x-feather-tenant'] === 'alice')).toBe(true);
  });

  it("a relayed request and upgrade name the tenant by our header, never the client's, and carry Caddy's forwarded headers", async () => {
    up = true;
    const port = swarmWakePort(new FakeSwarm(), { direct: `unix:${join(dir, 'direct.sock')}`, containerPort: 8080 });
    // The wake server's side: a request as Caddy's wake route sent it, with a client's X-Feather-Tenant.
    const wake = createServer((req, res) => void proxyHttp(req, res, port.relay(target, req), 'GET', false));
    wake.on('upgrade', (req, socket, head) => void proxyUpgrade(req, socket as Socket, head, port.relay(target, req), 'GET'));
    const sock = join(dir, 'wake.sock');
    await new Promise<void>((r) => wake.listen(sock, () => r()));
    const headers = { host: 'alice.u.test', 'x-feather-tenant': 'bob', 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-feather-forwarded-for': '6.6.6.6' };
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      request({ socketPath: sock, path: '/x', headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject).end();
    });
    expect(answer.status).toBe(500); // the app's own status, passed on
    expect(JSON.parse(answer.body)).toMatchObject({ host: 'alice.u.test', 'x-feather-tenant': 'alice', 'x-feather-forwarded-for': '203.0.113.7', 'x-feather-forwarded-proto': 'https' });
    const upgraded = await new Promise<string>((resolve) => {
      const c = connect(sock, () => c.write('GET /ws HTTP/1.1\r\nHost: alice.u.test\r\nX-Feather-Tenant: bob\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
      c.once('data', (d: Buffer) => {
        resolve(d.toString());
        c.destroy();
      });
    });
    expect(upgraded).toContain('101');
    const ws = seen.at(-1) as IncomingMessage;
    expect(ws.headers['x-feather-tenant']).toBe('alice');
    expect(ws.headers.upgrade).toBe('websocket');
    await new Promise<void>((r) => wake.close(() => r()));
  });
});

describe("the watchdog's unix socket", () => {
  let dir: string;
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'ftu-sock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is made 0600; a dead watchdog's socket file is taken over, a live one's never", async () => {
    const path = join(dir, 'watchdog.sock');
    const old = createServer();
    await new Promise<void>((r) => old.listen(path, () => r()));
    const live = createServer();
    const err = await listen(live, `unix:${path}`, 'the wake server', 'hint').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FeatherError);
    expect(String(err)).toContain('EADDRINUSE');
    await new Promise<void>((r) => old.close(() => r()));
    // a killed watchdog leaves its socket file behind
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(path).isSocket()).toBe(true);
    const next = createServer();
    await listen(next, `unix:${path}`, 'the wake server', 'hint');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await new Promise<void>((r) => next.close(() => r()));
  });

  it('is refused in a directory others may write to (another user could plant a live socket there first): nothing made', async () => {
    for (const mode of [0o1777, 0o775, 0o757]) {
      chmodSync(dir, mode);
      const path = join(dir, 'watchdog.sock');
      const err = await listen(createServer(), `unix:${path}`, 'the wake server', 'hint').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FeatherError);
      expect(String(err)).toContain(`its directory ${dir} is writable by others`);
      expect(existsSync(path)).toBe(false);
    }
    chmodSync(dir, 0o755);
    const ok = createServer();
    await listen(ok, `unix:${join(dir, 'watchdog.sock')}`, 'the wake server', 'hint');
    await new Promise<void>((r) => ok.close(() => r()));
  });
});

describe('settings', () => {
  const exitOf = (f: () => unknown) => {
    try {
      f();
      return 0;
    } catch (e) {
      return e instanceof FeatherError ? e.exitCode : -1;
    }
  };
  it('the wake server takes unix:/path or HOST:PORT; the direct server and nothing else takes only a unix socket; the admin API no socket', () => {
    expect(resolveConfig({ FEATHER_TENANT_WAKE_LISTEN: 'unix:/run/ft/watchdog.sock' }).wakeListen).toBe('unix:/run/ft/watchdog.sock');
    expect(resolveConfig({ FEATHER_TENANT_SWARM_DIRECT: 'unix:/run/ft/direct.sock' }).swarmDirect).toBe('unix:/run/ft/direct.sock');
    for (const bad of ['unix:relative.sock', 'unix:', '127.0.0.1:8081', '/run/x.sock']) {
      expect(exitOf(() => resolveConfig({ FEATHER_TENANT_SWARM_DIRECT: bad }))).toBe(EXIT.usage);
    }
    expect(exitOf(() => resolveConfig({ FEATHER_TENANT_WAKE_LISTEN: 'unix:x' }))).toBe(EXIT.usage);
    expect(exitOf(() => resolveConfig({ FEATHER_TENANT_ADMIN_LISTEN: 'unix:/run/ft/admin.sock' }))).toBe(EXIT.usage);
  });
  it('on swarm the watchdog needs both sockets, the gate the wake socket', () => {
    const c = resolveConfig({ FEATHER_TENANT_WAKE_LISTEN: 'unix:/run/ft/w.sock' });
    expect(exitOf(() => requireSwarmWake(c, 'the watchdog', { direct: true }))).toBe(EXIT.usage);
    expect(exitOf(() => requireSwarmWake(c, 'the gate', { direct: false }))).toBe(0);
    expect(exitOf(() => requireSwarmWake(resolveConfig({}), 'the gate', { direct: false }))).toBe(EXIT.usage);
  });
  it("Caddy dials a unix socket as unix//path; podman's wake route is unchanged", () => {
    const swarm = resolveConfig({ FEATHER_TENANT_WAKE_LISTEN: 'unix:/run/ft/w.sock', FEATHER_TENANT_SWARM_DIRECT: 'unix:/run/ft/d.sock' });
    expect(JSON.stringify(desiredWakeRoute(swarm))).toContain('"dial":"unix//run/ft/w.sock"');
    expect(JSON.stringify(desiredWakeRoute(resolveConfig({})))).toContain('"dial":"127.0.0.1:9098"');
    const d = desiredDirectServer({ prefix: 'ftx-', containerPort: 8080, swarmDirect: swarm.swarmDirect as string });
    expect(d.listen).toEqual(['unix//run/ft/d.sock']);
    expect(JSON.stringify(d)).toContain('"dial":"ftx-{http.request.header.X-Feather-Tenant}:8080"');
  });
});

describe('log lines name the engine that starts tenants', () => {
  it('docker on swarm, podman otherwise', async () => {
    const lines: string[] = [];
    const log = (_level: string, msg: string) => void lines.push(msg);
    watchdogOutages(log, () => 0, 'docker').starts.fail('x');
    watchdogOutages(log, () => 0).starts.fail('x');
    expect(lines).toEqual(['docker cannot start tenants: wakes fail until it works again', 'podman cannot start tenants: wakes fail until it works again']);
    const swarm = new FakeSwarm();
    swarm.failOn.add('scale');
    const reports: string[] = [];
    const waker = new Waker({
      tenants: swarmWakePort(swarm, { direct: 'unix:/nonexistent/direct.sock', containerPort: 8080 }),
      leases: { begin: () => ({ stopStartedAt: null }), end: () => undefined, stopInProgress: () => false, busyWith: () => undefined },
      readyTimeoutMs: 1_000, leaseMs: 60_000, log: () => undefined,
      starts: { ok: () => undefined, fail: (r) => void reports.push(r) },
    });
    expect((await waker.wake({ name: 'alice', container: 'ftx-alice', port: 9001 })).ok).toBe(false);
    expect(reports).toEqual(['docker could not start ftx-alice: docker scale failed: injected failure']);
  });
});
