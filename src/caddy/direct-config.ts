// Pure: Caddy's "direct" server for the swarm backend. The watchdog runs on the manager's host
// and cannot reach a tenant's <prefix><name>:8080 on the tenant's overlay network; Caddy's
// container can. So the same Caddy gets a second server with ONE static route: a request
// carrying `X-Feather-Tenant: <name>` is proxied to <prefix><name>:<port> (a placeholder in the
// dial: checked in Caddy 2.6.2), and an upstream's answer carries `X-Feather-Direct: 1`, which
// Caddy's own 502 (the name does not resolve: the tenant sleeps) does not. The waker probes a
// tenant through it and the wake server relays held requests and upgrades through it.
//
// This server is an ungated path to every tenant, so it listens on a unix socket, not a port:
// Caddy's container joins every tenant's overlay network, and a TCP listener in it (":8081") was
// reachable from a tenant's container (measured in the harness: 200 from the other tenant's app).
// The socket sits in the directory bind-mounted into Caddy's container (root's, 0700): the same
// trust as Caddy's admin API and podman's 127.0.0.1 tenant ports. Set up once, by `add` and by
// the watchdog's Caddy check (wake-setup.ts), never on sleep or wake.
import type { Config } from '../core/config.js';
import { caddyAddress } from '../core/listen-address.js';
import { NAME, RESERVED_NAMES } from '../core/names.js';
import type { CaddyRoute } from '../core/route.js';

/** The direct server's name in Caddy's config: one per prefix, like the wake route's @id. */
export function directServerName(c: Pick<Config, 'prefix'>): string {
  return `${c.prefix}direct`;
}
/** The tenant a request to the direct server is for (the watchdog sets it, the route removes it). */
export const DIRECT_TENANT = 'X-Feather-Tenant';
/** Set on answers from the tenant only: the probe's "the app answered", whatever its status. */
export const DIRECT_MARK = 'X-Feather-Direct';
/**
 * Caddy removes X-Forwarded-For/-Proto/-Host from a request whose peer has no IP address (the
 * watchdog's unix socket): the watchdog passes what Caddy's public server had set under these
 * names, and the route puts them back, so a relayed request reaches the tenant as a direct one does.
 */
export const DIRECT_FORWARDED = {
  'X-Forwarded-For': 'X-Feather-Forwarded-For',
  'X-Forwarded-Proto': 'X-Feather-Forwarded-Proto',
  'X-Forwarded-Host': 'X-Feather-Forwarded-Host',
} as const;

export interface DirectServer {
  listen: string[];
  routes: CaddyRoute[];
}

/**
 * The tenant-name rule (core/names.ts) on the one header value Caddy's placeholder gives (two
 * headers are joined with a comma, which the rule refuses), reserved names excluded: anything
 * else (`../x`, `a:2019`, `localhost`, uppercase, empty) never reaches the dial.
 */
function nameRule(): string {
  const value = `{http.request.header.${DIRECT_TENANT}}`;
  const reserved = [...RESERVED_NAMES].map((n) => JSON.stringify(n)).join(', ');
  return `${value}.matches(${JSON.stringify(NAME.source)}) && !(${value} in [${reserved}])`;
}

export function desiredDirectServer(c: Pick<Config, 'prefix' | 'containerPort'> & { swarmDirect: string }): DirectServer {
  const set: Record<string, string[]> = {};
  for (const [to, from] of Object.entries(DIRECT_FORWARDED)) set[to] = [`{http.request.header.${from}}`];
  return {
    listen: [caddyAddress(c.swarmDirect)],
    routes: [
      {
        match: [{ expression: nameRule() }],
        handle: [{
          handler: 'reverse_proxy',
          upstreams: [{ dial: `${c.prefix}{http.request.header.${DIRECT_TENANT}}:${c.containerPort}` }],
          headers: {
            request: { delete: [DIRECT_TENANT, ...Object.values(DIRECT_FORWARDED)], set },
            response: { set: { [DIRECT_MARK]: ['1'] } },
          },
        }],
        terminal: true,
      },
      { handle: [{ handler: 'static_response', status_code: 400, body: 'not a tenant name\n' }] },
    ],
  };
}
