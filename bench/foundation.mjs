#!/usr/bin/env node
// Issue 2's benchmark, in one run, each of ours side by side with the raw steps it wraps:
//  1. `feather-tenant --version` against `node -e 0` (startup overhead)
//  2. `add` + `remove --purge --yes` against the same podman and curl steps done by hand
//  3. `list` with 200 tenants in state (created, not started) against one `podman ps -a --format json`
//  4. `list` with 100 RUNNING tenants against the same (issue 11's measure: running containers
//     carry ports, pids and start times, which make podman's answer and ours bigger), reading
//     through podman processes and through podman's API socket; the floors: a bare node that runs
//     only that podman ps, and the raw socket read (curl, and a bare node)
import { execa } from 'execa';
import { request } from 'node:http';
import { join } from 'node:path';
import { benchStack, compare, podmanService, report, socketFloor, CLI, IMAGE, ROOT } from './lib.mjs';

const N = Number(process.env.BENCH_RUNS ?? 7);
// A node that only runs podman with the arguments after -e's script, and waits for it.
const FLOOR = "require('node:child_process').spawnSync('podman', process.argv.slice(1), { stdio: 'ignore' })";
/** @type {import('./lib.mjs').Row[]} */
const rows = [];

/**
 * Seeds `count` tenants in the stack's state and podman, 10 at a time: a state row each, and a
 * container with our labels made by `podman create` (not started) or `podman run -d` (running).
 * @param {Awaited<ReturnType<typeof benchStack>>} s
 * @param {string} prefix
 * @param {{ first: number, last: number }} range
 * @param {number} count
 * @param {'create' | 'run'} how
 */
async function seedTenants(s, prefix, range, count, how) {
  const { openDb } = /** @type {typeof import('../src/store/db.js')} */ (await import(join(ROOT, 'dist/store/db.js')));
  const { TenantStore } = /** @type {typeof import('../src/store/tenants.js')} */ (await import(join(ROOT, 'dist/store/tenants.js')));
  const store = new TenantStore(openDb(String(s.env.FEATHER_TENANT_STATE_DIR)));
  const names = Array.from({ length: count }, (_, i) => `t${i}`);
  for (let i = 0; i < names.length; i += 10) {
    await Promise.all(names.slice(i, i + 10).map(async (n) => {
      const row = store.reserve({ name: n, image: IMAGE, volume: `${prefix}${n}`, range, alsoUsed: new Set(), now: Date.now() });
      const verb = how === 'run' ? ['run', '-d'] : ['create'];
      await execa('podman', [...verb, '--name', `${prefix}${n}`, '--label', 'io.feather-tenant.managed=true', '--label', `io.feather-tenant.prefix=${prefix}`, '--label', `io.feather-tenant.tenant=${n}`, '-p', `127.0.0.1:${row.port}:8080`, IMAGE]);
      store.activate(n, 'x', 'scrypt$x', Date.now());
    }));
  }
}

// 1. Startup.
{
  const r = await compare(20, () => execa('node', [CLI, '--version']), () => execa('node', ['-e', '0']));
  rows.push({ what: '`--version` vs `node -e 0`', ours: r.a, raw: r.b, aim: 'within 40 ms', fixedCost: 'difference' });
}

