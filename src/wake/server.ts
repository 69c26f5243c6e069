// The wake server: one HTTP handler for everything Caddy sends the watchdog (wake, the waiting page
// and its polls, the login gate's /_feather/* paths, /healthz, /metrics) and WebSocket upgrades. Over 200
// lines because the held-request accounting (active, held, upgraded) spans all of them; the parts
// with a life of their own are apart: waker.ts, held.ts, page.ts, proxy.ts, request.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Gate } from '../auth/gate.js';
import type { Ingest } from '../auth/summary-ingest.js';
import { GATE_HEADER } from '../auth/gate-header.js';
import { gateRoute } from '../auth/gate-path.js';
import { tenantOfHost } from '../core/hosts.js';
import { send } from '../net/send.js';
import { responseOnSocket } from '../net/socket-response.js';
import { clientGone, dropOnHangup } from './client-gone.js';
import { HeldRequests } from './held.js';
import { errorField, type Logger } from '../watchdog/log.js';
import type { Metrics } from '../watchdog/metrics.js';
import { STATUS_PATH, WAKE_HEADER, isBrowserNavigation, waitingPage } from './page.js';
import { proxyHttp, proxyUpgrade } from './proxy.js';
import { describeRequest, type RequestView } from './request.js';
import type { WakePort } from './tenant-port.js';
import type { Waker, WakeTarget } from './waker.js';

export interface WakeServerDeps {
  domain: string;
  /** An active tenant by name, or undefined: the wake server never starts anything it does not know. */
  lookup(name: string): WakeTarget | undefined;
  /** A tenant of ours, whatever its state (for on-demand TLS's ask); default: lookup finds it. */
  known?(name: string): boolean;
  /** The admin instance's host (FEATHER_TENANT_ADMIN_HOST): on-demand TLS gets it a certificate too. */
  adminHost?: string | undefined;
  waker: Waker;
  metrics: Metrics;
  log: Logger;
  /** The tenant's backend (tenant-port.ts): up or asleep, answers HTTP, where to relay, the wake route's proof. */
  tenants: WakePort;
  health(): { ok: boolean; [key: string]: unknown };
  /** Requests held for a wake or relayed to a tenant at once (FEATHER_TENANT_MAX_HELD); default no cap. */
  maxHeld?: number;
  /** Told when requests are refused at the cap and when a slot is free again (an Outage: logged once). */
  overCap?: { ok(): void; fail(reason: string): void };
  /**
   * The login gate (FEATHER_TENANT_AUTH=jwt): answers /_feather/* on tenant hosts, upgrades
   * included. With it, anything else is served only when the wake route sent it after the
   * tenant's own dial failed (tenant-dial.ts): verify passed before that dial.
   */
  gate?: Gate | undefined;
  /** POST /_feather/summary (auth/summary-ingest.ts): with the gate on or off. */
  ingest?: Ingest | undefined;
}

export interface WakeServer {
  server: Server;
  /** Requests being answered right now (held ones included). */
  active: () => number;
  /** Upgraded connections (WebSockets) spliced to tenants right now. */
  upgraded: () => number;
  /** Requests (and upgrades) held for a wake or relayed to a tenant right now. */
  held: () => number;
  /** Closes every connection, upgraded ones included (server.close() alone waits for them). */
  destroyAll: () => void;
}

