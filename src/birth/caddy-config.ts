// Pure: the Caddy config the birth container starts with. The base (birth/caddy.json) owns the
// server, its ports, TLS and the catch-all; routes added at run time (tenants, or an operator's
// own) are carried over from Caddy's last autosave, in order, ahead of the base's routes. So an
// upgraded image's base takes effect on restart and no tenant route is lost, without the config
// change (and WebSocket-closing reload) a later `reconcile` would otherwise need to restore them.

import { UsageError } from '../core/errors.js';
import { isCatchAll, sameRoute } from '../caddy/routes.js';
import type { CaddyRoute } from '../core/route.js';

export type TlsMode = 'off' | 'acme' | 'internal';

export interface BirthCaddyOptions {
  /** host:port of the admin API (loopback only). */
  adminListen: string;
  /** The server that holds the tenant routes. */
  server: string;
  httpPort: number;
  httpsPort: number;
  tls: TlsMode;
  acmeEmail?: string | undefined;
  /** On-demand TLS asks this URL (`?domain=NAME`) before getting a certificate. */
  askUrl: string;
  /**
   * What sleep and wake need from Caddy (src/caddy/wake-config.ts): the error route to the wake
   * server and the JSON access log. Rendered into the base, exactly as the watchdog and `add`
   * want them, so they find nothing to change (each admin change reloads Caddy).
   */
  wake?: { route: CaddyRoute; loggerName: string; logKey: string; log: unknown };
}

interface Server {
  listen?: string[];
  routes?: CaddyRoute[];
  errors?: { routes?: CaddyRoute[] };
  tls_connection_policies?: unknown[];
  [key: string]: unknown;
}

export interface CaddyConfig {
  admin?: { listen?: string; [key: string]: unknown };
  apps?: {
    http?: { servers?: Record<string, Server>; http_port?: number; https_port?: number; [key: string]: unknown };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The admin listen address from FEATHER_TENANT_CADDY_ADMIN: Caddy's admin API must stay on loopback. */
export function adminListen(adminUrl: string): string {
  if (adminUrl.startsWith('unix:')) {
    // the entrypoint waits for Caddy on a TCP port; a unix socket is the swarm setup's (docs/many-servers.md)
    throw new UsageError(`FEATHER_TENANT_CADDY_ADMIN must be http://127.0.0.1:PORT in the birth container (a unix socket is for the swarm backend), got ${JSON.stringify(adminUrl)}`);
  }
  const u = new URL(adminUrl);
  const host = u.hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    throw new UsageError(`FEATHER_TENANT_CADDY_ADMIN must be on 127.0.0.1 in the birth container (Caddy's admin API is unauthenticated), got ${JSON.stringify(adminUrl)}`);
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${host}:${port}`;
}

export function parseTlsMode(value: string | undefined, domainSet: boolean): TlsMode {
  if (value === undefined || value === '') return domainSet ? 'acme' : 'off';
  if (value === 'off' || value === 'acme' || value === 'internal') return value;
  throw new UsageError(`FEATHER_BIRTH_TLS must be off, acme or internal, got ${JSON.stringify(value)}`);
}

export function parsePort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${name} must be a port number, got ${JSON.stringify(value)}`);
  return n;
}

/** Routes of `previous` that the base does not define itself: those added at run time. */
export function runtimeRoutes(previous: CaddyRoute[] | undefined, base: CaddyRoute[]): CaddyRoute[] {
  const baseIds = new Set(base.map((r) => r['@id']).filter((id): id is string => typeof id === 'string'));
  return (previous ?? []).filter((r) => {
    const id = r['@id'];
    if (typeof id === 'string') return !baseIds.has(id);
    // An unnamed catch-all, or a copy of a base route, belongs to the (older) base.
    return !isCatchAll(r) && !base.some((b) => sameRoute(b, r));
  });
}

export function renderBirthCaddy(base: CaddyConfig, o: BirthCaddyOptions, previous?: CaddyConfig): CaddyConfig {
  const out = structuredClone(base);
  out.admin = { ...out.admin, listen: o.adminListen };
  const http = out.apps?.http;
  const srv = http?.servers?.[o.server];
  if (!http || !srv) throw new UsageError(`the base Caddy config has no HTTP server ${JSON.stringify(o.server)}`);

  if (o.wake) {
    srv.logs = { ...(srv.logs as object | undefined), default_logger_name: o.wake.loggerName };
    srv.errors = { ...srv.errors, routes: [...(srv.errors?.routes ?? []), o.wake.route] };
    const logging = (out.logging ?? {}) as { logs?: Record<string, unknown> };
    out.logging = { ...logging, logs: { ...logging.logs, [o.wake.logKey]: o.wake.log } };
  }

  const prev = previous?.apps?.http?.servers?.[o.server];
  const baseRoutes = srv.routes ?? [];
  srv.routes = [...runtimeRoutes(prev?.routes, baseRoutes), ...baseRoutes];
  const baseErrors = srv.errors?.routes ?? [];
  const errors = [...runtimeRoutes(prev?.errors?.routes, baseErrors), ...baseErrors];
  if (errors.length > 0) srv.errors = { ...srv.errors, routes: errors };

  http.http_port = o.httpPort;
  http.https_port = o.httpsPort;
  if (o.tls === 'off') {
    srv.listen = [`:${o.httpPort}`];
    srv.automatic_https = { disable: true };
    return out;
  }
  // HTTPS on its port; Caddy's automatic HTTPS adds the port-80 server that redirects to it
  // and answers ACME's HTTP challenges. Certificates are got at the first handshake for a
  // name, and only for names the watchdog confirms are tenants (`ask`).
  srv.listen = [`:${o.httpsPort}`];
  srv.tls_connection_policies = [{}];
  const issuer: Record<string, unknown> = o.tls === 'internal'
    ? { module: 'internal' }
    : { module: 'acme', ...(o.acmeEmail ? { email: o.acmeEmail } : {}) };
  out.apps = {
    ...out.apps,
    tls: {
      automation: {
        policies: [{ on_demand: true, issuers: [issuer] }],
        on_demand: { ask: o.askUrl },
      },
    },
    // The internal CA is for tests and private setups: never install it into the birth's trust store.
    ...(o.tls === 'internal' ? { pki: { certificate_authorities: { local: { install_trust: false } } } } : {}),
  };
  return out;
}
