#!/usr/bin/env node
// The watchdog under load (npm run bench:load), loopback only, bounded, cleaned up even when a
// part fails. One private stack (its own Caddy, state dir, prefix, free ports), the login gate
// on (a private redis-server with an append-only file, so sessions outlive its restart), one
// tenant on the Node stand-in image (a real listen backlog: busybox's 9 would measure busybox).
//  1. A herd: HERD requests at once on the sleeping tenant: podman starts, answered, p50/p99,
//     the watchdog's peak descriptors and RSS; then the same with the watchdog's open-files
//     limit at 1,024, where FEATHER_TENANT_MAX_HELD's default (416) turns the rest away (503).
//  2. GATED gated requests to the awake tenant, CONCURRENCY at a time over keep-alive
//     connections: requests/s, p50/p99, the watchdog's RSS at start, middle and end.
//  3. Redis restarted (SIGKILL, then started again) under gated load: when the 503s came, how
//     long until requests passed again, and how many lines the watchdog logged meanwhile.
//  4. IMPATIENT clients on the sleeping tenant's slow endpoint, giving up after 2 s: the
//     watchdog's descriptors and the tenant's open connections, until they are back.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './lib.mjs';
import { DOMAIN, freePort, median, pct, sleep, startStack } from './wake-lib.mjs';

