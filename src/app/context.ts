import { readFileSync } from 'node:fs';
import { CaddyAdmin } from '../caddy/admin-client.js';
import { DEFAULT_CONFIG_FILE, resolveConfig, type Config, type Env } from '../core/config.js';
import { OperationError, UsageError } from '../core/errors.js';
import { PodmanCli } from '../podman/podman-cli.js';
import type { PodmanClient } from '../podman/types.js';
import { openDb } from '../store/db.js';
import { TenantStore } from '../store/tenants.js';

/** Everything a command needs from the outside world; tests build their own. */
export interface Context {
  config: Config;
  env: Env;
  podman: PodmanClient;
  caddy: CaddyAdmin;
  /** Opened on first use: commands that never touch state don't pay for SQLite. */
  store(): TenantStore;
  storeOpened(): boolean;
  now(): number;
  /** Human progress lines (stderr); data goes to stdout through the renderer. */
  log(line: string): void;
  /** Named steps of multi-step commands: where an interrupt is honoured, and where crash tests stop us. */
  checkpoint(step: string): void;
}

export function loadConfig(env: Env): Config {
  const explicit = env.FEATHER_TENANT_CONFIG;
  const file = explicit || DEFAULT_CONFIG_FILE;
  let parsed: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit || code !== 'ENOENT') throw new UsageError(`cannot read config file ${file}: ${code ?? (err as Error).message}`);
  }
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`config file ${file} must hold a JSON object`);
  }
  return resolveConfig(env, parsed, file);
}

let interrupted: string | undefined;

/** Called by the CLI on SIGINT/SIGTERM: the running command stops at its next checkpoint and rolls back. */
export function interrupt(signal: string): void {
  interrupted = signal;
}

export function createContext(env: Env = process.env): Context {
  const config = loadConfig(env);
  let store: TenantStore | undefined;
  // Test-only: SIGKILL ourselves at a named step, to prove `reconcile` repairs any crash.
  const dieAt = env.FEATHER_TENANT_TEST_DIE_AT;
  // FEATHER_TENANT_TRACE=1: each step's time since start on stderr, to see where time goes.
  const trace = env.FEATHER_TENANT_TRACE === '1';
  return {
    config,
    env,
    podman: new PodmanCli(config.podman, env),
    caddy: new CaddyAdmin(config.caddyAdmin),
    store: () => (store ??= new TenantStore(openDb(config.stateDir))),
    storeOpened: () => store !== undefined,
    now: Date.now,
    log: (line) => process.stderr.write(`${line}\n`),
    checkpoint: (step) => {
      if (trace) process.stderr.write(`trace: ${step} at ${performance.now().toFixed(1)} ms\n`);
      if (dieAt === step) process.kill(process.pid, 'SIGKILL');
      if (interrupted) throw new OperationError(`interrupted by ${interrupted} at ${step}`);
    },
  };
}
