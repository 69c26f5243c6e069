import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { freePort, httpRequest, waitFor, type HttpInit } from './net.js';
import { randomBytes } from 'node:crypto';
import { ACCESS_LOG_KEY, SERVER_LOGGER_NAME, desiredAccessLog, desiredWakeRoute } from '../../src/caddy/wake-config.js';
import { IptablesFirewall } from '../../src/firewall/iptables.js';

// A private test stack: its own Caddy (admin and HTTP on free loopback ports, its own XDG dirs),
// its own state directory, port range and name prefix. Never touches an operator's tenants.

// Re-exported: e2e files import them from here; unit tests import ./net.js, which needs no stack.
export { freePort, httpRequest, waitFor, type HttpInit };

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'bin/feather-tenant.js');
export const TEST_IMAGE = process.env.FEATHER_TEST_IMAGE ?? 'localhost/feather-work-test:latest';
/** The stand-in whose app is Node's http server (scripts/build-test-image.sh): WebSockets, a real backlog. */
export const NODE_IMAGE = process.env.FEATHER_TEST_NODE_IMAGE ?? 'localhost/feather-work-node:latest';
/** Every test prefix starts with this, so a sweeper can find leftovers of killed runs. */
export const TEST_PREFIX_ROOT = 'ftt';
export const DOMAIN = 'test.local';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Stack {
  dir: string;
  prefix: string;
  stateDir: string;
  env: Record<string, string>;
  adminUrl: string;
  httpPort: number;
  ports: { first: number; last: number };
  run(args: string[], extraEnv?: Record<string, string>): Promise<RunResult>;
  /** A request through Caddy with Host: <name>.<domain>. */
  get(name: string, path?: string, init?: HttpInit): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
  routes(): Promise<{ '@id'?: string; match?: unknown[] }[]>;
  caddyLog(): string;
  /** Mutating admin requests Caddy logged: each one is a whole-config reload. */
  configChanges(): number;
  stopCaddy(): Promise<void>;
  /** `resume`: from Caddy's autosave (what it had before it stopped), as `caddy run --resume`. */
  startCaddy(opts?: { resume?: boolean }): Promise<void>;
  /** Caddy's whole config as it serves it (GET /config/), byte for byte. */
  caddyConfig(): Promise<string>;
  /** Starts `feather-tenant watchdog` with this stack's settings; stopped by cleanup(). */
  startWatchdog(extraEnv?: Record<string, string>): Promise<Watchdog>;
  /** The watchdogs startWatchdog started, running or not. */
  watchdogs(): readonly Watchdog[];
  cleanup(): Promise<void>;
}

/** Stacks started and not yet cleaned up in this worker: what a failed test dumps (failure-dump.ts). */
export const liveStacks = new Set<Stack>();

export interface Watchdog {
  /** http://127.0.0.1:PORT of its wake server (for /healthz and /metrics). */
  url: string;
  /** Its stderr, one parsed JSON object a line. */
  logs(): { level: string; msg: string; [key: string]: unknown }[];
  /** Its stderr as written. */
  stderr(): string;
  metrics(): Promise<string>;
  /** One sample of /metrics, e.g. metric('feather_tenant_wakes_total{result="ok"}'). */
  metric(series: string): Promise<number>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  child: ChildProcess;
}

/** The sleep/wake parts of a base config, built by the same functions `add` checks against. */
export interface WakeParts {
  prefix: string;
  domain: string;
  wakeListen: string;
  accessLog: string;
}


function bindable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen({ host: '127.0.0.1', port }, () => s.close(() => res(true)));
  });
}

/** N consecutive free ports, from a random base so parallel test files don't collide. */
export async function freeRange(n: number): Promise<{ first: number; last: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(Array.from({ length: n }, (_, i) => bindable(first + i)));
    if (ok.every(Boolean)) return { first, last: first + n - 1 };
  }
  throw new Error('no free port range');
}

