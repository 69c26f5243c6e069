import type { Config } from '../core/config.js';
import type { CaddyPort } from './port.js';
import { sameRoute } from './routes.js';
import type { CaddyRoute } from '../core/route.js';
import {
  ACCESS_LOG_KEY, SERVER_LOGGER_NAME, desiredAccessLog, desiredWakeRoute, serverLoggerName, wakeRouteId,
  type CaddyLog, type ServerLogs,
} from './wake-config.js';

// Brings Caddy's server-level config to what sleep and wake need (wake-config.ts), one admin
// change per missing piece and none when all is in place. `add` calls it before its first route,
// the watchdog at start and on each sweep (Caddy restarted from a base config loses it), and
// `reconcile` should call it too. With dryRun it only says what it would change.

type SetupConfig = Pick<Config, 'prefix' | 'domain' | 'wakeListen' | 'accessLog'>;

export interface SetupOptions {
  dryRun?: boolean;
}

interface ServerSetupView {
  logs?: ServerLogs | null;
  errors?: { routes?: CaddyRoute[] | null } | null;
}

const serverPath = (server: string) => `/config/apps/http/servers/${encodeURIComponent(server)}`;
const canonicalEqual = (a: unknown, b: unknown) => sameRoute(a as CaddyRoute, b as CaddyRoute);

/** The access log: our file logger, fed by the server's access logger. Returns the changes made. */
export async function ensureAccessLog(caddy: CaddyPort, server: string, c: SetupConfig, o: SetupOptions = {}): Promise<string[]> {
  const changes: string[] = [];
  const view = (await caddy.getJson<ServerSetupView>(serverPath(server))) ?? {};
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
  const logging = await caddy.getJson<{ logs?: Record<string, CaddyLog> | null } | null>('/config/logging');
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
export async function ensureWakeRoute(caddy: CaddyPort, server: string, c: SetupConfig, o: SetupOptions = {}): Promise<string[]> {
  const want = desiredWakeRoute(c);
  const id = wakeRouteId(c);
  const have = await caddy.routeById(id);
  if (have && sameRoute(have, want)) return [];
  const change = `${have ? 'fix' : 'add'} wake route ${id} (to ${c.wakeListen})`;
  if (o.dryRun) return [change];
  if (have) {
    await caddy.replaceById(id, want);
    return [change];
  }
  const errors = (await caddy.getJson<ServerSetupView>(serverPath(server)))?.errors;
  // First, so that it precedes any catch-all error route of the operator's.
  const [method, path, body] = !errors
    ? ['POST', `${serverPath(server)}/errors`, { routes: [want] }] as const
    : errors.routes == null
      ? ['POST', `${serverPath(server)}/errors/routes`, [want]] as const
      : ['PUT', `${serverPath(server)}/errors/routes/0`, want] as const;
  await caddy.write(method, path, body, async () => {
    const now = await caddy.routeById(id);
    return now !== undefined && sameRoute(now, want);
  });
  return [change];
}

/** Both pieces; what changed (or would), in order. */
export async function ensureWakeSetup(caddy: CaddyPort, server: string, c: SetupConfig, o: SetupOptions = {}): Promise<string[]> {
  return [...(await ensureAccessLog(caddy, server, c, o)), ...(await ensureWakeRoute(caddy, server, c, o))];
}
