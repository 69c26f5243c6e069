import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { portOpen } from '../../src/net/port-open.js';
import { probeHttp } from '../../src/net/wait-http.js';
import { Metrics } from '../../src/wake/metrics.js';
import { createWakeServer, type WakeServer } from '../../src/wake/server.js';
import { Waker } from '../../src/wake/waker.js';
import { freePort, httpRequest } from '../helpers/stack.js';

// The wake server over real sockets, with a local HTTP server standing in for the tenant's app:
// "podman start" makes it listen. No podman, no Caddy; the e2e tests cover those.

let app: Server;
let appPort: number;
let wake: WakeServer;
let wakePort: number;
let starts: number;

beforeEach(async () => {
  starts = 0;
  appPort = await freePort();
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => res.end(`app ${req.method} ${req.url} ${body}`));
  });
  app.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
    socket.on('end', () => socket.end()); // http servers' sockets are half-open: close our side too
  });
  const waker = new Waker({
    podman: {
      startContainer: () => {
        starts += 1;
        return new Promise((r) => (app.listening ? r() : app.listen(appPort, '127.0.0.1', () => r())));
      },
      containerState: () => Promise.resolve(app.listening ? 'running' : 'exited'),
    },
    probe: (p) => probeHttp(p, 500),
    leases: { begin: () => ({ stopStartedAt: null }), end: () => {}, stopInProgress: () => false, busyWith: () => undefined },
    readyTimeoutMs: 5_000,
    leaseMs: 60_000,
    log: () => {},
  });
  wake = createWakeServer({
    domain: 'u.test',
    lookup: (name) => (name === 'alice' ? { name, container: 'c-alice', port: appPort } : undefined),
    waker, metrics: new Metrics(), log: () => {}, portOpen, probe: (p) => probeHttp(p, 500), health: () => ({ ok: true }),
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
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (got.join('').includes('101 Switching Protocols')) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    sock.write('ping');
    await new Promise((r) => setTimeout(r, 100));
    expect(got.join('')).toContain('echo:ping');
    expect(wake.upgraded()).toBe(1);
    sock.destroy();
    for (let i = 0; i < 50 && wake.upgraded() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(wake.upgraded()).toBe(0);
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
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/ask')).status).toBe(404);
    expect(starts).toBe(0);
    expect((await httpRequest(wakePort, `127.0.0.1:${wakePort}`, '/metrics')).body).toContain('feather_tenant_wake_requests_total{kind="ask_refused"} 4');
  });

  it('the status path reports the wake, and "ready" once the app answers', async () => {
    const s1 = JSON.parse((await httpRequest(wakePort, 'alice.u.test', '/.feather-tenant/wake-status', { headers: routed('GET') })).body) as { phase: string };
    expect(['starting', 'waiting', 'stopping']).toContain(s1.phase);
    await new Promise((r) => setTimeout(r, 300));
    const s2 = JSON.parse((await httpRequest(wakePort, 'alice.u.test', '/.feather-tenant/wake-status')).body) as { phase: string };
    expect(s2.phase).toBe('ready');
  });
});
