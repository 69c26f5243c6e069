#!/usr/bin/env node
// Issue 3's benchmark, each of ours side by side with the raw steps it wraps:
//  1. `reconcile` with 200 tenants in state and nothing to do, against one
//     `podman ps -a --format json` plus one GET of Caddy's servers (aim: within 1.3x, issue 11),
//     reading through podman processes and through podman's API socket (a private `podman system
//     service`), and the floors: a bare node that runs only those two reads, and the same reads
//     with the container listing as one request to the socket (curl, and a bare node);
//  2. `reconcile` after Caddy restarted from its base config with 200 routes to restore, against
//     the same reads plus one PATCH of the 200 routes; and how many config changes it made (aim: 1).
// The 200 tenants are seeded directly (rows, `podman create` with our labels, not started, and
// their routes), as a world where reconcile has nothing to do: they are 'stopped' in state.
// BENCH_RUNS (default 9), BENCH_TENANTS (default 200); BENCH_TRACE=1 prints reconcile's step timings;
// BENCH_ISOLATION_OFF=1 runs with FEATHER_TENANT_ISOLATION_RULES=off, to see what that check costs.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../scripts/lib/private-caddy.mjs';
import { CLI, IMAGE, ROOT, compare, median, podmanService, report, socketFloor } from './lib.mjs';

// From the build (npm run bench builds first), imported by path so type-checking needs no dist/;
// typed from src/, which the build mirrors.
const { ACCESS_LOG_KEY, SERVER_LOGGER_NAME, desiredAccessLog, desiredWakeRoute } = /** @type {typeof import('../src/caddy/wake-config.js')} */ (await import(join(ROOT, 'dist/caddy/wake-config.js')));
const N = Number(process.env.BENCH_RUNS ?? 9);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 200);
const PREFIX = 'ftbenchr-';
const RANGE = { first: 30501, last: 30500 + TENANTS };
const dir = mkdtempSync(join(tmpdir(), 'ft-bench-rec-'));
// Like the birth's caddy.json, the base config holds the wake route and access log that
// reconcile would otherwise set up (once) on the first run.
const wake = { prefix: PREFIX, domain: 'bench.test', wakeListen: `127.0.0.1:${await freePort()}`, accessLog: join(dir, 'access.log') };

