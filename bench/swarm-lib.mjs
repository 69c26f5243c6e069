// The swarm benches' view of the two-node harness (scripts/swarm-harness.sh), as test/swarm/cluster.ts
// is the tests' (node 20 runs no .ts, so the bench has its own): FEATHER_SWARM_NS, _BASE and
// _SUBNET are the harness's (passed on to it; the addresses come from its `env` output), the CLI,
// the watchdog and curl run in the manager's network namespace, where Caddy's ports are. The
// watchdog's and the direct server's unix sockets are in the shared directory, reachable from here.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from './lib.mjs';

const NS = process.env.FEATHER_SWARM_NS ?? 'fts';
const HARNESS = join(ROOT, 'scripts/swarm-harness.sh');
const inManager = ['nsenter', `--net=/run/netns/${NS}-n1`, '--'];
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** The harness's `env` lines (DOCKER_HOST, FEATHER_TENANT_DOCKER, FEATHER_SWARM_SHARED, maybe FEATHER_TENANT_CADDY_ADMIN). */
async function harnessEnv() {
  const out = String((await execa('bash', [HARNESS, 'env'])).stdout);
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Polls `ok` every 10 ms (as bench/wake.mjs polls a port) until it holds; throws after `ms`. */
/** @param {() => Promise<boolean>} ok  @param {string} what  @param {number} [ms] */
export async function until(ok, what, ms = 60_000) {
  const end = performance.now() + ms;
  while (!(await ok())) {
    if (performance.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(10);
  }
}

/** Whether the tenant's app answers (any status) through Caddy's direct server: the watchdog's own probe (src/wake/swarm-port.ts). */
/** @param {string} socketPath  @param {string} name */
const answersDirect = (socketPath, name) => new Promise((resolve) => {
  const req = request({ socketPath, path: '/', headers: { 'x-feather-tenant': name }, agent: false, timeout: 1_000 }, (res) => {
    res.resume();
    resolve(res.headers['x-feather-direct'] === '1');
  });
  req.on('timeout', () => req.destroy());
  req.on('error', () => resolve(false));
  req.end();
});

/**
 * The harness (brought up when it is not, and then taken down by close()) and a CLI of its own
 * prefix and state dir, with sleep and wake configured as docs/many-servers.md says.
 * @param {{ prefix: string, domain: string, image: string }} o
 */
export async function swarmSide({ prefix, domain, image }) {
  let h = await harnessEnv();
  const docker = (/** @type {1 | 2} */ n, /** @type {string[]} */ ...args) =>
    execa(h.FEATHER_TENANT_DOCKER ?? 'docker', ['-H', (h.DOCKER_HOST ?? '').replace('/n1/', `/n${n}/`), ...args], { reject: false });
  const broughtUp = (await docker(1, 'info')).exitCode !== 0;
  if (broughtUp) {
    await execa('bash', [HARNESS, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
    h = await harnessEnv();
  }
  const shared = h.FEATHER_SWARM_SHARED ?? '';
  const admin = h.FEATHER_TENANT_CADDY_ADMIN ?? 'http://127.0.0.1:2019';
  const state = mkdtempSync(join(tmpdir(), `${prefix}state-`));
  writeFileSync(join(state, 'config.json'), '{}');
  const direct = join(shared, `${prefix}direct.sock`);
  const watchdogSock = join(shared, `${prefix}watchdog.sock`);
  /** @type {Record<string, string>} */
  const env = {
    FEATHER_TENANT_BACKEND: 'swarm', FEATHER_TENANT_DOCKER: h.FEATHER_TENANT_DOCKER ?? 'docker', DOCKER_HOST: h.DOCKER_HOST ?? '',
    FEATHER_TENANT_CONFIG: join(state, 'config.json'), FEATHER_TENANT_STATE_DIR: state, FEATHER_TENANT_CADDY_ADMIN: admin,
    FEATHER_TENANT_PREFIX: prefix, FEATHER_TENANT_DOMAIN: domain, FEATHER_TENANT_SCHEME: 'http', FEATHER_TENANT_IMAGE: image,
    FEATHER_TENANT_ACCESS_LOG: join(shared, 'access.log'), FEATHER_TENANT_WAKE_LISTEN: `unix:${watchdogSock}`,
    FEATHER_TENANT_SWARM_DIRECT: `unix:${direct}`, FEATHER_TENANT_ADMIN_LISTEN: 'off',
  };
  const manager = (/** @type {string[]} */ argv, /** @type {Record<string, string>} */ extra = {}) =>
    execa(inManager[0] ?? 'nsenter', [...inManager.slice(1), ...argv], { env: { ...process.env, ...env, ...extra }, reject: false });
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let watchdog;
  /** @type {Set<string>} */
  const added = new Set();

  return {
    env, state, docker, answers: (/** @type {string} */ name) => answersDirect(direct, name),
    /** The CLI on the manager; throws on a non-zero exit. */
    async cli(/** @type {string[]} */ args, /** @type {Record<string, string>} */ extra = {}) {
      if (args[0] === 'add') added.add(args[1] ?? '');
      const r = await manager([process.execPath, CLI, ...args], extra);
      if (r.exitCode !== 0) throw new Error(`feather-tenant ${args.join(' ')} (swarm): ${r.stderr}`);
      return String(r.stdout);
    },
    /** A GET through Caddy on the manager with the tenant's Host header: status and request-to-first-byte (curl's). */
    async firstByte(/** @type {string} */ name) {
      const r = await manager(['curl', '-s', '-o', '/dev/null', '-m', '60', '-w', '%{http_code} %{time_starttransfer}', '-H', `Host: ${name}.${domain}`, 'http://127.0.0.1:8080/']);
      const [code, secs] = String(r.stdout).split(' ');
      return { status: Number(code), ms: Number(secs) * 1000 };
    },
    /** The watchdog's last "wake finished" (its own measure: wake lease to the probe's first answer), ms. */
    lastWakeMs() {
      const lines = readFileSync(join(state, 'watchdog.log'), 'utf8').split('\n').filter((l) => l.includes('"wake finished"'));
      return Number(JSON.parse(lines.at(-1) ?? '{}').ms ?? NaN);
    },
    /** The watchdog on the manager (its log in the state dir), once it answers on its socket. */
    async startWatchdog(/** @type {Record<string, string>} */ extra = {}) {
      const log = openSync(join(state, 'watchdog.log'), 'w');
      watchdog = spawn(inManager[0] ?? 'nsenter', [...inManager.slice(1), process.execPath, CLI, 'watchdog'], { env: { ...process.env, ...env, ...extra }, stdio: ['ignore', log, log] });
      closeSync(log);
      const health = () => new Promise((resolve) => {
        request({ socketPath: watchdogSock, path: '/healthz', agent: false }, (r) => { r.resume(); resolve(r.statusCode === 200); })
          .on('error', () => resolve(false)).end();
      });
      await until(async () => Boolean(await health()), 'the watchdog on its socket', 30_000);
    },
    /** Stops the watchdog, removes the tenants (their volumes too, on node 2), Caddy's wake route and direct server, the state dir; the harness if it was brought up here. */
    async close() {
      const w = watchdog;
      if (w && w.exitCode === null && w.signalCode === null) {
        const exited = new Promise((r) => w.once('exit', r));
        w.kill('SIGTERM');
        const killer = setTimeout(() => w.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      for (const name of added) {
        await manager([process.execPath, CLI, 'remove', name]);
        // remove keeps the volume; the task's container goes a moment after its service
        for (let i = 0; i < 50 && (await docker(2, 'volume', 'rm', `${prefix}${name}`)).exitCode !== 0; i++) await sleep(200);
      }
      if (!broughtUp) {
        const adminCall = (/** @type {string} */ method, /** @type {string} */ path) => (admin.startsWith('unix')
          // an empty Host header: the only one Caddy's admin accepts on a socket
          ? manager(['curl', '-s', '-X', method, '--unix-socket', admin.replace(/^unix:?\/*/, '/'), '-H', 'Host;', `http://localhost${path}`])
          : manager(['curl', '-s', '-X', method, `${admin}${path}`]));
        await adminCall('DELETE', `/id/${prefix}wake`);
        // An empty error-route list is left out, not left behind: `add`'s wake setup PUTs at index 0
        // of a list it finds, which Caddy 2.6 refuses for an empty one (500 "array index out of bounds").
        const errors = '/config/apps/http/servers/tenants/errors';
        if (String((await adminCall('GET', `${errors}/routes`)).stdout).trim() === '[]') await adminCall('DELETE', errors);
        await adminCall('DELETE', `/config/apps/http/servers/${prefix}direct`);
        rmSync(direct, { force: true });
        rmSync(watchdogSock, { force: true });
      }
      rmSync(state, { recursive: true, force: true });
      if (broughtUp) await execa('bash', [HARNESS, 'down'], { reject: false });
    },
  };
}