export function baseCaddyConfig(adminPort: number, httpPort: number, logFile?: string, wake?: WakeParts, https = false): unknown {
  const logs: Record<string, unknown> = {};
  if (logFile) logs.default = { writer: { output: 'file', filename: logFile }, level: 'INFO' };
  if (wake) logs[ACCESS_LOG_KEY] = desiredAccessLog(wake.accessLog, SERVER_LOGGER_NAME);
  return {
    admin: { listen: `127.0.0.1:${adminPort}` },
    logging: Object.keys(logs).length ? { logs } : undefined,
    apps: {
      ...(https ? {
        tls: { automation: { policies: [{ issuers: [{ module: 'internal' }] }] } },
        pki: { certificate_authorities: { local: { install_trust: false } } },
      } : {}),
      http: {
        servers: {
          tenants: {
            listen: [`127.0.0.1:${httpPort}`],
            // https: Caddy's internal CA issues each tenant host a certificate (tls internal), so a
            // browser gets a real HTTPS origin, where it keeps Secure cookies.
            automatic_https: https ? { disable_redirects: true } : { disable: true },
            ...(https ? { tls_connection_policies: [{}] } : {}),
            routes: [{ handle: [{ handler: 'static_response', status_code: 404, body: 'no such tenant\n' }] }],
            ...(wake ? { logs: { default_logger_name: SERVER_LOGGER_NAME }, errors: { routes: [desiredWakeRoute(wake)] } } : {}),
          },
        },
      },
    },
  };
}


/** Sends the signal and resolves once the process has exited (at once if it is not running). */
export async function stopProcess(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await exited;
}



/**
 * `bareCaddy`: start Caddy without the access log and wake route (as an operator's Caddy would
 * be before the first `add`); by default the base config has them, so `add` changes nothing there.
 */
