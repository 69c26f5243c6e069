// Shared by the sleep/wake benches: a private Caddy, state dir and prefix (like the e2e stack),
// the built CLI, and small timing helpers. Everything made here is removed by cleanup().
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin/feather-tenant.js');
export const IMAGE = process.env.FEATHER_BENCH_IMAGE ?? 'localhost/feather-work-test:latest';
export const DOMAIN = 'bench.local';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
export const ms = (x) => `${x.toFixed(1)} ms`;

export function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Resolves at the first byte of the response (headers in), with status and the time taken. */
export function firstByte(port, host, path = '/', o = {}) {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { host, ...o.headers }, agent: false }, (r) => {
      const t = performance.now() - t0;
      r.resume();
      r.on('end', () => res({ status: r.statusCode, ms: t, headers: r.headers }));
    });
    req.on('error', rej);
    req.end(o.body);
  });
}

export async function startCaddy(dir, config) {
  const file = join(dir, 'caddy.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn('caddy', ['run', '--config', file], {
    env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg'), XDG_DATA_HOME: join(dir, 'xdg') }, stdio: 'ignore',
  });
  const admin = config.admin.listen;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://${admin}/config/`)).ok) return child;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error('caddy did not start');
}

/** A stack: Caddy with one server and a catch-all, env for the CLI; `add` sets up the wake route. */
export async function startStack(name, ports) {
  const dir = mkdtempSync(join(tmpdir(), `ftb-${name}-`));
  const prefix = `ftbench${process.pid.toString(36)}-`;
  const [adminPort, httpPort, wakePort] = await Promise.all([freePort(), freePort(), freePort()]);
  const caddy = await startCaddy(dir, {
    admin: { listen: `127.0.0.1:${adminPort}` },
    apps: { http: { servers: { tenants: {
      listen: [`127.0.0.1:${httpPort}`], automatic_https: { disable: true },
      routes: [{ handle: [{ handler: 'static_response', status_code: 404, body: 'no such tenant\n' }] }],
    } } } },
  });
  const env = {
    PATH: process.env.PATH, HOME: dir,
    FEATHER_TENANT_CONFIG: join(dir, 'none.json'), FEATHER_TENANT_STATE_DIR: join(dir, 'state'),
    FEATHER_TENANT_PREFIX: prefix, FEATHER_TENANT_PORTS: ports, FEATHER_TENANT_IMAGE: IMAGE,
    FEATHER_TENANT_DOMAIN: DOMAIN, FEATHER_TENANT_SCHEME: 'http', FEATHER_TENANT_CADDY_ADMIN: `http://127.0.0.1:${adminPort}`,
    FEATHER_TENANT_WAKE_LISTEN: `127.0.0.1:${wakePort}`, FEATHER_TENANT_ACCESS_LOG: join(dir, 'access.log'),
  };
  writeFileSync(env.FEATHER_TENANT_CONFIG, '{}');
  const watchdogs = [];
  const stack = {
    dir, prefix, env, httpPort, wakePort,
    run: async (args, extra = {}) => {
      const r = await execa('node', [CLI, ...args], { env: { ...env, ...extra }, extendEnv: false, reject: false });
      if (r.exitCode !== 0) throw new Error(`feather-tenant ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    },
    async watchdog(extra = {}) {
      const child = spawn('node', [CLI, 'watchdog'], { env: { ...env, ...extra }, stdio: 'ignore' });
      watchdogs.push(child);
      for (let i = 0; i < 200; i++) {
        try {
          if ((await fetch(`http://127.0.0.1:${wakePort}/healthz`)).ok) return child;
        } catch { /* not up yet */ }
        await sleep(50);
      }
      throw new Error('watchdog did not start');
    },
    async cleanup() {
      for (const w of watchdogs) w.kill('SIGTERM');
      caddy.kill('SIGTERM');
      const ps = await execa('podman', ['ps', '-a', '--format', '{{.Names}}', '--filter', `label=io.feather-tenant.prefix=${prefix}`]);
      const names = String(ps.stdout).split('\n').filter(Boolean);
      if (names.length) await execa('podman', ['rm', '-f', '-t', '0', ...names], { reject: false });
      for (const kind of ['network', 'volume']) {
        const ls = await execa('podman', [kind, 'ls', '--format', '{{.Name}}'], { reject: false });
        const mine = String(ls.stdout).split('\n').filter((n) => n.startsWith(prefix));
        if (mine.length) await execa('podman', [kind, 'rm', '-f', ...mine], { reject: false });
      }
      const secrets = await execa('podman', ['secret', 'ls', '--format', '{{.Name}}'], { reject: false });
      const mine = String(secrets.stdout).split('\n').filter((n) => n.startsWith(prefix));
      if (mine.length) await execa('podman', ['secret', 'rm', ...mine], { reject: false });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
