import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { portOpen } from '../../src/net/port-open.js';
import { probeHttp } from '../../src/net/wait-http.js';
import { Metrics } from '../../src/watchdog/metrics.js';
import { createWakeServer, type WakeServer } from '../../src/wake/server.js';
import type { Gate } from '../../src/auth/gate.js';
import { gateRoute } from '../../src/auth/gate-path.js';
import { send } from '../../src/net/send.js';
import { Waker } from '../../src/wake/waker.js';
import { podmanWakePort } from '../../src/wake/podman-port.js';
import { freePort, httpRequest, waitFor } from '../helpers/net.js';

// The wake server over real sockets, with a local HTTP server standing in for the tenant's app:
// "podman start" makes it listen. No podman, no Caddy; the e2e tests cover those.

let app: Server;
let appPort: number;
let wake: WakeServer;
let wakePort: number;
let starts: number;
let upgrades: string[];
let waker: Waker;

beforeEach(async () => {
  starts = 0;
  upgrades = [];
  appPort = await freePort();
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => res.end(req.url === '/cookie' ? `cookie=${req.headers.cookie ?? '(none)'}` : `app ${req.method} ${req.url} ${body}`));
  });
  app.on('upgrade', (req, socket) => {
    upgrades.push(req.url ?? '');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\ncookie=${req.headers.cookie ?? '(none)'}\n`);
    socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
    socket.on('end', () => socket.end()); // http servers' sockets are half-open: close our side too
  });
  waker = new Waker({
    tenants: podmanWakePort({
      startContainer: () => {
        starts += 1;
        return new Promise((r) => (app.listening ? r() : app.listen(appPort, '127.0.0.1', () => r())));
      },
      containerState: () => Promise.resolve(app.listening ? 'running' : 'exited'),
    }, (p) => probeHttp(p, 500)),
    leases: { begin: () => ({ stopStartedAt: null }), end: () => {}, stopInProgress: () => false, busyWith: () => undefined },
    readyTimeoutMs: 5_000,
    leaseMs: 60_000,
    log: () => {},
  });
  wake = createWakeServer({
    domain: 'u.test',
    adminHost: 'admin.u.test',
    lookup: (name) => (name === 'alice' ? { name, container: 'c-alice', port: appPort } : undefined),
    waker, metrics: new Metrics(), log: () => {}, tenants: podmanWakePort({ startContainer: () => Promise.resolve(), containerState: () => Promise.resolve('running') }, (p) => probeHttp(p, 500), portOpen), health: () => ({ ok: true }),
  });
  await new Promise<void>((r) => wake.server.listen(0, '127.0.0.1', () => r()));
  wakePort = (wake.server.address() as AddressInfo).port;
});
afterEach(async () => {
  wake.destroyAll();
  await new Promise((r) => wake.server.close(r));
  app.closeAllConnections();
  if (app.listening) await new Promise((r) => app.close(r));
});

const routed = (method: string, length = '') => ({
  'x-feather-wake-method': method, 'x-feather-wake-length': length, 'x-feather-wake-error': 'dial tcp: connect: connection refused',
});

describe('wake server', () => {
  it('holds a routed GET until the app answers, then returns the app’s response', async () => {
    const r = await httpRequest(wakePort, 'alice.u.test', '/x?y=1', { headers: routed('GET') });
    expect(r).toMatchObject({ status: 200, body: 'app GET /x?y=1 ' });
    expect(starts).toBe(1);
  });

  it('replays a bodiless DELETE with its method; answers a POST whose body was dropped with a 307', async () => {
    expect((await httpRequest(wakePort, 'alice.u.test', '/d', { headers: routed('DELETE') })).body).toBe('app DELETE /d ');
    const post = await httpRequest(wakePort, 'alice.u.test', '/p?q', { headers: routed('POST', '5') });
    expect(post.status).toBe(307);
    expect(post.headers.location).toBe('/p?q');
    // A request straight to the wake server (not through the route) still has its body: it is proxied.
    expect((await httpRequest(wakePort, 'alice.u.test', '/p', { method: 'POST', body: 'hello' })).body).toBe('app POST /p hello');
    expect(starts).toBe(1);
  });

  it('splices a WebSocket-style upgrade to the app once it is up', async () => {
    const sock = connect(wakePort, '127.0.0.1');
    const got: string[] = [];
    sock.on('data', (d: Buffer) => got.push(d.toString()));
    sock.write('GET /ws HTTP/1.1\r\nHost: alice.u.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Feather-Wake-Method: GET\r\n\r\n');
    await waitFor(() => Promise.resolve(got.join('').includes('101 Switching Protocols')), 10_000, 'the 101 of the spliced upgrade');
    sock.write('ping');
    await waitFor(() => Promise.resolve(got.join('').includes('echo:ping')), 10_000, 'the app to echo ping through the splice');
    expect(wake.upgraded()).toBe(1);
    sock.destroy();
    await waitFor(() => Promise.resolve(wake.upgraded() === 0), 10_000, 'the wake server to forget the closed upgrade');
    expect(starts).toBe(1);
  });

  it('unknown tenants get a plain 404 and start nothing; /healthz and /metrics answer on other hosts', async () => {
    const r = await httpRequest(wakePort, 'bob.u.test', '/', { headers: routed('GET') });
    expect(r).toMatchObject({ status: 404, body: 'no such tenant\n' });
    expect(starts).toBe(0);
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/healthz')).status).toBe(200);
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/metrics')).body).toContain('feather_tenant_wake_requests_total{kind="unknown"} 1');
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/other')).status).toBe(404);
  });

  it('answers Caddy\'s on-demand TLS ask: a certificate only for a known tenant\'s name, starting nothing', async () => {
    const ask = (domain: string) => httpRequest(wakePort, `127.0.0.1:${wakePort}`, `/ask?domain=${encodeURIComponent(domain)}`);
    expect((await ask('alice.u.test')).status).toBe(200);
    expect((await ask('ALICE.u.test')).status).toBe(200);
    expect((await ask('bob.u.test')).status).toBe(404);
    expect((await ask('alice.other.test')).status).toBe(404);
    expect((await ask('u.test')).status).toBe(404);
    // The admin instance's host (FEATHER_TENANT_ADMIN_HOST), in any case, gets one; nothing else near it.
    expect((await ask('ADMIN.u.test')).status).toBe(200);
    expect((await ask('admin.u.test.evil')).status).toBe(404);
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/ask')).status).toBe(404);
    expect(starts).toBe(0);
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/metrics')).body).toContain('feather_tenant_wake_requests_total{kind="ask_refused"} 5');
  });

  it('the status path reports the wake, and "ready" once the app answers', async () => {
    const s1 = JSON.parse((await httpRequest(wakePort, 'alice.u.test', '/.feather-tenant/wake-status', { headers: routed('GET') })).body) as { phase: string };
    expect(['starting', 'waiting', 'stopping']).toContain(s1.phase);
    const phase = async () => (JSON.parse((await httpRequest(wakePort, 'alice.u.test', '/.feather-tenant/wake-status')).body) as { phase: string }).phase;
    await waitFor(async () => (await phase()) === 'ready', 10_000, 'the wake status to say ready');
  });
});

/** A raw request on a socket; resolves with what the server sent until it closed, or `until` came (or 2 s). */
function raw(port: number, text: string, until?: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (d: Buffer) => {
      out += d.toString();
      if (until !== undefined && out.includes(until)) sock.destroy();
    });
    sock.setTimeout(2_000, () => sock.destroy());
    sock.on('close', () => resolve(out));
  });
}

describe('wake server: the session cookie', () => {
  it('never reaches the tenant, on a request or an upgrade; other cookies do', async () => {
    const cookie = 'theme=dark; __Host-feather_session=secret; lang=en';
    const r = await httpRequest(wakePort, 'alice.u.test', '/cookie', { headers: { ...routed('GET'), cookie } });
    expect(r.body).toBe('cookie=theme=dark; lang=en');
    const only = await httpRequest(wakePort, 'alice.u.test', '/cookie', { headers: { ...routed('GET'), cookie: '__Host-feather_session=secret' } });
    expect(only.body).toBe('cookie=(none)');
    const up = await raw(wakePort, `GET /ws HTTP/1.1\r\nHost: alice.u.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\nCookie: ${cookie}\r\n${Object.entries(routed('GET')).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`, 'lang=en\n');
    expect(up).toContain('101 Switching Protocols');
    expect(up).toContain('cookie=theme=dark; lang=en\n');
  });
});

describe('wake server with the login gate', () => {
  let gated: WakeServer;
  let gatedPort: number;
  const served: string[] = [];
  const gate: Gate = {
    claims: (req) => gateRoute(req.url ?? '/') !== undefined,
    serve: (req, res) => {
      served.push(req.url ?? '');
      send(res, 401, 'login required\n', { 'x-feather-gate': 'login-required' });
      return Promise.resolve();
    },
  };
  beforeEach(async () => {
    served.length = 0;
    gated = createWakeServer({
      domain: 'u.test', gate,
      lookup: (name) => (name === 'alice' ? { name, container: 'c-alice', port: appPort } : undefined),
      waker, metrics: new Metrics(), log: () => {}, tenants: podmanWakePort({ startContainer: () => Promise.resolve(), containerState: () => Promise.resolve('running') }, (p) => probeHttp(p, 500), portOpen), health: () => ({ ok: true }),
    });
    await new Promise<void>((r) => gated.server.listen(0, '127.0.0.1', () => r()));
    gatedPort = (gated.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    gated.destroyAll();
    await new Promise((r) => gated.server.close(r));
  });

  it('the gate answers an upgrade for its paths (verify above all) as a plain response: nothing is spliced, nothing woken', async () => {
    for (const path of ['/_feather/verify', '/_FEATHER/x', '//_feather/ws']) {
      const out = await raw(gatedPort, `GET ${path} HTTP/1.1\r\nHost: alice.u.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${Object.entries(routed('GET')).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
      expect(out).toMatch(/^HTTP\/1.1 401 /);
      expect(out).toContain('Connection: close');
      expect(out.endsWith('login required\n')).toBe(true);
    }
    expect(served).toEqual(['/_feather/verify', '/_FEATHER/x', '//_feather/ws']);
    expect(upgrades).toEqual([]);
    expect(starts).toBe(0);
  });

  it('serves only what the wake route sent after the tenant\'s own dial failed', async () => {
    const fromVerify = { ...routed('GET'), 'x-feather-wake-error': `dial tcp 127.0.0.1:${gatedPort}: connect: connection refused` };
    const refused = await httpRequest(gatedPort, 'alice.u.test', '/x', { headers: fromVerify });
    expect(refused.status).toBe(503);
    expect(refused.headers['x-feather-gate']).toBe('unverified');
    expect((await httpRequest(gatedPort, 'alice.u.test', '/x')).status).toBe(503); // not through the route at all
    const up = await raw(gatedPort, `GET /ws HTTP/1.1\r\nHost: alice.u.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n${Object.entries(fromVerify).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    expect(up).toMatch(/^HTTP\/1.1 503 /);
    expect(starts).toBe(0);

    const fromTenant = { ...routed('GET'), 'x-feather-wake-error': `dial tcp 127.0.0.1:${appPort}: connect: connection refused` };
    expect((await httpRequest(gatedPort, 'alice.u.test', '/x', { headers: fromTenant })).body).toBe('app GET /x ');
    expect(starts).toBe(1);
  });
});
