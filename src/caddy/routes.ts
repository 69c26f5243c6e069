// Pure: the JSON of a tenant's Caddy route, and how to tell routes apart.
import type { Config } from '../core/config.js';
import type { CaddyRoute } from '../core/route.js';
import { objectName, tenantHost } from '../core/tenant.js';
import { GATE_HEADER, GATE_PASSED } from '../auth/gate-header.js';
import { WAKE_HEADERS } from './wake-config.js';
import { caddyAddress } from '../core/listen-address.js';


export interface TenantRouteSpec {
  id: string;
  host: string;
  port: number;
  /** With the login gate on: the watchdog's address, which answers /_feather/* and verifies sessions. */
  gate?: string | undefined;
  /** With the gate off: the watchdog's address, which answers POST /_feather/summary (summary-ingest.ts). */
  ingest?: string | undefined;
  /** Where Caddy dials the tenant; default 127.0.0.1:<port> (podman). The swarm backend: <service>:<port>. */
  dial?: string | undefined;
}

export function tenantRoute(spec: TenantRouteSpec): CaddyRoute {
  const toTenant = { handler: 'reverse_proxy', upstreams: [{ dial: spec.dial ?? `127.0.0.1:${spec.port}` }] };
  return {
    '@id': spec.id,
    match: [{ host: [spec.host] }],
    handle: spec.gate ? [gated(spec.gate, toTenant)] : spec.ingest ? [withIngest(spec.ingest, toTenant)] : [toTenant],
    terminal: true,
  };
}

/**
 * The route a tenant should have under this configuration: add and reconcile both use it, on
 * either backend (`dial`: the swarm backend's <service>:<port>), so a swarm tenant is gated, and
 * takes summaries, exactly as a podman one.
 */
export function tenantRouteFor(c: Pick<Config, 'prefix' | 'domain' | 'auth' | 'wakeListen'>, name: string, port: number, dial?: string): CaddyRoute {
  const gate = c.auth === 'jwt';
  const watchdog = caddyAddress(c.wakeListen);
  return tenantRoute({ id: objectName(c, name), host: tenantHost(c, name), port, dial, gate: gate ? watchdog : undefined, ingest: gate ? undefined : watchdog });
}

/**
 * Without the gate: only /_feather/summary goes to the watchdog (everything under /_feather/ does
 * with it). Caddy's path matcher lowercases and cleans, so every spelling of that path reaches
 * the watchdog; the watchdog stores only the exact one and answers any other it did not get
 * through the wake route with a 404 (wake/server.ts). The wake route's headers are dropped here,
 * so a client cannot dress this request up as one that came through the wake route.
 */
function withIngest(watchdog: string, toTenant: Record<string, unknown>): Record<string, unknown> {
  return {
    handler: 'subroute',
    routes: [
      {
        match: [{ path: ['/_feather/summary'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: watchdog }], headers: { request: { delete: Object.values(WAKE_HEADERS) } } }],
      },
      { handle: [toTenant] },
    ],
  };
}

/**
 * The login gate in Caddy 2.6 JSON: /_feather/* (login page, logout) goes to the watchdog;
 * every other request first asks the watchdog's /_feather/verify (forward_auth: a GET with the
 * original method and URI in headers). A 2xx answer falls through to the tenant, with the
 * Cookie header replaced by the verifier's copy minus the session cookie; any other answer (a
 * redirect to the login page, 401, 503 when Redis is down) goes back to the client as it is.
 */
function gated(gate: string, toTenant: Record<string, unknown>): Record<string, unknown> {
  return {
    handler: 'subroute',
    routes: [
      { match: [{ path: ['/_feather/*'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: gate }] }] },
      {
        handle: [
          {
            handler: 'reverse_proxy',
            upstreams: [{ dial: gate }],
            rewrite: { method: 'GET', uri: '/_feather/verify' },
            headers: { request: { set: { 'X-Forwarded-Method': ['{http.request.method}'], 'X-Forwarded-Uri': ['{http.request.uri}'] } } },
            handle_response: [{
              match: { status_code: [2] },
              routes: [{
                handle: [{
                  handler: 'headers',
                  request: { set: { Cookie: ['{http.reverse_proxy.header.X-Feather-Cookie}'] } },
                  // The mark of a request that passed: activity counts only access-log lines
                  // carrying it (activity/access-log-parse.ts). Set on our response before the
                  // tenant's headers are added, so no client can forge it.
                  response: { set: { [GATE_HEADER]: [GATE_PASSED] } },
                }],
              }],
            }],
          },
          toTenant,
        ],
      },
    ],
  };
}

/** A route with no matcher catches everything: ours must come before it. */
export function isCatchAll(route: CaddyRoute): boolean {
  return !route.match || route.match.length === 0;
}

/** The tenant ports a route proxies to (to describe a route pointing at a wrong port); the gate's is left out. */
export function routeDialPorts(route: CaddyRoute): number[] {
  const ports: number[] = [];
  const visit = (handles: Record<string, unknown>[] | undefined) => {
    for (const h of handles ?? []) {
      if (h.rewrite) continue; // the gate's verify request
      for (const sub of (h as { routes?: CaddyRoute[] }).routes ?? []) {
        if (!sub.match) visit(sub.handle);
      }
      for (const u of (h as { upstreams?: { dial?: string }[] }).upstreams ?? []) {
        const m = /:(\d+)$/.exec(u.dial ?? '');
        if (m) ports.push(Number(m[1]));
      }
    }
  };
  visit(route.handle);
  return ports;
}

/** Caddy echoes routes back with keys reordered; compare them as canonical JSON. */
export function sameRoute(a: CaddyRoute, b: CaddyRoute): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
