import { CaddyAdmin } from '../caddy/admin-client.js';
import type { CaddyPort } from '../caddy/port.js';
import type { Config, Env } from '../core/config.js';
import { OperationError } from '../core/errors.js';
import { IptablesFirewall, noFirewall } from '../firewall/iptables.js';
import { PodmanCli } from '../podman/podman-cli.js';
import { podmanReads } from '../podman/reads.js';
import type { PodmanClient } from '../podman/types.js';
import type { SwarmEngine, TenantBackend } from '../backend/port.js';
import { podmanBackend } from '../backend/podman.js';
import { SwarmBackend } from '../backend/swarm.js';
import { DockerSwarm } from '../swarm/docker-cli.js';
import { openDb, type Db } from '../store/db.js';
import { Locks } from '../store/locks.js';
import { RevocationOutbox } from '../store/outbox.js';
import { SleepStore } from '../store/sleep.js';
import { TenantStore } from '../store/tenants.js';
import { AdminStore } from '../store/admin.js';
import { UsageStore } from '../store/usage.js';
import { SummaryStore } from '../store/summaries.js';
import { KeptVolumeStore } from '../store/kept-volumes.js';
import type { AdminState, KeptVolumeState, LockState, RevocationQueue, SleepState, SummaryState, TenantState, UsageState } from '../store/port.js';
import { loadConfig } from './load-config.js';
import { osProcessProbe } from '../os/process-probe.js';

/** Everything a command needs from the outside world; tests build their own. */
export interface Context {
  config: Config;
  env: Env;
  podman: PodmanClient;
  caddy: CaddyPort;
  /**
   * The engine that runs tenants (FEATHER_TENANT_BACKEND): add, start, stop, restart, remove,
   * list and show go through it, whichever it is.
   */
  backend: TenantBackend;
  /** Set when FEATHER_TENANT_BACKEND=swarm: the cluster, for what only swarm does (move's nodes, copy, pin). */
  swarm?: SwarmEngine;
  /** Opened on first use: commands that never touch state don't pay for SQLite. */
  store(): TenantState;
  storeOpened(): boolean;
  /** Per-tenant locks, in the same database. */
  locks(): LockState;
  /** Sleep and wake leases, activity, pins: the same database. */
  sleep(): SleepState;
  /** Session revocations waiting for Redis: the same database. */
  outbox(): RevocationQueue;
  /** The admin instance's live colour: the same database. */
  admin(): AdminState;
  /** Usage per tenant and day: the same database. */
  usage(): UsageState;
  /** Summaries tenants pushed: the same database. */
  summaries(): SummaryState;
  /** Swarm volumes remove kept, with their nodes: the same database. */
  keptVolumes(): KeptVolumeState;
  now(): number;
  /** Human progress lines (stderr); data goes to stdout through the renderer. */
  log(line: string): void;
  /** Named steps of multi-step commands: where an interrupt is honoured, and where crash tests stop us. */
  checkpoint(step: string): void;
}

// Config loading lives apart so that commands can read it without loading SQLite and the rest.
export { loadConfig };

let interrupted: string | undefined;

/** Called by the CLI on SIGINT/SIGTERM: the running command stops at its next checkpoint and rolls back. */
export function interrupt(signal: string): void {
  interrupted = signal;
}

export function createContext(env: Env = process.env): Context {
  const config = loadConfig(env);
  let db: Db | undefined;
  let store: TenantStore | undefined;
  let locks: Locks | undefined;
  let sleep: SleepStore | undefined;
  let outbox: RevocationOutbox | undefined;
  let admin: AdminStore | undefined;
  let usage: UsageStore | undefined;
  let summaries: SummaryStore | undefined;
  let keptVolumes: KeptVolumeStore | undefined;
  const getDb = () => (db ??= openDb(config.stateDir));
  // Test-only: SIGKILL ourselves at a named step, to prove `reconcile` repairs any crash.
  const dieAt = env.FEATHER_TENANT_TEST_DIE_AT;
  // FEATHER_TENANT_TRACE=1: each step's time since start on stderr, to see where time goes.
  const trace = env.FEATHER_TENANT_TRACE === '1';
  let lastStep: string | undefined;
  const swarm = config.backend === 'swarm' ? new DockerSwarm(config.docker, env, config.containerPort) : undefined;
  return {
    config,
    env,
    backend: swarm ? new SwarmBackend(swarm) : podmanBackend,
    podman: new PodmanCli(config.podman, env, config.isolationRules === 'off' ? noFirewall : new IptablesFirewall(env), podmanReads(config, env)),
    caddy: new CaddyAdmin(config.caddyAdmin),
    ...(swarm ? { swarm } : {}),
    store: () => (store ??= new TenantStore(getDb())),
    storeOpened: () => db !== undefined,
    locks: () => (locks ??= new Locks(getDb(), osProcessProbe)),
    sleep: () => (sleep ??= new SleepStore(getDb())),
    outbox: () => (outbox ??= new RevocationOutbox(getDb())),
    admin: () => (admin ??= new AdminStore(getDb())),
    usage: () => (usage ??= new UsageStore(getDb())),
    summaries: () => (summaries ??= new SummaryStore(getDb())),
    keptVolumes: () => (keptVolumes ??= new KeptVolumeStore(getDb())),
    now: Date.now,
    log: (line) => process.stderr.write(`${line}\n`),
    checkpoint: (step) => {
      // Streaming steps checkpoint once a chunk: trace a step once while it repeats.
      if (trace && step !== lastStep) process.stderr.write(`trace: ${step} at ${performance.now().toFixed(1)} ms\n`);
      lastStep = step;
      if (dieAt === step) process.kill(process.pid, 'SIGKILL');
      if (interrupted) throw new OperationError(`interrupted by ${interrupted} at ${step}`);
    },
  };
}