// 2. add + remove against the raw steps.
{
  const s = await benchStack('ftbench-', '19701-19702');
  const { runArgv } = /** @type {typeof import('../src/podman/run-args.js')} */ (await import(join(ROOT, 'dist/podman/run-args.js')));
  const { tenantRunSpec } = /** @type {typeof import('../src/core/tenant-run-spec.js')} */ (await import(join(ROOT, 'dist/core/tenant-run-spec.js')));
  const { resolveConfig } = /** @type {typeof import('../src/core/config.js')} */ (await import(join(ROOT, 'dist/core/config.js')));
  const cfg = resolveConfig({ ...s.env, FEATHER_TENANT_PREFIX: 'ftraw-', FEATHER_TENANT_PORTS: '19711-19712' });
  const podman = (/** @type {string[]} */ ...a) => execa('podman', a);
  const probe = (/** @type {number} */ port) => new Promise((res) => {
    const q = request({ host: '127.0.0.1', port, path: '/', agent: false }, (r) => { r.resume(); res(true); });
    q.on('error', () => res(false));
    q.end();
  });
  const route = (/** @type {string} */ n, /** @type {number} */ port) => ({ '@id': `ftraw-${n}`, match: [{ host: [`${n}.bench.test`] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${port}` }] }], terminal: true });
  const raw = async (/** @type {number} */ i) => {
    const n = `raw${i}`;
    const obj = `ftraw-${n}`;
    const labels = ['--label', 'io.feather-tenant.prefix=ftraw-'];
    await Promise.all([
      podman('volume', 'create', ...labels, obj),
      podman('network', 'create', '--opt', 'isolate=true', ...labels, obj),
      execa('podman', ['secret', 'create', '--env', obj, 'PW'], { env: { PW: 'x'.repeat(24) } }),
    ]);
    await podman(...runArgv('run', tenantRunSpec(cfg, { name: n, port: 19711, image: IMAGE }, {})));
    while (!(await probe(19711))) await new Promise((r) => setTimeout(r, 25));
    await fetch(`${s.caddy.adminUrl}/config/apps/http/servers/tenants/routes/0`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(route(n, 19711)) });
    await fetch(`${s.caddy.adminUrl}/id/${obj}`, { method: 'DELETE' });
    await podman('rm', '-f', '-t', '5', obj);
    await Promise.all([podman('network', 'rm', obj), podman('secret', 'rm', obj), podman('volume', 'rm', obj)]);
  };
  const ours = async (/** @type {number} */ i) => {
    await s.ft('add', `ours${i}`);
    await s.ft('remove', `ours${i}`, '--purge', '--yes');
  };
  try {
    const r = await compare(N, ours, raw);
    rows.push({ what: '`add` + `remove --purge` vs raw podman+curl steps', ours: r.a, raw: r.b, aim: 'within 1.2x' });
  } finally {
    await s.close();
  }
}

// 3. list with 200 tenants: 200 created (not started) containers with our labels, 200 rows.
{
  const s = await benchStack('ftbenchl-', '30001-30400');
  try {
    await seedTenants(s, 'ftbenchl-', { first: 30001, last: 30400 }, 200, 'create');
    const r = await compare(N + 3, () => s.ft('list', '--json'), () => execa('podman', ['ps', '-a', '--format', 'json']));
    rows.push({ what: '`list` (200 tenants) vs one `podman ps -a --format json`', ours: r.a, raw: r.b, aim: 'within 1.3x' });
  } finally {
    await s.close(); // removes the 200 containers too (all named with the prefix)
  }
}

// 4. list with 100 running tenants: 100 started containers with our labels, 100 rows. Ours runs
//    both ways: reading through podman processes (FEATHER_TENANT_PODMAN_SOCKET unset, as before)
//    and through podman's API socket (a `podman system service` on a private socket).
{
  const s = await benchStack('ftbenchp-', '30501-30600');
  const service = await podmanService(s.dir);
  const count = 100;
  const list = (/** @type {Record<string, string>} */ extra) => execa('node', [CLI, 'list', '--json'], { env: { ...s.env, ...extra }, extendEnv: false });
  const viaSocket = { FEATHER_TENANT_PODMAN_SOCKET: service.socket };
  // The same listing list makes (by name prefix), so other containers on the machine weigh on neither side.
  const ps = () => execa('podman', ['ps', '-a', '--format', 'json', '--filter', 'name=^ftbenchp-']);
  const listing = `/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ name: ['^ftbenchp-'] }))}`;
  const curl = () => execa('curl', service.curlArgs(listing));
  try {
    await seedTenants(s, 'ftbenchp-', { first: 30501, last: 30600 }, count, 'run');
    for (const extra of [{}, viaSocket]) {
      const running = JSON.parse((await list(extra)).stdout).filter((/** @type {{ state: string }} */ t) => t.state === 'running').length;
      if (running !== count) throw new Error(`expected ${count} running tenants, list shows ${running}`);
    }
    const c = await compare(N + 3, () => list({}), ps);
    rows.push({ what: '`list --json` (100 running tenants), podman CLI reads, vs one `podman ps -a --format json --filter name=^PREFIX`', ours: c.a, raw: c.b, aim: 'within 1.3x', fixedCost: 'ratio' });
    const r = await compare(N + 3, () => list(viaSocket), ps);
    rows.push({ what: '`list --json` (100 running tenants), API socket reads, vs one `podman ps -a --format json --filter name=^PREFIX`', ours: r.a, raw: r.b, aim: 'within 1.3x', fixedCost: 'ratio' });
    // The least any CLI started by node can take: a bare node that runs the same podman ps.
    const f = await compare(N + 3, () => execa('node', ['-e', FLOOR, 'ps', '-a', '--format', 'json', '--filter', 'name=^ftbenchp-']), ps);
    rows.push({ what: 'floor: bare `node` running that `podman ps` vs the `podman ps`', ours: f.a, raw: f.b, aim: '-', fixedCost: 'floor' });
    // The new floor: the same listing as one request to the API socket, raw (curl) and from a bare node.
    const a = await compare(N + 3, () => list(viaSocket), curl);
    rows.push({ what: '`list --json`, API socket reads, vs the raw socket read (`curl --unix-socket`)', ours: a.a, raw: a.b, aim: '-', fixedCost: 'floor' });
    const g = await compare(N + 3, () => execa('node', ['-e', socketFloor(service.socket, [listing])]), curl);
    rows.push({ what: 'floor: bare `node` making that socket read vs `curl --unix-socket`', ours: g.a, raw: g.b, aim: '-', fixedCost: 'floor' });
  } finally {
    await service.stop();
    await s.close(); // removes the 100 containers too (all named with the prefix)
  }
}

report(rows);
