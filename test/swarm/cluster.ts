// The swarm tests' view of the harness (scripts/swarm-harness.sh): the CLI and curl run in the
// manager's network namespace (where Caddy's HTTP port is published on loopback, as on a real
// manager; its admin API is a unix socket in SHARED), docker talks to either node's socket.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE = process.env.FEATHER_SWARM_BASE ?? '/tmp/feather-swarm';
export const NS = process.env.FEATHER_SWARM_NS ?? 'fts';
const DOCKER = process.env.FEATHER_TENANT_DOCKER ?? 'docker';
const inManager = ['nsenter', `--net=/run/netns/${NS}-n1`, '--'];
/** Bind-mounted into Caddy's container at the same path (scripts/swarm-harness.sh): sockets and the access log. */
export const SHARED = `${BASE}/caddy`;
/** Caddy's admin API: a unix socket in SHARED, on no TCP port (test/swarm/caddy-admin-reach.test.ts says why). */
export const ADMIN_SOCK = `${SHARED}/admin.sock`;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Asynchronous on purpose: a synchronous spawn blocks vitest's worker for the seconds a swarm
// command takes, and the worker's reports to vitest time out ("Timeout calling onTaskUpdate").
function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** docker on node n (1 is the manager). */
export function docker(n: 1 | 2, ...args: string[]): Promise<Run> {
  return run([DOCKER, '-H', `unix://${BASE}/n${n}/docker.sock`, ...args]);
}

export interface SwarmCli {
  prefix: string;
  cli(...args: string[]): Promise<Run>;
  /** GET through the manager's Caddy with this tenant's Host header; status and body. */
  get(name: string, path: string): Promise<{ status: number; body: string }>;
  /** A request to Caddy's admin API on the manager (`DELETE /id/...`). */
  admin(method: string, path: string): Promise<Run>;
  close(): void;
}

export function swarmCli(prefix: string, extra: Record<string, string> = {}): SwarmCli & { env: Record<string, string>; state: string } {
  const state = mkdtempSync(join(tmpdir(), 'fts-state-'));
  const env: Record<string, string> = {
    FEATHER_TENANT_BACKEND: 'swarm',
    FEATHER_TENANT_DOCKER: DOCKER,
    DOCKER_HOST: `unix://${BASE}/n1/docker.sock`,
    FEATHER_TENANT_STATE_DIR: state,
    FEATHER_TENANT_CADDY_ADMIN: `unix:${ADMIN_SOCK}`,
    FEATHER_TENANT_PREFIX: prefix,
    FEATHER_TENANT_DOMAIN: 'swarm.test',
    FEATHER_TENANT_SCHEME: 'http',
    FEATHER_TENANT_IMAGE: 'localhost/feather-work-test:latest',
    // One access log for every test's prefix: Caddy has one (the last setup would win).
    FEATHER_TENANT_ACCESS_LOG: `${SHARED}/access.log`,
    FEATHER_TENANT_CPUS: '0.5',
    FEATHER_TENANT_MEMORY: '96m',
    FEATHER_TENANT_PIDS: '64',
    ...extra,
  };
  const domain = env.FEATHER_TENANT_DOMAIN;
  return {
    prefix,
    env,
    state,
    cli: (...args) => run([...inManager, process.execPath, 'bin/feather-tenant.js', ...args], env),
    get: async (name, path) => {
      const r = await run([...inManager, 'curl', '-s', '-m', '5', '-w', '\n%{http_code}', '-H', `Host: ${name}.${domain}`, `http://127.0.0.1:8080${path}`]);
      const at = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, Math.max(at, 0)) };
    },
    admin: (method, path) => run(['curl', '-sf', '-m', '5', '-X', method, '--unix-socket', ADMIN_SOCK, '-H', 'Host;', `http://localhost${path}`]),
    close: () => rmSync(state, { recursive: true, force: true }),
  };
}

