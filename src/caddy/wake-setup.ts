import type { Config } from '../core/config.js';
import type { CaddyPort } from './port.js';
import { sameRoute } from './routes.js';
import type { CaddyRoute } from '../core/route.js';
import { desiredDirectServer, directServerName, type DirectServer } from './direct-config.js';
import {
  ACCESS_LOG_KEY, SERVER_LOGGER_NAME, desiredAccessLog, desiredWakeRoute, serverLoggerName, wakeRouteId,
  type CaddyLog, type ServerLogs,
} from './wake-config.js';

// Brings Caddy's server-level config to what sleep and wake need (wake-config.ts), one admin
// change per missing piece and none when all is in place. `add` calls it before its first route,
// the watchdog at start and on each sweep (Caddy restarted from a base config loses it), and
// `reconcile` should call it too. With dryRun it only says what it would change.

type SetupConfig = Pick<Config, 'prefix' | 'domain' | 'wakeListen' | 'accessLog'> & Partial<Pick<Config, 'backend' | 'swarmDirect' | 'containerPort'>>;

export interface SetupOptions {
  dryRun?: boolean;
}

interface ServerSetupView {
  logs?: ServerLogs | null;
  errors?: { routes?: CaddyRoute[] | null } | null;
}

type Logging = { logs?: Record<string, CaddyLog> | null } | null;

/** What the setup reads, all at once: the server's logs and error routes, the logging app, the wake route. */
interface SetupRead {
  view: ServerSetupView;
  logging: Logging | undefined;
  wakeRoute: CaddyRoute | undefined;
}

const serverPath = (server: string) => `/config/apps/http/servers/${encodeURIComponent(server)}`;
const canonicalEqual = (a: unknown, b: unknown) => sameRoute(a as CaddyRoute, b as CaddyRoute);

/** The access log: our file logger, fed by the server's access logger. Returns the changes made. */
async function ensureAccessLog(caddy: CaddyPort, server: string, c: SetupConfig, o: SetupOptions, read: SetupRead): Promise<string[]> {
  const changes: string[] = [];
  const { view, logging } = read;
  if (!view.logs?.default_logger_name) {
    changes.push(`server ${server}: log requests as ${SERVER_LOGGER_NAME}`);
    if (!o.dryRun) {
      const [path, body] = view.logs
        ? [`${serverPath(server)}/logs/default_logger_name`, SERVER_LOGGER_NAME]
        : [`${serverPath(server)}/logs`, { default_logger_name: SERVER_LOGGER_NAME }];
      await caddy.write('POST', path, body, async () =>
        (await caddy.getJson<ServerLogs>(`${serverPath(server)}/logs`))?.default_logger_name === SERVER_LOGGER_NAME);
    }
  }
  const want = desiredAccessLog(c.accessLog, serverLoggerName(view.logs ?? undefined));
  const have = logging?.logs?.[ACCESS_LOG_KEY];
  if (have && canonicalEqual(have, want)) return changes;
  changes.push(`${have ? 'fix' : 'add'} access log ${c.accessLog}`);
  if (o.dryRun) return changes;
  const [path, body] = !logging
    ? ['/config/logging', { logs: { [ACCESS_LOG_KEY]: want } }]
    : !logging.logs
      ? ['/config/logging/logs', { [ACCESS_LOG_KEY]: want }]
      : [`/config/logging/logs/${ACCESS_LOG_KEY}`, want];
  await caddy.write('POST', path, body, async () => {
    const now = await caddy.getJson<CaddyLog>(`/config/logging/logs/${ACCESS_LOG_KEY}`);
    return now !== undefined && canonicalEqual(now, want);
  });
  return changes;
}

/** The server's error route that sends a stopped tenant's requests to the wake server. */
async function ensureWakeRoute(caddy: CaddyPort, server: string, c: SetupConfig, o: SetupOptions, read: SetupRead): Promise<string[]> {
  const want = desiredWakeRoute(c);
  const id = wakeRouteId(c);
  const have = read.wakeRoute;
  if (have && sameRoute(have, want)) return [];
  const change = `${have ? 'fix' : 'add'} wake route ${id} (to ${c.wakeListen})`;
  if (o.dryRun) return [change];
  if (have) {
    await caddy.replaceById(id, want);
    return [change];
  }
  const errors = read.view.errors;
  // First, so that it precedes any catch-all error route of the operator's.
  // (Caddy 2.6.2 inserts with PUT only before an existing element: on an empty list, which is
  // what deleting the last route by @id leaves, PUT .../0 is "array index out of bounds".)
  const [method, path, body] = !errors
    ? ['POST', `${serverPath(server)}/errors`, { routes: [want] }] as const
    : errors.routes == null
      ? ['POST', `${serverPath(server)}/errors/routes`, [want]] as const
      : errors.routes.length === 0
        ? ['POST', `${serverPath(server)}/errors/routes`, want] as const
        : ['PUT', `${serverPath(server)}/errors/routes/0`, want] as const;
  await caddy.write(method, path, body, async () => {
    const now = await caddy.routeById(id);
    return now !== undefined && sameRoute(now, want);
  });
  return [change];
}

/** The swarm backend's direct server (direct-config.ts), when FEATHER_TENANT_SWARM_DIRECT names it. */
async function ensureDirectServer(caddy: CaddyPort, c: SetupConfig, o: SetupOptions): Promise<string[]> {
  if (c.backend !== 'swarm' || c.swarmDirect === undefined) return [];
  const want = desiredDirectServer({ prefix: c.prefix, containerPort: c.containerPort ?? 8080, swarmDirect: c.swarmDirect });
  const path = serverPath(directServerName(c));
  const have = await caddy.getJson<DirectServer>(path);
  if (have && canonicalEqual(have, want)) return [];
  const change = `${have ? 'fix' : 'add'} direct server ${directServerName(c)} (on ${c.swarmDirect})`;
  if (o.dryRun) return [change];
  // POST on an object's key sets it whole, whether it was there or not.
  await caddy.write('POST', path, want, async () => canonicalEqual(await caddy.getJson<DirectServer>(path), want));
  return [change];
}

/**
 * All pieces; what changed (or would), in order. The first three reads go out together: in the common
 * case, nothing to change, that is one round trip to Caddy where one after the other took three
 * (4-7 ms of `reconcile` with nothing to do, docs/benchmarks.md).
 */
export async function ensureWakeSetup(caddy: CaddyPort, server: string, c: SetupConfig, o: SetupOptions = {}): Promise<string[]> {
  const [view, logging, wakeRoute] = await Promise.all([
    caddy.getJson<ServerSetupView>(serverPath(server)),
    caddy.getJson<Logging>('/config/logging'),
    caddy.routeById(wakeRouteId(c)),
  ]);
  const read: SetupRead = { view: view ?? {}, logging, wakeRoute };
  return [
    ...(await ensureAccessLog(caddy, server, c, o, read)),
    ...(await ensureWakeRoute(caddy, server, c, o, read)),
    ...(await ensureDirectServer(caddy, c, o)),
  ];
}
