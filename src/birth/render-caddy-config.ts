// The birth entrypoint's step before starting Caddy:
//   node dist/birth/render-caddy-config.js BASE.json OUT.json
// renders the base config for this container's environment, carrying runtime routes over from
// Caddy's autosave ($XDG_CONFIG_HOME/caddy/autosave.json) when there is one. Written to a temp
// name and renamed, so Caddy never reads half a file. Prints one line on what it carried over.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../runtime/load-config.js';
import { reportError } from '../cli/errors.js';
import { UsageError } from '../core/errors.js';
import { ACCESS_LOG_KEY, SERVER_LOGGER_NAME, desiredAccessLog, desiredWakeRoute } from '../caddy/wake-config.js';
import { adminListen, parsePort, parseTlsMode, renderBirthCaddy, type CaddyConfig } from './caddy-config.js';

function readJson(file: string): CaddyConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as CaddyConfig;
}

function autosave(env: NodeJS.ProcessEnv): CaddyConfig | undefined {
  const dir = env.XDG_CONFIG_HOME || join(env.HOME ?? '/root', '.config');
  const file = join(dir, 'caddy', 'autosave.json');
  try {
    return readJson(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A damaged autosave must not keep the birth from starting: reconcile restores the routes.
    process.stderr.write(`render-caddy-config: ignoring unreadable ${file}: ${(err as Error).message}\n`);
    return undefined;
  }
}

function main(argv: string[], env: NodeJS.ProcessEnv): void {
  const [basePath, outPath] = argv;
  if (!basePath || !outPath) throw new UsageError('usage: render-caddy-config BASE.json OUT.json');
  const config = loadConfig(env);
  const previous = autosave(env);
  const base = readJson(basePath);
  const serverName = config.caddyServer ?? 'feather';
  const baseRoutes = base.apps?.http?.servers?.[serverName]?.routes?.length ?? 0;
  const rendered = renderBirthCaddy(base, {
    adminListen: adminListen(config.caddyAdmin),
    server: serverName,
    httpPort: parsePort(env.FEATHER_BIRTH_HTTP_PORT, 80, 'FEATHER_BIRTH_HTTP_PORT'),
    httpsPort: parsePort(env.FEATHER_BIRTH_HTTPS_PORT, 443, 'FEATHER_BIRTH_HTTPS_PORT'),
    tls: parseTlsMode(env.FEATHER_BIRTH_TLS, Boolean(env.FEATHER_TENANT_DOMAIN)),
    acmeEmail: env.FEATHER_BIRTH_ACME_EMAIL || undefined,
    askUrl: `http://${config.wakeListen}/ask`,
    wake: {
      route: desiredWakeRoute(config),
      loggerName: SERVER_LOGGER_NAME,
      logKey: ACCESS_LOG_KEY,
      log: desiredAccessLog(config.accessLog, SERVER_LOGGER_NAME),
    },
  }, previous);
  const tmp = `${outPath}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(rendered, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, outPath);
  const kept = (rendered.apps?.http?.servers?.[serverName]?.routes?.length ?? 0) - baseRoutes;
  process.stderr.write(`render-caddy-config: ${previous ? `kept ${kept} route(s) added at run time from the autosave` : 'first start: base config only'}\n`);
}

try {
  main(process.argv.slice(2), process.env);
} catch (err) {
  process.exitCode = reportError(err);
}