export function createWakeServer(d: WakeServerDeps): WakeServer {
  let active = 0;
  const upgradedSockets = new Set<Socket>();
  const count = (kind: string) => d.metrics.inc(d.metrics.requests, kind);
  const held = new HeldRequests(d.maxHeld ?? Infinity);
  const full = d.overCap ?? { ok: () => {}, fail: () => {} };

  /** Seconds a refused client should wait: about a wake, when the tenant is likely up. */
  const retryAfter = (t: WakeTarget) => Math.max(1, Math.ceil(d.waker.status(t.name).expectedMs / 1000));

  /**
   * Takes a held-request slot for this request until its response (or upgraded socket) closes;
   * false at the cap, the refusal counted: the caller answers 503 with Retry-After.
   */
  function take(t: WakeTarget, onClose: { once(event: 'close', f: () => void): unknown }): boolean {
    const release = held.take(t.name);
    if (typeof release !== 'function') {
      count('over_capacity');
      full.fail(release === 'cap' ? `${held.max} requests held at once` : `${t.name} holds its share, ${held.share} of ${held.max}`);
      return false;
    }
    full.ok();
    onClose.once('close', release);
    return true;
  }

  async function forward(req: IncomingMessage, res: ServerResponse, t: WakeTarget, r: RequestView): Promise<void> {
    if (r.bodyLost) {
      // The body did not survive the wake route: the tenant is up now, so the client repeats the
      // request (307 keeps method and body) and Caddy takes it straight to the tenant.
      count('redirect');
      send(res, 307, `${t.name} is awake; repeat the request\n`, { location: req.url ?? '/', 'retry-after': 0 });
      return;
    }
    count('proxied');
    try {
      await proxyHttp(req, res, d.tenants.relay(t, req), r.method, !r.viaRoute);
    } catch (err) {
      d.log('warn', 'tenant did not take the request', { tenant: t.name, error: errorField(err) });
      send(res, 502, `${t.name} did not answer\n`);
    }
  }

  async function status(res: ServerResponse, t: WakeTarget): Promise<void> {
    count('status');
    let s = d.waker.status(t.name);
    if (s.phase === 'idle') {
      if (await d.tenants.probe(t)) s = { ...s, phase: 'ready' };
      else {
        void d.waker.wake(t);
        s = d.waker.status(t.name);
      }
    }
    send(res, 200, JSON.stringify(s), { 'content-type': 'application/json', [WAKE_HEADER]: '1' });
  }

  function ops(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      const h = d.health();
      send(res, h.ok ? 200 : 503, `${JSON.stringify(h)}\n`, { 'content-type': 'application/json' });
    } else if (path === '/ask') {
      // Caddy's on-demand TLS asks before it gets a certificate for a name (`?domain=`): only
      // for a tenant of ours, so nobody can make us request certificates for names of theirs.
      const domain = new URL(req.url ?? '/', 'http://ask').searchParams.get('domain') ?? '';
      const name = tenantOfHost(domain, d.domain);
      const admin = d.adminHost !== undefined && domain.toLowerCase().replace(/\.$/, '') === d.adminHost;
      const known = admin || (name !== undefined && (d.known ? d.known(name) : d.lookup(name) !== undefined));
      count(known ? 'ask_allowed' : 'ask_refused');
      send(res, known ? 200 : 404, known ? 'ok\n' : 'not a tenant\n');
    } else if (path === '/metrics') {
      send(res, 200, d.metrics.render(d.waker.active, { count: held.count, max: held.max }), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    } else {
      send(res, 404, 'not found\n');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = tenantOfHost(req.headers.host, d.domain);
    if (!name) return ops(req, res);
    if (d.ingest?.claims(req)) return d.ingest.serve(req, res);
    if (d.gate?.claims(req)) return d.gate.serve(req, res);
    // Without the gate, Caddy sends /_feather/summary here in any spelling it matches: only the
    // exact one is the ingest's, and the others are nobody's (the tenant's own /_feather/ paths
    // reach it directly, or through the wake route when it sleeps).
    if (!d.gate && gateRoute(req.url ?? '/') !== undefined && !describeRequest(req).viaRoute) {
      count('unknown');
      return send(res, 404, 'not found\n', { [GATE_HEADER]: 'not-found' });
    }
    const t = d.lookup(name);
    if (!t) {
      count('unknown');
      return send(res, 404, 'no such tenant\n');
    }
    if (d.gate && !d.tenants.failedAtDial(req, t)) {
      count('unverified');
      return send(res, 503, 'the login gate could not check this request; try again\n', { 'retry-after': 1, [GATE_HEADER]: 'unverified' });
    }
    if ((req.url ?? '').split('?')[0] === STATUS_PATH) return status(res, t);
    const r = describeRequest(req);
    if (!d.waker.inFlight(name) && !t.switching && (await d.tenants.open(t))) {
      // Up already: it came up since Caddy tried, or it failed in another way than a refused
      // dial; then only a request that is safe to repeat is repeated.
      if (!r.refused && r.method !== 'GET' && r.method !== 'HEAD') {
        count('failed');
        return send(res, 502, `${name} failed to answer this request\n`);
      }
      if (!take(t, res)) return busy(res, t);
      return forward(req, res, t, r);
    }
    const wake = d.waker.wake(t);
    if (isBrowserNavigation(r.method, req.headers)) {
      count('page');
      send(res, 503, waitingPage(name, d.waker.status(name).expectedMs), { 'content-type': 'text/html; charset=utf-8', 'retry-after': '2', [WAKE_HEADER]: '1' });
      return;
    }
    if (!take(t, res)) return busy(res, t);
    count('held');
    const outcome = await wake;
    // The client gave up while the tenant woke: nobody to answer, so nothing is replayed.
    if (clientGone(res)) return count('abandoned');
    if (!outcome.ok) {
      count('unavailable');
      return send(res, 503, `${name} did not start: ${outcome.error ?? 'unknown error'}\n`, { 'retry-after': 10 });
    }
    return forward(req, res, t, r);
  }

  function busy(res: ServerResponse, t: WakeTarget): void {
    send(res, 503, 'too many requests are waiting for tenants; try again shortly\n', { 'retry-after': retryAfter(t) });
  }

  async function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const name = tenantOfHost(req.headers.host, d.domain);
    // The summary path takes no upgrade: refused, never spliced to the tenant.
    if (name !== undefined && d.ingest?.claims(req)) return void socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\nAllow: POST\r\n\r\n');
    // The gate answers its own paths, verify's subrequest above all (Caddy keeps the client's
    // Upgrade header on it): as a plain request, never spliced to the tenant.
    if (name !== undefined && d.gate?.claims(req)) {
      return d.gate.serve(req, responseOnSocket(req, socket)).catch((err: unknown) => {
        d.log('error', 'gate failed on an upgrade', { host: req.headers.host, error: errorField(err) });
        socket.destroy();
      });
    }
    const t = name === undefined ? undefined : d.lookup(name);
    const refuse = (status: string, retryAfterS = 10, extra = '') => socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: ${retryAfterS}\r\n${extra}\r\n`);
    if (!t) return void refuse('404 Not Found');
    if (d.gate && !d.tenants.failedAtDial(req, t)) return void refuse('503 Service Unavailable', 10, `${GATE_HEADER}: unverified\r\n`);
    if (!take(t, socket)) {
      // Refused here, but the tenant is still woken: the client's next try finds it up.
      if (!d.waker.inFlight(t.name) && !(await d.tenants.open(t))) void d.waker.wake(t);
      return void refuse('503 Service Unavailable', retryAfter(t));
    }
    const r = describeRequest(req);
    const watching = dropOnHangup(socket);
    if (d.waker.inFlight(t.name) || t.switching || !(await d.tenants.open(t))) {
      count('held');
      const outcome = await d.waker.wake(t);
      if (socket.destroyed) return void count('abandoned');
      if (!outcome.ok) return void refuse('503 Service Unavailable');
    }
    watching();
    count('upgraded');
    await proxyUpgrade(req, socket, head, d.tenants.relay(t, req), r.method).catch((err: unknown) => {
      d.log('warn', 'upgrade to tenant failed', { tenant: t.name, error: errorField(err) });
    });
  }

  const server = createServer((req, res) => {
    active += 1;
    res.once('close', () => {
      active -= 1;
    });
    handle(req, res).catch((err: unknown) => {
      d.log('error', 'request failed', { host: req.headers.host, error: errorField(err) });
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgradedSockets.add(socket);
    socket.once('close', () => upgradedSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    void upgrade(req, socket, head);
  });
  // Longer than Caddy's idle keep-alive (2 min), so Caddy never reuses a connection we just closed.
  server.keepAliveTimeout = 130_000;
  server.headersTimeout = 131_000;
  return {
    server,
    active: () => active,
    upgraded: () => upgradedSockets.size,
    held: () => held.count,
    destroyAll: () => {
      server.closeAllConnections();
      for (const sock of upgradedSockets) sock.destroy();
    },
  };
}
