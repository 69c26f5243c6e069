// The state store as commands see it: tenants, per-tenant locks, sleep leases and activity, and the
// session-revocation outbox. One implementation each, on one SQLite database (tenants.ts, locks.ts,
// sleep.ts, outbox.ts); the context hands them out. Unit tests use the same classes on a temp
// database (test/fakes/context.ts): SQLite's transactions are part of what they test.
import type { Adoption, DesiredState, TenantRow, TenantStatus, UpgradeStep } from '../core/tenant-row.js';
import type { LockHolder } from './locks.js';
import type { Revocation } from './outbox.js';
import type { LogCursor, RecordedActivity, TrafficSample } from './sleep.js';
import type { Reservation } from './tenants.js';
import type { AdminLive } from './admin.js';
import type { Colour } from '../core/admin.js';
import type { UsageDelta, UsageRow, UsageSample } from '../core/usage.js';
import type { KeptVolume } from '../core/kept-volume.js';

export interface TenantState {
  /** Runs `fn` in one write transaction: everything in it happens, or nothing. */
  transaction<T>(fn: () => T): T;
  get(name: string): TenantRow | undefined;
  list(): TenantRow[];
  /** Claims name and a free port in one transaction (provisioning until activated). */
  reserve(r: Reservation): TenantRow;
  adopt(a: Adoption): void;
  activate(name: string, containerId: string, passwordHash: string, now: number): void;
  setStatus(name: string, status: TenantStatus, now: number): void;
  setDesired(name: string, desired: DesiredState, now: number): void;
  setContainerId(name: string, containerId: string, now: number): void;
  setPendingSecret(name: string, secret: string | null, now: number): void;
  switchSecret(name: string, secret: string, passwordHash: string, oldSecret: string | null, now: number): void;
  setUpgrade(name: string, image: string, step: UpgradeStep, now: number): void;
  upgradeAnswered(name: string, image: string, containerId: string, now: number): void;
  endUpgrade(name: string, now: number): void;
  setPendingIngest(name: string, secret: string | null, now: number): void;
  /** The ingest token changes hands in one write; the old secret becomes pending (as switchSecret). */
  switchIngest(name: string, secret: string, hash: string, oldSecret: string | null, now: number): void;
  delete(name: string): void;
}

export interface LockState {
  /** Takes the lock, or returns who holds it (a live process). */
  tryAcquire(key: string, command: string, now: number): LockHolder | undefined;
  release(key: string): void;
  /** Every lock a live process holds, this process included. */
  held(): LockHolder[];
}

export interface SleepState {
  recordActivity(activity: RecordedActivity[], samples: TrafficSample[], cursor: LogCursor | undefined): void;
  samples(): Map<string, TrafficSample>;
  cursor(file: string): LogCursor | undefined;
  setPinned(name: string, pinned: boolean, now: number): boolean;
  beginWake(name: string, now: number): { stopStartedAt: number | null } | undefined;
  endWake(name: string, startedAt: number, now: number, ok: boolean): void;
  stopInProgress(name: string, staleBefore: number): boolean;
  claimSleep(name: string, o: { now: number; idleBefore: number; leaseStaleBefore: number }): boolean;
  finishSleep(name: string, claimedAt: number, now: number, stopped: boolean): boolean;
}

export interface UsageState {
  record(deltas: UsageDelta[], samples: UsageSample[], oldestKeptDay: string): void;
  samples(): Map<string, UsageSample>;
  days(sinceDay: string, name?: string): UsageRow[];
}

export interface StoredSummary {
  receivedAt: number;
  /** The JSON object as stored (core/summary.ts). */
  body: string;
}

export interface SummaryState {
  add(name: string, receivedAt: number, body: string, keep: number, wireBytes?: number): boolean;
  last(name: string, n: number): StoredSummary[];
  /** Pushes stored in (after, upTo], and the bytes of their bodies as sent. */
  pushedBetween(name: string, after: number, upTo: number): { count: number; bytes: number };
  replace(name: string, list: readonly StoredSummary[]): void;
}

export interface RevocationQueue {
  add(r: Omit<Revocation, 'id'>): void;
  pending(): Revocation[];
  count(): number;
  delivered(id: number): void;
}

export interface AdminState {
  /** The admin instance's live colour and image; undefined before it first ran. */
  live(): AdminLive | undefined;
  setLive(colour: Colour, image: string, now: number): void;
}

/** Swarm volumes remove kept, and their nodes (store/kept-volumes.ts). */
export interface KeptVolumeState {
  get(name: string): KeptVolume | undefined;
  keep(k: KeptVolume): void;
  moved(name: string, node: string): void;
  forget(name: string): void;
}