/** A private Caddy that can be restarted from its base config (runtime routes lost), counting config changes. */
async function caddyFromBase() {
  const [adminPort, httpPort] = [await freePort(), await freePort()];
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const file = join(dir, 'caddy.json');
  mkdirSync(join(dir, 'xdg'), { recursive: true });
  writeFileSync(file, JSON.stringify({
    admin: { listen: `127.0.0.1:${adminPort}` },
    logging: { logs: { [ACCESS_LOG_KEY]: desiredAccessLog(wake.accessLog, SERVER_LOGGER_NAME) } },
    apps: { http: { servers: { tenants: {
      listen: [`127.0.0.1:${httpPort}`], automatic_https: { disable: true },
      routes: [{ handle: [{ handler: 'static_response', status_code: 404, body: 'no such tenant\n' }] }],
      logs: { default_logger_name: SERVER_LOGGER_NAME },
      errors: { routes: [desiredWakeRoute(wake)] },
    } } } },
  }));
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let proc;
  const c = {
    adminUrl,
    changes: 0,
    async start() {
      const child = spawn('caddy', ['run', '--config', file], { env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg'), XDG_DATA_HOME: join(dir, 'xdg') }, stdio: ['ignore', 'ignore', 'pipe'] });
      proc = child;
      // Caddy logs each admin request on stderr; each mutating one is a whole-config reload.
      child.stderr.on('data', (d) => { c.changes += (String(d).match(/"msg":"received request","method":"(POST|PUT|PATCH|DELETE)"/g) ?? []).length; });
      for (let i = 0; i < 200; i++) {
        try { if ((await fetch(`${adminUrl}/config/`)).ok) return; } catch { /* not up yet */ }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('caddy did not start');
    },
    stop: () => new Promise((resolve) => {
      if (!proc || proc.exitCode !== null) return resolve(undefined);
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
  await c.start();
  return c;
}

const caddy = await caddyFromBase();
const service = await podmanService(dir);
const env = {
  PATH: process.env.PATH, HOME: dir,
  FEATHER_TENANT_CONFIG: join(dir, 'config.json'), FEATHER_TENANT_STATE_DIR: join(dir, 'state'),
  FEATHER_TENANT_PREFIX: PREFIX, FEATHER_TENANT_PORTS: `${RANGE.first}-${RANGE.last}`, FEATHER_TENANT_IMAGE: IMAGE,
  FEATHER_TENANT_DOMAIN: 'bench.test', FEATHER_TENANT_SCHEME: 'http', FEATHER_TENANT_CADDY_ADMIN: caddy.adminUrl,
  FEATHER_TENANT_WAKE_LISTEN: wake.wakeListen, FEATHER_TENANT_ACCESS_LOG: wake.accessLog,
  ...(process.env.BENCH_ISOLATION_OFF ? { FEATHER_TENANT_ISOLATION_RULES: 'off' } : {}),
  ...(process.env.BENCH_TRACE ? { FEATHER_TENANT_TRACE: '1' } : {}),
};
writeFileSync(env.FEATHER_TENANT_CONFIG, '{}');
const ft = (/** @type {string[]} */ ...args) => execa('node', [CLI, ...args], { env, extendEnv: false });
const routesUrl = `${caddy.adminUrl}/config/apps/http/servers/tenants/routes`;
/** @type {import('./lib.mjs').Row[]} */
const rows = [];

try {
  // Seed: rows (stopped), created containers with our labels and published port, and routes.
  const { openDb } = /** @type {typeof import('../src/store/db.js')} */ (await import(join(ROOT, 'dist/store/db.js')));
  const { TenantStore } = /** @type {typeof import('../src/store/tenants.js')} */ (await import(join(ROOT, 'dist/store/tenants.js')));
  const { tenantRouteFor } = /** @type {typeof import('../src/caddy/routes.js')} */ (await import(join(ROOT, 'dist/caddy/routes.js')));
  const { resolveConfig } = /** @type {typeof import('../src/core/config.js')} */ (await import(join(ROOT, 'dist/core/config.js')));
  // The routes reconcile itself would make under this configuration (the summary path included).
  const config = resolveConfig(env);
  const store = new TenantStore(openDb(env.FEATHER_TENANT_STATE_DIR));
  const names = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
  /** @type {unknown[]} */
  const routes = [];
  for (let i = 0; i < names.length; i += 10) {
    await Promise.all(names.slice(i, i + 10).map(async (n) => {
      const obj = `${PREFIX}${n}`;
      const row = store.reserve({ name: n, image: IMAGE, volume: obj, secret: obj, range: RANGE, alsoUsed: new Set(), now: Date.now() });
      await execa('podman', ['create', '--name', obj, '-p', `127.0.0.1:${row.port}:8080`,
        ...['managed=true', `prefix=${PREFIX}`, `tenant=${n}`, `secret=${obj}`].flatMap((l) => ['--label', `io.feather-tenant.${l}`]), IMAGE]);
      store.activate(n, 'x', 'scrypt$x', Date.now());
      store.setDesired(n, 'stopped', Date.now());
      routes.push(tenantRouteFor(config, n, row.port));
    }));
  }
  const catchAll = /** @type {unknown[]} */ (await (await fetch(routesUrl)).json()).at(-1);
  const allRoutes = JSON.stringify([...routes, catchAll]);
  const patch = () => fetch(routesUrl, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: allRoutes });
  await patch();
  const check = JSON.parse((await ft('reconcile', '--json')).stdout);
  if (check.changes.length) throw new Error(`seeded world is not converged: ${JSON.stringify(check.changes.slice(0, 3))}`);

  // The raw steps reconcile wraps, each as its own process like an operator would run them.
  const ps = () => execa('podman', ['ps', '-a', '--format', 'json', '--filter', `name=^${PREFIX}`]);
  const get = () => execa('curl', ['-sf', `${caddy.adminUrl}/config/apps/http/servers`]);

  // 1. Nothing to do: ours reading through podman processes (as before) and through podman's API socket.
  {
    const viaSocket = { ...env, FEATHER_TENANT_PODMAN_SOCKET: service.socket };
    const c = await compare(N, () => ft('reconcile'), async () => { await ps(); await get(); });
    rows.push({ what: `\`reconcile\`, ${TENANTS} tenants, nothing to do, podman CLI reads, vs \`podman ps\` + GET servers`, ours: c.a, raw: c.b, aim: 'within 1.3x', fixedCost: 'ratio' });
    const r = await compare(N, () => execa('node', [CLI, 'reconcile'], { env: viaSocket, extendEnv: false }), async () => { await ps(); await get(); });
    rows.push({ what: `\`reconcile\`, ${TENANTS} tenants, nothing to do, API socket reads, vs \`podman ps\` + GET servers`, ours: r.a, raw: r.b, aim: 'within 1.3x', fixedCost: 'ratio' });
    // The least any CLI started by node can take: a bare node that runs the same two reads.
    const floor = `const { spawnSync } = require('node:child_process');
      spawnSync('podman', ['ps', '-a', '--format', 'json', '--filter', 'name=^${PREFIX}'], { stdio: 'ignore' });
      spawnSync('curl', ['-sf', '${caddy.adminUrl}/config/apps/http/servers'], { stdio: 'ignore' });`;
    const f = await compare(N, () => execa('node', ['-e', floor], { env }), async () => { await ps(); await get(); });
    rows.push({ what: 'floor: bare `node` running those two reads vs the reads', ours: f.a, raw: f.b, aim: '-', fixedCost: 'floor' });
    // The new floor: the container read as one request to the API socket (curl, and a bare node), then the GET.
    const listing = `/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ name: [`^${PREFIX}`] }))}`;
    const rawSocket = async () => { await execa('curl', service.curlArgs(listing)); await get(); };
    const a = await compare(N, () => execa('node', [CLI, 'reconcile'], { env: viaSocket, extendEnv: false }), rawSocket);
    rows.push({ what: '`reconcile`, API socket reads, vs the raw socket read (`curl --unix-socket`) + GET servers', ours: a.a, raw: a.b, aim: '-', fixedCost: 'floor' });
    const g = await compare(N, () => execa('node', ['-e', socketFloor(service.socket, [listing], [`${caddy.adminUrl}/config/apps/http/servers`])]), rawSocket);
    rows.push({ what: 'floor: bare `node` making those two reads (socket, then GET) vs curl', ours: g.a, raw: g.b, aim: '-', fixedCost: 'floor' });
  }

  // 2. After a Caddy restart from its base config: every route to restore. Restarts are not timed.
  {
    /** @type {number[]} */
    const ours = [];
    /** @type {number[]} */
    const raw = [];
    const changes = [];
    for (let i = 0; i < Math.max(3, Math.ceil(N / 2)); i++) {
      for (const side of ['ours', 'raw']) {
        await caddy.stop();
        await caddy.start();
        const before = caddy.changes;
        const t0 = performance.now();
        if (side === 'ours') {
          const run = await ft('reconcile', '--json'); if (process.env.BENCH_TRACE) console.error(run.stderr);
          const out = JSON.parse(run.stdout);
          if (out.changes.length !== TENANTS) throw new Error(`expected ${TENANTS} route restores, got ${out.changes.length}`);
        } else {
          await ps();
          await get();
          await execa('curl', ['-sf', '-X', 'PATCH', '-H', 'content-type: application/json', '--data-binary', allRoutes, routesUrl]);
        }
        (side === 'ours' ? ours : raw).push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 200)); // let Caddy's log of the change arrive
        if (side === 'ours') changes.push(caddy.changes - before);
      }
    }
    rows.push({ what: `\`reconcile\` restoring ${TENANTS} routes after a Caddy restart vs \`podman ps\` + GET + one PATCH`, ours: median(ours), raw: median(raw), aim: '-' });
    console.log(`config changes made by reconcile to restore ${TENANTS} routes: ${[...new Set(changes)].join(', ')} (aim: 1)`);
  }
} finally {
  const ids = (await execa('podman', ['ps', '-aq', '--filter', `label=io.feather-tenant.prefix=${PREFIX}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await execa('podman', ['rm', '-f', ...ids]);
  await caddy.stop();
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
}

report(rows);
