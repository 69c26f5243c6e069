import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { portOpen } from '../../src/net/port-open.js';
import { probeHttp } from '../../src/net/wait-http.js';
import { Metrics } from '../../src/watchdog/metrics.js';
import { createWakeServer, type WakeServer } from '../../src/wake/server.js';
import { Waker } from '../../src/wake/waker.js';
import { podmanWakePort } from '../../src/wake/podman-port.js';
import { freePort, httpRequest } from '../helpers/net.js';

// Held requests and the clients behind them, over real sockets: a client that leaves is let go
// at once (nothing replayed, the connection to the app closed), and past FEATHER_TENANT_MAX_HELD
// requests get 503 with Retry-After. The app is a local server that "podman start" makes listen
// after START_MS; its /slow answers only when told.

const START_MS = 400;
let app: Server;
let appPort: number;
let wake: WakeServer;
let wakePort: number;
/** Requests the app received, and those whose connection is still open. */
let received: string[];
let openAtApp: Set<IncomingMessage>;
/** /slow's responses, which the test ends. */
let pending: ServerResponse[];
let appSockets: Socket[];
let overCap: string[];
let metrics: Metrics;

async function setup(maxHeld?: number): Promise<void> {
  received = [];
  openAtApp = new Set();
  pending = [];
  appSockets = [];
  overCap = [];
  appPort = await freePort();
  app = createServer((req, res) => {
    if (req.url !== '/') received.push(req.url ?? '');
    openAtApp.add(req);
    res.once('close', () => openAtApp.delete(req));
    if (req.url === '/slow') return void pending.push(res); // never answers by itself: a long poll
    res.end(`app ${req.url}`);
  });
  app.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    received.push(`upgrade ${req.url}`);
    appSockets.push(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('error', () => socket.destroy());
  });
  const waker = new Waker({
    tenants: podmanWakePort({
      startContainer: () => new Promise((r) => setTimeout(() => (app.listening ? r() : app.listen(appPort, '127.0.0.1', () => r())), START_MS)),
      containerState: () => Promise.resolve('running'),
    }, (p) => probeHttp(p, 500)),
    leases: { begin: () => ({ stopStartedAt: null }), end: () => {}, stopInProgress: () => false, busyWith: () => undefined },
    readyTimeoutMs: 5_000,
    leaseMs: 60_000,
    log: () => {},
  });
  metrics = new Metrics();
  wake = createWakeServer({
    domain: 'u.test',
    // bob shares alice's app: a second tenant for the per-tenant share of the cap.
    lookup: (name) => (name === 'alice' || name === 'bob' ? { name, container: `c-${name}`, port: appPort } : undefined),
    waker, metrics, log: () => {}, tenants: podmanWakePort({ startContainer: () => Promise.resolve(), containerState: () => Promise.resolve('running') }, (p) => probeHttp(p, 500), portOpen), health: () => ({ ok: true }),
    maxHeld, overCap: { ok: () => overCap.push('ok'), fail: (reason) => overCap.push(reason) },
  });
  await new Promise<void>((r) => wake.server.listen(0, '127.0.0.1', () => r()));
  wakePort = (wake.server.address() as AddressInfo).port;
}

beforeEach(() => {
  received = [];
});
afterEach(async () => {
  wake.destroyAll();
  await new Promise((r) => wake.server.close(r));
  app.closeAllConnections();
  for (const sock of appSockets) sock.destroy();
  if (app.listening) await new Promise((r) => app.close(r));
});

const routed = { 'x-feather-wake-method': 'GET', 'x-feather-wake-length': '', 'x-feather-wake-error': 'dial tcp: connect: connection refused' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request that the client abandons after `ms` (as Caddy does when its own client gives up). */
function impatient(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: wakePort, path, headers: { host: 'alice.u.test', ...routed }, agent: false });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end();
    setTimeout(() => req.destroy(), ms);
  });
}

async function until(check: () => boolean, what: string, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function rawUpgrade(): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(wakePort, '127.0.0.1');
    let got = '';
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n\r\n')) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', () => resolve(got));
    sock.write('GET /ws HTTP/1.1\r\nHost: alice.u.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Feather-Wake-Method: GET\r\n\r\n');
  });
}

