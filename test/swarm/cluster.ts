// The swarm tests' view of the harness (scripts/swarm-harness.sh): the CLI and curl run in the
// manager's network namespace (where Caddy's ports are published on loopback, as on a real
// manager), docker talks to either node's socket.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE = process.env.FEATHER_SWARM_BASE ?? '/tmp/feather-swarm';
export const NS = process.env.FEATHER_SWARM_NS ?? 'fts';
const DOCKER = process.env.FEATHER_TENANT_DOCKER ?? 'docker';
const inManager = ['nsenter', `--net=/run/netns/${NS}-n1`, '--'];

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
  close(): void;
}

export function swarmCli(prefix: string): SwarmCli {
  const state = mkdtempSync(join(tmpdir(), 'fts-state-'));
  const env = {
    FEATHER_TENANT_BACKEND: 'swarm',
    FEATHER_TENANT_DOCKER: DOCKER,
    DOCKER_HOST: `unix://${BASE}/n1/docker.sock`,
    FEATHER_TENANT_STATE_DIR: state,
    FEATHER_TENANT_CADDY_ADMIN: 'http://127.0.0.1:2019',
    FEATHER_TENANT_PREFIX: prefix,
    FEATHER_TENANT_DOMAIN: 'swarm.test',
    FEATHER_TENANT_SCHEME: 'http',
    FEATHER_TENANT_IMAGE: 'localhost/feather-work-test:latest',
    FEATHER_TENANT_ACCESS_LOG: '/tmp/access.log',
    FEATHER_TENANT_CPUS: '0.5',
    FEATHER_TENANT_MEMORY: '96m',
    FEATHER_TENANT_PIDS: '64',
  };
  return {
    prefix,
    cli: (...args) => run([...inManager, process.execPath, 'bin/feather-tenant.js', ...args], env),
    get: async (name, path) => {
      const r = await run([...inManager, 'curl', '-s', '-m', '5', '-w', '\n%{http_code}', '-H', `Host: ${name}.swarm.test`, `http://127.0.0.1:8080${path}`]);
      const at = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, Math.max(at, 0)) };
    },
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