/** The id of the service's running task's container on node n, or '' when none runs there. */
export async function taskContainer(n: 1 | 2, service: string): Promise<string> {
  return (await docker(n, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`)).stdout.split('\n')[0] ?? '';
}

/** Removes a volume on node n once no container holds it (a removed service's task goes a moment later). */
export async function removeVolume(n: 1 | 2, name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await docker(n, 'volume', 'rm', name);
    if (r.code === 0 || /no such volume/i.test(r.stderr)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** curl in the manager's namespace (where Caddy's ports are): its stdout, with `-w` output last. */
export function managerCurl(...args: string[]): Promise<Run> {
  return run([...inManager, 'curl', '-s', '-m', '60', ...args]);
}

/** GET on Caddy's admin API socket; `-H 'Host;'` sends the empty Host header, the only one Caddy accepts there. */
export function adminGet(path: string): Promise<Run> {
  return run(['curl', '-s', '-m', '10', '--unix-socket', ADMIN_SOCK, '-H', 'Host;', `http://localhost${path}`]);
}

/** A process in the manager's network namespace, its stderr in a file; stop() ends it (SIGTERM, then SIGKILL). */
export interface ManagerProcess {
  log(): string;
  stop(): Promise<void>;
}

function inManagerProcess(argv: string[], env: Record<string, string>, logFile: string): ManagerProcess {
  const fd = openSync(logFile, 'w');
  // nsenter enters the namespace and execs: the pid is the program's own.
  const p: ChildProcess = spawn(inManager[0]!, [...inManager.slice(1), ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  return {
    log: () => readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      p.kill('SIGTERM');
      const killer = setTimeout(() => p.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The watchdog of this CLI's configuration, run where the CLI runs (the manager's namespace). */
export function startWatchdog(s: { env: Record<string, string>; state: string }): ManagerProcess {
  return inManagerProcess([process.execPath, 'bin/feather-tenant.js', 'watchdog'], s.env, join(s.state, 'watchdog.log'));
}

/** redis-server on the manager's loopback (the gate's sessions), on `port`. */
export function startManagerRedis(port: number, dir: string): ManagerProcess {
  return inManagerProcess(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {}, join(dir, 'redis.log'));
}

/** A WebSocket handshake through Caddy from the manager's namespace: the status line, and the first frame's text after a 101. */
export async function managerUpgrade(host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; first: string }> {
  const script = `
const s = require('node:net').connect(8080, '127.0.0.1');
const [host, path, extra] = process.argv.slice(1);
const lines = ['GET ' + path + ' HTTP/1.1', 'Host: ' + host, 'Upgrade: websocket', 'Connection: Upgrade',
  'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...Object.entries(JSON.parse(extra)).map(([k, v]) => k + ': ' + v)];
s.write(lines.join('\\r\\n') + '\\r\\n\\r\\n');
let got = Buffer.alloc(0);
const done = () => { const t = got.toString('latin1'); const i = t.indexOf('\\r\\n\\r\\n'); const body = i < 0 ? '' : got.subarray(i + 4);
  const frame = body.length > 2 && body[0] === 0x81 ? body.subarray(2, 2 + (body[1] & 0x7f)).toString() : '';
  process.stdout.write(JSON.stringify({ status: Number(t.split(' ')[1]) || 0, first: frame })); process.exit(0); };
s.on('data', (d) => { got = Buffer.concat([got, d]); const t = got.toString('latin1'); if (t.includes('\\r\\n\\r\\n') && (!t.startsWith('HTTP/1.1 101') || got.length > t.indexOf('\\r\\n\\r\\n') + 6)) setTimeout(done, 100); });
s.on('close', done); s.on('error', done); setTimeout(done, 45000);`;
  const r = await run([...inManager, process.execPath, '-e', script, host, path, JSON.stringify(headers)]);
  return JSON.parse(r.stdout || '{"status":0,"first":""}') as { status: number; first: string };
}

/** argv in the manager's network namespace, where Caddy's HTTP port (8080) is published. */
export function inManagerNs(...argv: string[]): Promise<Run> {
  return run([...inManager, ...argv]);
}

/** Node n's hostname as Swarm reports it (`docker service ps`): the harness names it after FEATHER_SWARM_NS. */
export function nodeHostname(n: 1 | 2): string {
  return `${NS}-n${n}`;
}
