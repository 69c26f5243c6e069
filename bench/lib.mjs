// Shared by the benchmarks: a private stack (Caddy, state dir, prefix), timing and reporting.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCaddy } from '../scripts/lib/private-caddy.mjs';

export const ROOT = resolve(import.meta.dirname, '..');
// From the build (npm run bench builds first), imported by path so type-checking needs no dist/;
// typed from src/, which the build mirrors.
const { IptablesFirewall } = /** @type {typeof import('../src/firewall/iptables.js')} */ (await import(join(ROOT, 'dist/firewall/iptables.js')));
export const CLI = join(ROOT, 'bin/feather-tenant.js');
export const IMAGE = process.env.FEATHER_TEST_IMAGE ?? 'localhost/feather-work-test:latest';

/**
 * A private stack: Caddy (its own ports), state dir, prefix, and the CLI's env (`env(dir)` adds
 * settings). close() also
 * removes whatever podman objects of the prefix a failed run left (isolation rules first, as
 * the CLI's own network removal does).
 */
/**
 * @param {string} prefix
 * @param {string} ports
 * @param {{ domain?: string, env?: (dir: string) => Record<string, string> }} [opts]
 */
export async function benchStack(prefix, ports, { domain = 'bench.test', env: extra = () => ({}) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ft-bench-'));
  const caddy = await startCaddy(join(dir, 'caddy'));
  const config = join(dir, 'config.json');
  /** @type {Record<string, string> & { FEATHER_TENANT_STATE_DIR: string }} */
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    FEATHER_TENANT_CONFIG: config,
    FEATHER_TENANT_STATE_DIR: join(dir, 'state'),
    FEATHER_TENANT_PREFIX: prefix,
    FEATHER_TENANT_PORTS: ports,
    FEATHER_TENANT_IMAGE: IMAGE,
    FEATHER_TENANT_DOMAIN: domain,
    FEATHER_TENANT_SCHEME: 'http',
    FEATHER_TENANT_CADDY_ADMIN: caddy.adminUrl,
    ...extra(dir),
  };
  writeFileSync(config, '{}');
  return {
    dir, prefix, caddy, env, httpPort: caddy.httpPort,
    ft: (/** @type {string[]} */ ...args) => execa('node', [CLI, ...args], { env, extendEnv: false }),
    async close() {
      await caddy.stop();
      await removeObjects(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Containers, networks (with their isolation rules), volumes and secrets whose names start with prefix. */
/** @param {string} prefix */
async function removeObjects(prefix) {
  /** @param {string[]} args  @param {string} [field] */
  const names = async (args, field = '{{.Name}}') => String((await execa('podman', [...args, '--format', field], { reject: false })).stdout).split('\n').filter((n) => n.startsWith(prefix));
  const containers = await names(['ps', '-a'], '{{.Names}}');
  if (containers.length) await execa('podman', ['rm', '-f', '-t', '0', ...containers], { reject: false });
  const networks = await names(['network', 'ls']);
  const firewall = new IptablesFirewall(process.env);
  for (const n of networks) {
    const bridge = String((await execa('podman', ['network', 'inspect', '--format', '{{.NetworkInterface}}', n], { reject: false })).stdout).trim();
    if (bridge) await firewall.release(bridge).catch(() => {});
  }
  if (networks.length) await execa('podman', ['network', 'rm', '-f', ...networks], { reject: false });
  const volumes = await names(['volume', 'ls']);
  if (volumes.length) await execa('podman', ['volume', 'rm', '-f', ...volumes], { reject: false });
  const secrets = await names(['secret', 'ls']);
  if (secrets.length) await execa('podman', ['secret', 'rm', ...secrets], { reject: false });
}

/**
 * `podman system service` on a private socket, for the reads through podman's API socket
 * (FEATHER_TENANT_PODMAN_SOCKET); `stop()` ends it. `curlArgs(path)` reads an API path the raw way.
 * @param {string} dir
 */
export async function podmanService(dir) {
  const socket = join(dir, 'podman.sock');
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  const curlArgs = (/** @type {string} */ path) => ['-sf', '-o', '/dev/null', '--unix-socket', socket, `http://podman/v4.0.0/libpod${path}`];
  for (let i = 0; ; i++) {
    if ((await execa('curl', curlArgs('/_ping'), { reject: false })).exitCode === 0) break;
    if (i === 100) throw new Error('podman system service did not answer');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    socket,
    curlArgs,
    /** @returns {Promise<void>} */
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * A `node -e` script that GETs these libpod API paths over the socket one after the other, then
 * `urls` over TCP: the least a CLI started by node can take for the same reads.
 * @param {string} socket  @param {string[]} paths  @param {string[]} [urls]
 */
export function socketFloor(socket, paths, urls = []) {
  const asks = [...paths.map((p) => ({ socketPath: socket, path: `/v4.0.0/libpod${p}` })), ...urls];
  return `const http = require('node:http'); const asks = ${JSON.stringify(asks)};
    (function next(i) { if (i < asks.length) http.get(asks[i], (r) => { r.resume(); r.on('end', () => next(i + 1)); }); })(0);`;
}

/** @param {() => Promise<unknown>} fn  @returns {Promise<number>} milliseconds */
export async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** @param {number[]} xs  @returns {number} NaN for no samples */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (/** @type {number} */ i) => s[i] ?? NaN;
  return s.length % 2 ? at((s.length - 1) / 2) : (at(s.length / 2 - 1) + at(s.length / 2)) / 2;
};

/** Runs a and b alternately n times (so drift hits both alike) and returns their medians. */
/**
 * @param {number} n
 * @param {(i: number) => Promise<unknown>} a
 * @param {(i: number) => Promise<unknown>} b
 */
export async function compare(n, a, b) {
  /** @type {number[]} */
  const ta = [];
  /** @type {number[]} */
  const tb = [];
  for (let i = 0; i < n; i++) {
    ta.push(await time(() => a(i)));
    tb.push(await time(() => b(i)));
  }
  return { a: median(ta), b: median(tb) };
}

/**
 * @typedef {{ what: string, ours: number, raw: number, aim: string, fixedCost?: 'ratio' | 'difference' | 'floor' }} Row
 * A measurement against its raw steps (ms); fixedCost marks the three of issue 11 (the CLI's fixed
 * cost), which bench/all.mjs prints again side by side, judged by ratio or by difference; 'floor'
 * marks a bare node doing only the raw steps, the least a CLI started by node can take.
 */

/** @param {Row[]} rows  Printed, and appended as JSON lines to $BENCH_ROWS_FILE when bench/all.mjs runs us. */
export function report(rows) {
  const file = process.env.BENCH_ROWS_FILE;
  if (file) for (const r of rows) appendFileSync(file, `${JSON.stringify(r)}\n`);
  console.log('\n| measurement | ours (median ms) | raw (median ms) | ratio | difference (ms) | aim |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.what} | ${r.ours.toFixed(1)} | ${r.raw.toFixed(1)} | ${(r.ours / r.raw).toFixed(2)}x | ${(r.ours - r.raw).toFixed(1)} | ${r.aim} |`);
  }
}