const HERD = Number(process.env.BENCH_HERD ?? 500);
const GATED = Number(process.env.BENCH_GATED ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const IMPATIENT = Number(process.env.BENCH_IMPATIENT ?? 300);
const REDIS_DOWN_MS = Number(process.env.BENCH_REDIS_DOWN_MS ?? 3_000);
const NODE_IMAGE = process.env.FEATHER_TEST_NODE_IMAGE ?? 'localhost/feather-work-node:latest';
const HOST = `alice.${DOMAIN}`;

// --- a private redis-server that can be killed and started again on the same port ---
const redisPort = await freePort();
const redisDir = mkdtempSync(join(tmpdir(), 'ft-bench-redis-'));
/** @type {import('node:child_process').ChildProcess | undefined} */
let redis;
const pong = () => new Promise((resolve) => {
  const s = createConnection({ host: '127.0.0.1', port: redisPort }, () => s.write('PING\r\n'));
  s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
  s.once('error', () => resolve(false));
});
async function startRedis() {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', redisDir], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(await pong()); i++) await sleep(25);
}
async function killRedis() {
  const proc = redis;
  if (!proc || proc.exitCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}

// --- the watchdog, with its log lines counted and its /proc sampled ---
/** @type {import('node:child_process').ChildProcess | undefined} */
let watchdog;
/** @type {string[]} */
let logLines = [];
/**
 * `nofile`: an open-files limit for it, soft and hard (Node raises its soft limit to the hard
 * one by itself at start, so only a hard limit bounds it).
 */
/** @param {Record<string, string>} env  @param {number} [nofile] */
async function startWatchdog(env, nofile) {
  const [bin, args] = nofile ? ['sh', ['-c', `ulimit -n ${nofile} && exec node "$0" watchdog`, CLI]] : ['node', [CLI, 'watchdog']];
  const child = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  watchdog = child;
  let partial = '';
  child.stderr.on('data', (d) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    logLines.push(...parts.filter(Boolean));
  });
  const url = `http://${env.FEATHER_TENANT_WAKE_LISTEN}/healthz`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(50);
  }
  throw new Error(`the watchdog did not start:\n${logLines.join('\n')}`);
}
const metric = async (/** @type {string} */ name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(await (await fetch(`http://${s.env.FEATHER_TENANT_WAKE_LISTEN}/metrics`)).text())?.[1]);
/** The running watchdog's pid: startWatchdog sets it before anything samples. */
const watchdogPid = () => {
  if (watchdog?.pid === undefined) throw new Error('no watchdog is running');
  return watchdog.pid;
};
const fds = () => readdirSync(`/proc/${watchdogPid()}/fd`).length;
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${watchdogPid()}/status`, 'utf8'))?.[1] ?? 0) / 1024;
function sampler() {
  const peak = { fds: fds(), rss: rssMb() };
  const t = setInterval(() => {
    peak.fds = Math.max(peak.fds, fds());
    peak.rss = Math.max(peak.rss, rssMb());
  }, 20);
  return { peak, stop: () => clearInterval(t) };
}

/** One GET through Caddy: status and milliseconds to the end of the response. */
/**
 * @typedef {{ status: number | string | undefined, ms: number, at: number, retryAfter?: string | undefined }} Got
 * @param {number} port  @param {string} path  @param {Record<string, string>} headers  @param {import('node:http').Agent | false} agent
 * @returns {Promise<Got>}
 */
function get(port, path, headers, agent) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: HOST, ...headers }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0, at: Date.now(), retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', (err) => resolve({ status: /** @type {NodeJS.ErrnoException} */ (err).code ?? 'error', ms: performance.now() - t0, at: Date.now() }));
    req.end();
  });
}
const tally = (/** @type {Got[]} */ rs) => Object.entries(rs.reduce((m, r) => ({ ...m, [String(r.status)]: (m[String(r.status)] ?? 0) + 1 }), /** @type {Record<string, number>} */ ({}))).map(([k, v]) => `${k}: ${v}`).join(', ');
const f1 = (/** @type {number} */ x) => x.toFixed(1);

const tenantPort = await freePort();
const s = await startStack('load', `${tenantPort}-${tenantPort}`);
const auth = { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: `redis://127.0.0.1:${redisPort}` };
const env = { ...s.env, ...auth, FEATHER_TENANT_IMAGE: NODE_IMAGE, FEATHER_TENANT_IDLE_MINUTES: '600' };
let cleaning;
const cleanup = () => (cleaning ??= (async () => {
  watchdog?.kill('SIGTERM');
  await s.cleanup();
  await killRedis();
  rmSync(redisDir, { recursive: true, force: true });
})());
// Interrupted: the stack goes all the same (its prefix is this run's alone).
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
try {
  await startRedis();
  const added = JSON.parse(await s.run(['add', 'alice', '--json'], { ...auth, FEATHER_TENANT_IMAGE: NODE_IMAGE }));
  await startWatchdog(env);
  const login = await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.httpPort, path: '/_feather/login', method: 'POST', headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' }, agent: false }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end(`password=${encodeURIComponent(added.password)}`);
  });
  if (login.statusCode !== 303) throw new Error(`login answered ${login.statusCode}`);
  const cookie = { cookie: String(login.headers['set-cookie']).split(';')[0] ?? '' };
  const container = `${s.prefix}alice`;

  // 1. The herd, with the watchdog's limit as this process has it, then at 1,024 (soft and hard).
  await herd(`${HERD} requests at once on the sleeping tenant, through Caddy and the gate`);
  const first = watchdog;
  if (!first) throw new Error('unreachable: the watchdog was started above');
  first.kill('SIGTERM');
  await new Promise((r) => first.once('exit', r));
  await startWatchdog(env, 1024);
  await herd(`the same with the watchdog's open-files limit at 1,024, soft and hard (FEATHER_TENANT_MAX_HELD fitted to it: ${await metric('feather_tenant_max_held_requests')})`);

  /** @param {string} what */
  async function herd(what) {
    await execa('podman', ['stop', '-t', '5', container]);
    await sleep(500);
    const from = logLines.length;
    const base = { fds: fds(), rss: rssMb() };
    const since = new Date(Date.now() - 1000).toISOString();
    const herdAgent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const watch = sampler();
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: HERD }, () => get(s.httpPort, '/', cookie, herdAgent)));
    const wall = performance.now() - t0;
    watch.stop();
    const id = (await execa('podman', ['inspect', '--format', '{{.Id}}', container])).stdout.trim();
    const events = await execa('podman', ['events', '--stream=false', '--since', since, '--filter', `container=${id}`, '--filter', 'event=start', '--format', 'json']);
    const starts = events.stdout.split('\n').filter((l) => l.includes('"start"')).length;
    const ok = rs.filter((r) => r.status === 200);
    const refused = rs.filter((r) => r.status === 503);
    await sleep(2_000);
    const after = fds();
    const lines = logLines.slice(from).map((l) => JSON.parse(l));
    const wake = lines.find((l) => l.msg === 'wake finished');
    console.log(`\n1. herd: ${what}`);
    console.log(`   podman starts: ${starts}; the wake took ${wake?.ms ?? '?'} ms; answered 200: ${ok.length}/${HERD} (${tally(rs)}); all done in ${f1(wall)} ms`);
    console.log(`   latency of the 200s: p50 ${f1(median(ok.map((r) => r.ms)))} ms, p99 ${f1(pct(ok.map((r) => r.ms), 0.99))} ms`);
    if (refused.length) console.log(`   503s: ${refused.length}, with Retry-After: ${refused.filter((r) => Number(r.retryAfter) > 0).length}`);
    console.log(`   watchdog: descriptors ${base.fds} before, peak ${watch.peak.fds}, ${after} 2 s after; RSS ${f1(base.rss)} MB before, peak ${f1(watch.peak.rss)} MB`);
    console.log(`   watchdog log lines: ${lines.map((l) => l.msg).join(' | ')}`);
  }

  // 2. Gated requests to the awake tenant.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const rss = [rssMb()];
  /** @type {number[]} */
  const lat = [];
  /** @type {Got[]} */
  const statuses = [];
  let next = 0;
  const g0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < GATED) {
      const i = next++;
      const r = await get(s.httpPort, '/', cookie, agent);
      lat.push(r.ms);
      statuses.push(r);
      if (i === Math.floor(GATED / 2)) rss.push(rssMb());
    }
  }));
  const gWall = performance.now() - g0;
  rss.push(rssMb());
  console.log(`\n2. ${GATED} gated requests to the awake tenant, ${CONCURRENCY} at a time (keep-alive)`);
  console.log(`   ${Math.round(GATED / (gWall / 1000))} requests/s; p50 ${f1(median(lat))} ms, p99 ${f1(pct(lat, 0.99))} ms; ${tally(statuses)}`);
  console.log(`   watchdog RSS (start / middle / end): ${rss.map(f1).join(' / ')} MB; descriptors now ${fds()}`);

  // 3. Redis restarted under gated load.
  const linesBefore = logLines.length;
  /** @type {Got[]} */
  const seen = [];
  let running = true;
  const load = Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (running) seen.push(await get(s.httpPort, '/', cookie, agent));
  }));
  await sleep(1_000);
  const killedAt = Date.now();
  await killRedis();
  await sleep(REDIS_DOWN_MS);
  const restartAt = Date.now();
  await startRedis();
  const upAt = Date.now();
  /** @type {number | undefined} */
  let backAt;
  for (let i = 0; i < 400 && !backAt; i++) {
    await sleep(25);
    backAt = seen.find((r) => r.at > upAt && r.status === 200)?.at;
  }
  await sleep(1_000);
  running = false;
  await load;
  const refused = seen.filter((r) => r.status === 503);
  const firstRefused = Math.min(...refused.map((r) => r.at));
  const lastRefused = Math.max(...refused.map((r) => r.at));
  const outside = seen.filter((r) => (r.at < killedAt || r.at > (backAt ?? Infinity)) && r.status !== 200);
  const lines = logLines.slice(linesBefore);
  console.log(`\n3. Redis killed under gated load (${CONCURRENCY} at a time), started again ${REDIS_DOWN_MS} ms later`);
  console.log(`   ${seen.length} requests: ${tally(seen)}`);
  console.log(`   503s from ${firstRefused - killedAt} ms after the kill to ${lastRefused - upAt} ms after Redis answered again; non-200 outside that window: ${outside.length}`);
  console.log(`   Redis down (kill to answering PING): ${upAt - killedAt} ms; requests passed again ${backAt ? `${backAt - upAt} ms after Redis answered` : 'NOT within 10 s'} (restart took ${upAt - restartAt} ms)`);
  console.log(`   watchdog log lines meanwhile: ${lines.length}`);
  for (const l of lines) console.log(`     ${l}`);

  // 4. Clients that give up: replayed to the tenant's /slow (20 s), abandoned after 2 s.
  await execa('podman', ['stop', '-t', '5', container]);
  await sleep(500);
  const open = async () => JSON.parse(await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: s.httpPort, path: '/open', headers: { host: HOST, ...cookie }, agent: false }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(b));
    });
    req.end();
  })).open;
  const before = fds();
  const watch = sampler();
  const impatient = Array.from({ length: IMPATIENT }, () => new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: s.httpPort, path: '/slow?ms=20000', headers: { host: HOST, ...cookie }, agent: false }, (res) => res.resume());
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
    req.end();
    setTimeout(() => req.destroy(), 2_000);
  }));
  await sleep(1_500);
  const atTenant = await open();
  await Promise.all(impatient);
  const leftAt = performance.now();
  let back;
  while (performance.now() - leftAt < 10_000) {
    if (fds() <= before + 3) {
      back = performance.now() - leftAt;
      break;
    }
    await sleep(10);
  }
  watch.stop();
  await sleep(500);
  console.log(`\n4. ${IMPATIENT} clients on the sleeping tenant's /slow?ms=20000, giving up after 2 s`);
  console.log(`   at the tenant 1.5 s in: ${atTenant} connections open; 0.5 s after the watchdog's descriptors were back: ${await open()}`);
  console.log(`   watchdog descriptors: ${before} before, peak ${watch.peak.fds}, back to ${before} + 3 ${back === undefined ? 'NOT within 10 s' : `${f1(back)} ms after the clients left`}`);
} finally {
  await cleanup();
}