export async function startStack(opts: { ports?: number; env?: Record<string, string>; bareCaddy?: boolean; https?: boolean; prefix?: string } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'ftt-'));
  // The worker's pid is in the prefix, so a sweeper can tell a live run's objects from leftovers.
  // `prefix` (another stack's prefix plus more, for the nested-prefix test) keeps that start.
  const prefix = opts.prefix ?? `${TEST_PREFIX_ROOT}${process.pid.toString(36)}r${randomBytes(2).toString('hex')}-`;
  const [adminPort, httpPort, ports, wakePort, apiPort] = await Promise.all([freePort(), freePort(), freeRange(opts.ports ?? 4), freePort(), freePort()]);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const logFile = join(dir, 'caddy.log');
  const configFile = join(dir, 'caddy.json');
  const wakeListen = `127.0.0.1:${wakePort}`;
  const accessLog = join(dir, 'access.log');
  const wake = opts.bareCaddy ? undefined : { prefix, domain: DOMAIN, wakeListen, accessLog };
  writeFileSync(configFile, JSON.stringify(baseCaddyConfig(adminPort, httpPort, logFile, wake, opts.https)));
  const stateDir = join(dir, 'state');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    FEATHER_TENANT_CONFIG: join(dir, 'no-config-file.json'),
    FEATHER_TENANT_STATE_DIR: stateDir,
    FEATHER_TENANT_PREFIX: prefix,
    FEATHER_TENANT_PORTS: `${ports.first}-${ports.last}`,
    FEATHER_TENANT_IMAGE: TEST_IMAGE,
    FEATHER_TENANT_DOMAIN: DOMAIN,
    FEATHER_TENANT_SCHEME: 'http',
    FEATHER_TENANT_CADDY_ADMIN: adminUrl,
    FEATHER_TENANT_READY_TIMEOUT: '20',
    FEATHER_TENANT_WAKE_LISTEN: wakeListen,
    // Each stack's watchdog its own admin API port: the default (9097) would collide between files.
    FEATHER_TENANT_ADMIN_LISTEN: `127.0.0.1:${apiPort}`,
    FEATHER_TENANT_ACCESS_LOG: accessLog,
    ...opts.env,
  };
  writeFileSync(env.FEATHER_TENANT_CONFIG as string, '{}');
  let caddy: ChildProcess | undefined;
  const watchdogs: Watchdog[] = [];

  const stack: Stack = {
    dir, prefix, stateDir, env, adminUrl, httpPort, ports,
    async run(args, extraEnv = {}) {
      const r = await execa('node', [CLI, ...args], { env: { ...env, ...extraEnv }, extendEnv: false, reject: false, stdin: 'ignore' });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    get: (name, path = '/', init = {}) => httpRequest(httpPort, `${name}.${DOMAIN}`, path, init),
    async routes() {
      const res = await fetch(`${adminUrl}/config/apps/http/servers/tenants/routes`);
      return ((await res.json()) as { '@id'?: string }[] | null) ?? [];
    },
    caddyLog: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    configChanges: () => stack.caddyLog().split('\n').filter((l) => /"logger":"admin.api","msg":"received request","method":"(POST|PUT|PATCH|DELETE)"/.test(l)).length,
    async startCaddy(o = {}) {
      caddy = spawn('caddy', ['run', '--config', configFile, ...(o.resume ? ['--resume'] : [])], {
        env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data') },
        stdio: 'ignore',
      });
      await waitFor(async () => (await fetch(`${adminUrl}/config/`)).ok, 10_000, 'caddy admin API');
    },
    stopCaddy: () => stopProcess(caddy, 'SIGTERM'),
    async caddyConfig() {
      return (await fetch(`${adminUrl}/config/`)).text();
    },
    async startWatchdog(extraEnv = {}) {
      const w = await spawnWatchdog({ ...env, ...extraEnv });
      watchdogs.push(w);
      return w;
    },
    watchdogs: () => watchdogs,
    async cleanup() {
      liveStacks.delete(stack);
      await Promise.all(watchdogs.map((w) => w.stop('SIGKILL')));
      await stack.stopCaddy();
      await sweep((p) => p === prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await stack.startCaddy();
  liveStacks.add(stack);
  return stack;
}

async function spawnWatchdog(env: Record<string, string>): Promise<Watchdog> {
  const listen = env.FEATHER_TENANT_WAKE_LISTEN as string;
  const url = `http://${listen}`;
  const child = spawn('node', [CLI, 'watchdog'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const w: Watchdog = {
    url, child,
    stderr: () => stderr,
    logs: () => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string }),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    async metric(series) {
      const line = (await w.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
      if (line === undefined) throw new Error(`no series ${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error('exited');
      return (await fetch(`${url}/healthz`)).ok;
    }, 15_000, 'the watchdog to answer /healthz');
  } catch (err) {
    throw new Error(`${(err as Error).message}; watchdog stderr:\n${stderr}`);
  }
  return w;
}

/** True when the test run that made this prefix is gone (its pid is encoded in the prefix). */
export function orphanPrefix(prefix: string): boolean {
  const m = new RegExp(`^${TEST_PREFIX_ROOT}([0-9a-z]+)r`).exec(prefix);
  if (!m?.[1]) return false;
  try {
    process.kill(parseInt(m[1], 36), 0);
    return false;
  } catch {
    return true;
  }
}

/** Removes every podman object whose prefix label matches (containers first, then the rest). */
export async function sweep(matches: (prefix: string) => boolean): Promise<void> {
  const json = async (args: string[]) => {
    const r = await execa('podman', [...args, '--format', 'json'], { reject: false });
    return (JSON.parse(String(r.stdout).trim() || '[]') ?? []) as Record<string, unknown>[];
  };
  const ours = (labels: unknown) => {
    const p = (labels as Record<string, string> | null)?.['io.feather-tenant.prefix'];
    return p !== undefined && p.startsWith(TEST_PREFIX_ROOT) && matches(p);
  };
  // tenant.sh-style containers and volumes (adopt tests) carry no labels: match their names too.
  const byName = (name: unknown) => {
    const p = new RegExp(`^(${TEST_PREFIX_ROOT}[0-9a-z]+r[0-9a-f]{4}-)`).exec(String(name))?.[1];
    return p !== undefined && matches(p);
  };
  const containers = (await json(['ps', '-a'])).filter((c) => ours(c.Labels) || byName((c.Names as string[] | null)?.[0])).map((c) => c.Id as string);
  if (containers.length) await execa('podman', ['rm', '-f', '-t', '0', ...containers], { reject: false });
  const [networks, volumes, secrets] = await Promise.all([
    json(['network', 'ls']).then((l) => l.filter((n) => ours(n.labels))),
    json(['volume', 'ls']).then((l) => l.filter((v) => ours(v.Labels) || byName(v.Name)).map((v) => v.Name as string)),
    // podman 4.3's `secret ls` has no JSON output: match names, which start with the prefix.
    execa('podman', ['secret', 'ls', '--format', '{{.Name}}'], { reject: false }).then((r) => String(r.stdout).split('\n').filter(byName)),
  ]);
  // Their isolation rules first, as the CLI's own removeNetwork does (a reused bridge name is never hit).
  const firewall = new IptablesFirewall(process.env);
  for (const n of networks) if (typeof n.network_interface === 'string') await firewall.release(n.network_interface).catch(() => {});
  if (networks.length) await execa('podman', ['network', 'rm', '-f', ...networks.map((n) => n.name as string)], { reject: false });
  if (volumes.length) await execa('podman', ['volume', 'rm', '-f', ...volumes], { reject: false });
  if (secrets.length) await execa('podman', ['secret', 'rm', ...secrets], { reject: false });
}
