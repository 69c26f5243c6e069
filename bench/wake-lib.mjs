// Shared by the sleep/wake benches (wake.mjs, wake-mechanism.mjs): a private Caddy, state dir
// and prefix (like the e2e stack) with a watchdog, and timing helpers. cleanup() removes all of it.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../scripts/lib/private-caddy.mjs';
import { benchStack, CLI, IMAGE, median } from './lib.mjs';

export { freePort, IMAGE, median };
export const DOMAIN = 'bench.local';

export const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
/** @param {number[]} xs  @param {number} p  @returns {number} NaN for no samples */
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
export const ms = (/** @type {number} */ x) => `${x.toFixed(1)} ms`;

/** Resolves at the first byte of the response (headers in), with status and the time taken. */
/**
 * @param {number} port  @param {string} host  @param {string} [path]
 * @param {{ method?: string, headers?: Record<string, string>, body?: string | Buffer }} [o]
 * @returns {Promise<{ status: number | undefined, ms: number, headers: import('node:http').IncomingHttpHeaders }>}
 */
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

/** A private Caddy with the given config (the mechanism bench compares route shapes). */
/** @param {string} dir  @param {{ admin: { listen: string } } & Record<string, unknown>} config */
export async function startCaddyWith(dir, config) {
  mkdirSync(dir, { recursive: true });
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

/** A bench stack (lib.mjs) with a wake listener and access log; `add` sets up the wake route. */
/** @param {string} name  @param {string} ports */
export async function startStack(name, ports) {
  const wakePort = await freePort();
  const base = await benchStack(`ftbench${process.pid.toString(36)}-`, ports, {
    domain: DOMAIN,
    env: (dir) => ({ FEATHER_TENANT_WAKE_LISTEN: `127.0.0.1:${wakePort}`, FEATHER_TENANT_ACCESS_LOG: join(dir, 'access.log') }),
  });
  const { env } = base;
  /** @type {import('node:child_process').ChildProcess[]} */
  const watchdogs = [];
  return {
    ...base, wakePort,
    run: async (/** @type {string[]} */ args, /** @type {Record<string, string>} */ extra = {}) => {
      const r = await execa('node', [CLI, ...args], { env: { ...env, ...extra }, extendEnv: false, reject: false });
      if (r.exitCode !== 0) throw new Error(`feather-tenant ${name}: ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    },
    /** @param {Record<string, string>} [extra] */
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
      await base.close();
    },
  };
}
