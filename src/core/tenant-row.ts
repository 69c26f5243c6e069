// Domain types: a tenant as the state store records it. Defined here, not in store/, so the core
// and the planners can speak of tenants without importing an adapter.

export type TenantStatus = 'provisioning' | 'active' | 'removing';
export type DesiredState = 'running' | 'stopped';
/**
 * How far an `upgrade` got: stopping (the old container may still be serving), starting (the old
 * one is down; whatever answers on the port stays), answered (the new one answered; the row names it).
 */
export type UpgradeStep = 'stopping' | 'starting' | 'answered';

export interface UpgradeInProgress {
  image: string;
  step: UpgradeStep;
  startedAt: number;
}

export interface TenantRow {
  name: string;
  port: number;
  status: TenantStatus;
  image: string;
  volume: string;
  containerId: string | null;
  passwordHash: string | null;
  createdAt: number;
  updatedAt: number;
  /** The podman secret holding the password; null for an adopted container that has none of ours. */
  secret: string | null;
  /** A secret a `passwd` was switching to or from: removed by that passwd, or by reconcile if it died. */
  secretPending: string | null;
  /** What the operator asked for last (start/stop); reconcile starts only 'running' tenants. */
  desired: DesiredState;
  /** Set when `reconcile --adopt` took the tenant over from tenant.sh. */
  adoptedAt: number | null;
  /** Last HTTP request or traffic seen (ms), or null if none yet. */
  lastActiveAt: number | null;
  /** Exempt from sleeping. */
  pinned: boolean;
  /** When a sweep put it to sleep; null once woken. */
  asleepAt: number | null;
  /** Lease: a sweep is stopping it since then. */
  stopStartedAt: number | null;
  /** Lease: a wake is starting it since then. */
  wakeStartedAt: number | null;
  /** An `upgrade` moving it to a new image (or one that died: reconcile finishes or rolls it back). */
  upgrade: UpgradeInProgress | null;
  /** What the latest activity was (core/last-activity.ts): request, traffic, wake, pin; null before issue 13. */
  lastActiveKind: string | null;
  /** Its detail as JSON (the request, or the traffic's bytes). */
  lastActiveDetail: string | null;
  /** SHA-256 (hex) of the summary ingest token; null for a tenant that has none yet. */
  ingestHash: string | null;
  /** The podman secret holding the ingest token. */
  ingestSecret: string | null;
  /** An ingest secret a rotate-ingest-token was switching to or from (removed by it, or by reconcile). */
  ingestPending: string | null;
}

/** An adopted tenant: already running somewhere, so it is inserted active with its own port. */
export interface Adoption {
  name: string;
  port: number;
  image: string;
  volume: string;
  /** Our secret for a labelled container; null for tenant.sh's (no secret of ours yet). */
  secret: string | null;
  containerId: string;
  passwordHash: string | null;
  now: number;
}
