// A Context for command-level unit tests: fake podman and Caddy, real SQLite in a temp directory
// (the house pattern for state: see test/unit/store.test.ts), a fixed clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type Env } from '../../src/core/config.js';
import { FeatherError } from '../../src/core/errors.js';
import type { Context } from '../../src/runtime/context.js';
import { openDb, type Db } from '../../src/store/db.js';
import { Locks } from '../../src/store/locks.js';
import { RevocationOutbox } from '../../src/store/outbox.js';
import { AdminStore } from '../../src/store/admin.js';
import { SleepStore } from '../../src/store/sleep.js';
import { TenantStore } from '../../src/store/tenants.js';
import { UsageStore } from '../../src/store/usage.js';
import { SummaryStore } from '../../src/store/summaries.js';
import { KeptVolumeStore } from '../../src/store/kept-volumes.js';
import { FakeCaddy } from './caddy.js';
import { fakePodman, type FakePodman } from './podman.js';
import { FakeSwarm } from './swarm.js';
import { podmanBackend } from '../../src/backend/podman.js';
import { SwarmBackend } from '../../src/backend/swarm.js';

export interface FakeContext extends Context {
  podman: FakePodman;
  caddy: FakeCaddy;
  /** A fake cluster, with FEATHER_TENANT_BACKEND=swarm (then ctx.backend is the swarm backend over it). */
  swarm?: FakeSwarm;
  lines: string[];
  db: Db;
  /** Moves the clock on (each now() also moves it 1 s, so every event has its own time). */
  advance(ms: number): void;
  close(): void;
}

export function fakeContext(env: Env = {}): FakeContext {
  const stateDir = mkdtempSync(join(tmpdir(), 'ftt-unit-ctx-'));
  // A port range no test stack uses; add probes only the port it claimed.
  const config = resolveConfig({ FEATHER_TENANT_PREFIX: 'fake-', FEATHER_TENANT_PORTS: '39101-39140', FEATHER_TENANT_STATE_DIR: stateDir, ...env });
  const db = openDb(config.stateDir);
  const store = new TenantStore(db);
  const locks = new Locks(db, { self: () => ({ pid: process.pid, start: null }), alive: (pid) => pid === process.pid });
  const sleep = new SleepStore(db);
  const outbox = new RevocationOutbox(db);
  const admin = new AdminStore(db);
  const usage = new UsageStore(db);
  const summaries = new SummaryStore(db);
  const keptVolumes = new KeptVolumeStore(db);
  const lines: string[] = [];
  let now = 1_700_000_000_000;
  const podman = fakePodman();
  podman.images.add(config.image);
  const swarm = config.backend === 'swarm' ? new FakeSwarm() : undefined;
  return {
    config,
    env,
    backend: swarm ? new SwarmBackend(swarm) : podmanBackend,
    ...(swarm ? { swarm } : {}),
    podman,
    caddy: new FakeCaddy(),
    store: () => store,
    storeOpened: () => true,
    locks: () => locks,
    sleep: () => sleep,
    outbox: () => outbox,
    admin: () => admin,
    usage: () => usage,
    summaries: () => summaries,
    keptVolumes: () => keptVolumes,
    now: () => (now += 1000),
    log: (line) => void lines.push(line),
    checkpoint: () => {},
    lines,
    db,
    advance: (ms) => void (now += ms),
    close: () => {
      podman.stopServing();
      db.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A fake context on the swarm backend (`env` on top), and its fake cluster. */
export function fakeSwarmContext(env: Env = {}): { ctx: FakeContext; swarm: FakeSwarm } {
  const ctx = fakeContext({ FEATHER_TENANT_BACKEND: 'swarm', ...env });
  if (!ctx.swarm) throw new Error('the fake context has no swarm');
  return { ctx, swarm: ctx.swarm };
}

/** What a command's promise ends with: 0, the exit code of its FeatherError, or -1 for any other error. */
export const exitOf = async (p: Promise<unknown>): Promise<number> => p.then(() => 0, (e: unknown) => (e instanceof FeatherError ? e.exitCode : -1));
