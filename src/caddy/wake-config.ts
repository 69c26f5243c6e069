// Pure: the server-level Caddy configuration that sleep and wake need, set up once (by `add`
// or `reconcile`) and never changed on sleep or wake, since every admin change reloads
// Caddy and closes every tenant's WebSockets.
//
// Waking uses the server's error routes: when a tenant's container is stopped, Caddy's dial to
// its port is refused and the tenant route fails with a 502; the wake route below catches that
// for tenant hosts and proxies the request to the wake server. The request body is lost on that
// path (Caddy 2.6 has closed it after the failed dial), so the route turns the request into a
// bodiless GET and passes the original method and length in headers; the wake server holds
// bodiless requests and replays them itself, and answers a request that had a body with a 307
// to the same URL once the tenant is up, so the client sends it again, body and all.
// (The alternative, a second upstream with `buffer_requests`, mixes up request bodies between
// concurrent requests in Caddy 2.6.2; see README and bench/wake-mechanism.mjs.)

import type { Config } from '../core/config.js';
import { objectName } from '../core/tenant.js';
import type { CaddyRoute } from '../core/route.js';
import { caddyAddress } from '../core/listen-address.js';

/** Headers the wake route adds: what the wake server must know about the failed request. */
export const WAKE_HEADERS = {
  method: 'X-Feather-Wake-Method',
  length: 'X-Feather-Wake-Length',
  error: 'X-Feather-Wake-Error',
} as const;

/** Our key under Caddy's `logging.logs`. */
export const ACCESS_LOG_KEY = 'feather_tenant_access';
/** The access logger name we give the server when it has none. */
export const SERVER_LOGGER_NAME = 'feather_tenant';

export interface CaddyLog {
  writer: Record<string, unknown>;
  encoder: Record<string, unknown>;
  level: string;
  include: string[];
}

export interface ServerLogs {
  default_logger_name?: string;
  [key: string]: unknown;
}

/** The logger name the server's access logs go out under (ours unless the operator set one). */
export function serverLoggerName(logs: ServerLogs | undefined): string {
  return logs?.default_logger_name || SERVER_LOGGER_NAME;
}

/** A JSON access log in a file: one line per request with `ts` and `request.host`. */
export function desiredAccessLog(file: string, loggerName: string): CaddyLog {
  return {
    writer: { output: 'file', filename: file, roll_size_mb: 20, roll_keep: 3 },
    encoder: { format: 'json' },
    level: 'INFO',
    include: [`http.log.access.${loggerName}`],
  };
}

export function wakeRouteId(c: Pick<Config, 'prefix'>): string {
  // "wake" is a reserved tenant name, so no tenant's route can have this @id.
  return objectName(c, 'wake');
}

/** The error route that hands a tenant's failed request (502: its port is closed) to the wake server. */
export function desiredWakeRoute(c: Pick<Config, 'prefix' | 'domain' | 'wakeListen'>): CaddyRoute {
  return {
    '@id': wakeRouteId(c),
    match: [{ host: [`*.${c.domain}`], expression: '{http.error.status_code} == 502' }],
    handle: [
      {
        handler: 'reverse_proxy',
        upstreams: [{ dial: caddyAddress(c.wakeListen) }],
        // GET (or HEAD) drops the already-closed body; any other method would fail on it.
        rewrite: { method: 'GET' },
        headers: {
          request: {
            set: {
              [WAKE_HEADERS.method]: ['{http.request.orig_method}'],
              [WAKE_HEADERS.length]: ['{http.request.header.Content-Length}'],
              [WAKE_HEADERS.error]: ['{http.error.message}'],
            },
          },
        },
      },
    ],
    terminal: true,
  };
}