describe('held requests and departed clients', () => {
  it('a held request whose client left during the wake is not replayed to the app', async () => {
    await setup(20);
    await Promise.all(Array.from({ length: 10 }, (_, i) => impatient(`/gone${i}`, 100)));
    await until(() => wake.held() === 0, 'their slots back');
    expect(app.listening).toBe(false);
    await until(() => app.listening, 'the app to start');
    // One more, patient, request after the wake: it alone reaches the app.
    expect((await httpRequest(wakePort, 'alice.u.test', '/late', { headers: routed })).body).toBe('app /late');
    await sleep(50);
    expect(received).toEqual(['/late']);
    expect(wake.held()).toBe(0);
    expect(metrics.requests.get('abandoned')).toBe(10);
  });

  it('a relayed request whose client leaves before the app answers is cut at the app at once', async () => {
    await setup();
    const left = Promise.all(Array.from({ length: 5 }, () => impatient('/slow', START_MS + 300)));
    await until(() => openAtApp.size === 5, '5 requests open at the app');
    await left;
    // No timeout of ours: only the clients' leaving can have closed these.
    await until(() => openAtApp.size === 0, 'the app to see its connections close');
    expect(wake.held()).toBe(0);
  });

  it('a long answer is not cut while its client stays', async () => {
    await setup();
    const answered = httpRequest(wakePort, 'alice.u.test', '/slow', { headers: routed });
    await until(() => openAtApp.size === 1, 'the request at the app');
    await sleep(1_000);
    expect(openAtApp.size).toBe(1);
    pending[0]?.end('late');
    expect((await answered).body).toBe('late');
  });

  it('an upgrade whose client leaves during the wake is never spliced to the app', async () => {
    await setup();
    const sock = connect(wakePort, '127.0.0.1');
    sock.on('error', () => {});
    sock.write('GET /ws HTTP/1.1\r\nHost: alice.u.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Feather-Wake-Method: GET\r\n\r\n');
    await until(() => wake.held() === 1, 'the upgrade held');
    sock.destroy();
    // Its slot is free at once, long before the wake is over.
    await until(() => wake.held() === 0, 'the slot back');
    expect(app.listening).toBe(false);
    await until(() => app.listening, 'the app to start');
    await sleep(100);
    expect(received).toEqual([]);
    expect(wake.held()).toBe(0);
  });

  it('beyond FEATHER_TENANT_MAX_HELD a request gets 503 with Retry-After, an upgrade too; the held ones are answered', async () => {
    await setup(6);
    const first = Array.from({ length: 3 }, (_, i) => httpRequest(wakePort, 'alice.u.test', `/r${i}`, { headers: routed }));
    await until(() => wake.held() === 3, '3 held');
    // alice holds her share (half of 6): more of hers are refused, an upgrade too ...
    const more = await Promise.all(Array.from({ length: 5 }, (_, i) => httpRequest(wakePort, 'alice.u.test', `/more${i}`, { headers: routed })));
    for (const r of more) {
      expect(r.status).toBe(503);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    const upgrade = await rawUpgrade();
    expect(upgrade).toMatch(/^HTTP\/1.1 503 /);
    expect(upgrade).toMatch(/Retry-After: [1-9]/);
    // ... while another tenant's requests are still held, up to the cap itself.
    const bobs = Array.from({ length: 3 }, (_, i) => httpRequest(wakePort, 'bob.u.test', `/b${i}`, { headers: routed }));
    await until(() => wake.held() === 6, '6 held');
    expect((await httpRequest(wakePort, 'bob.u.test', '/b-over', { headers: routed })).status).toBe(503);
    expect((await Promise.all(first)).map((r) => r.body)).toEqual(['app /r0', 'app /r1', 'app /r2']);
    expect((await Promise.all(bobs)).map((r) => r.body)).toEqual(['app /b0', 'app /b1', 'app /b2']);
    expect(received.sort()).toEqual(['/b0', '/b1', '/b2', '/r0', '/r1', '/r2']);
    expect(overCap.filter((x) => x !== 'ok')).toEqual([...Array.from({ length: 6 }, () => 'alice holds its share, 3 of 6'), '6 requests held at once']);
    // The slots come back: the server keeps serving, and the outage is over.
    expect((await httpRequest(wakePort, 'alice.u.test', '/after', { headers: routed })).status).toBe(200);
    expect(overCap.at(-1)).toBe('ok');
    expect(wake.held()).toBe(0);
    const m = (await httpRequest(wakePort, '127.0.0.1', '/metrics')).body;
    expect(m).toContain('feather_tenant_held_requests 0');
    expect(m).toContain('feather_tenant_max_held_requests 6');
    expect(m).toContain('feather_tenant_wake_requests_total{kind="over_capacity"} 7');
  });

  it('/metrics shows the requests held right now', async () => {
    await setup(10);
    const slow = Array.from({ length: 4 }, () => impatient('/slow', START_MS + 500));
    await until(() => wake.held() === 4, '4 held');
    expect((await httpRequest(wakePort, '127.0.0.1', '/metrics')).body).toContain('feather_tenant_held_requests 4');
    await Promise.all(slow);
    await until(() => wake.held() === 0, 'none held');
  });
});
