import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { TenantState } from './port.js';
import { ConflictError } from '../core/errors.js';
import { pickPort, type PortRange } from '../core/ports.js';
import type { Adoption, DesiredState, TenantRow, TenantStatus, UpgradeStep } from '../core/tenant-row.js';

interface Raw {
  name: string;
  port: number;
  status: TenantStatus;
  image: string;
  volume: string;
  container_id: string | null;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
  secret: string | null;
  secret_pending: string | null;
  desired: DesiredState;
  adopted_at: number | null;
  last_active_at: number | null;
  pinned: number;
  asleep_at: number | null;
  stop_started_at: number | null;
  wake_started_at: number | null;
  upgrade_image: string | null;
  upgrade_step: UpgradeStep | null;
  upgrade_started_at: number | null;
  last_active_kind: string | null;
  last_active_detail: string | null;
  ingest_hash: string | null;
  ingest_secret: string | null;
  ingest_pending: string | null;
}

const fromRaw = (r: Raw): TenantRow => ({
  name: r.name,
  port: r.port,
  status: r.status,
  image: r.image,
  volume: r.volume,
  containerId: r.container_id,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  secret: r.secret,
  secretPending: r.secret_pending,
  desired: r.desired,
  adoptedAt: r.adopted_at,
  lastActiveAt: r.last_active_at,
  pinned: r.pinned === 1,
  asleepAt: r.asleep_at,
  stopStartedAt: r.stop_started_at,
  wakeStartedAt: r.wake_started_at,
  upgrade: r.upgrade_image !== null && r.upgrade_step !== null ? { image: r.upgrade_image, step: r.upgrade_step, startedAt: r.upgrade_started_at ?? 0 } : null,
  lastActiveKind: r.last_active_kind,
  lastActiveDetail: r.last_active_detail,
  ingestHash: r.ingest_hash,
  ingestSecret: r.ingest_secret,
  ingestPending: r.ingest_pending,
});

export interface Reservation {
  name: string;
  image: string;
  volume: string;
  /** The podman secret add makes; default: named as the volume (both are the tenant's object name). */
  secret?: string;
  range: PortRange;
  /** Ports taken outside our state (e.g. by containers podman already has). */
  alsoUsed: ReadonlySet<number>;
  now: number;
  /** The creation time to record, when it is not now (an imported tenant keeps its own). */
  createdAt?: number | undefined;
}

/** Tenant rows. Port and name are claimed in one write transaction, so concurrent adds never collide. */
export class TenantStore implements TenantState {
  constructor(readonly db: Db) {}

  /** Runs fn in one write transaction (with other repositories on the same db, e.g. the outbox). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get(name: string): TenantRow | undefined {
    const r = prepared(this.db, 'SELECT * FROM tenants WHERE name = ?').get(name) as Raw | undefined;
    return r && fromRaw(r);
  }

  list(): TenantRow[] {
    return (prepared(this.db, 'SELECT * FROM tenants ORDER BY name').all() as Raw[]).map(fromRaw);
  }

  /** Claims the name and the lowest free port; the row stays 'provisioning' until activate(). */
  reserve(r: Reservation): TenantRow {
    return this.db.transaction(() => {
      if (this.get(r.name)) throw new ConflictError(`tenant ${r.name} already exists`, `see it with: feather-tenant show ${r.name}`);
      const used = new Set<number>(r.alsoUsed);
      for (const row of prepared(this.db, 'SELECT port FROM tenants').all() as { port: number }[]) used.add(row.port);
      const port = pickPort(r.range, used);
      prepared(this.db, `INSERT INTO tenants (name, port, status, image, volume, secret, created_at, updated_at)
                  VALUES (?, ?, 'provisioning', ?, ?, ?, ?, ?)`)
        .run(r.name, port, r.image, r.volume, r.secret ?? r.volume, r.createdAt ?? r.now, r.now);
      return this.get(r.name) as TenantRow;
    }).immediate();
  }

  /** Inserts an adopted tenant; a name or port that is taken meanwhile is a conflict. */
  adopt(a: Adoption): void {
    this.db.transaction(() => {
      if (this.get(a.name)) throw new ConflictError(`tenant ${a.name} already exists`);
      if (prepared(this.db, 'SELECT 1 FROM tenants WHERE port = ?').get(a.port)) throw new ConflictError(`port ${a.port} is already a tenant's`);
      prepared(this.db, `INSERT INTO tenants (name, port, status, image, volume, container_id, password_hash, secret, created_at, updated_at, adopted_at)
                  VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(a.name, a.port, a.image, a.volume, a.containerId, a.passwordHash, a.secret, a.now, a.now, a.now);
    }).immediate();
  }

  activate(name: string, containerId: string, passwordHash: string, now: number): void {
    prepared(this.db, `UPDATE tenants SET status = 'active', container_id = ?, password_hash = ?, updated_at = ? WHERE name = ?`)
      .run(containerId, passwordHash, now, name);
  }

  setStatus(name: string, status: TenantStatus, now: number): void {
    prepared(this.db, 'UPDATE tenants SET status = ?, updated_at = ? WHERE name = ?').run(status, now, name);
  }

  setDesired(name: string, desired: DesiredState, now: number): void {
    prepared(this.db, 'UPDATE tenants SET desired = ?, updated_at = ? WHERE name = ?').run(desired, now, name);
  }

  setContainerId(name: string, containerId: string, now: number): void {
    prepared(this.db, 'UPDATE tenants SET container_id = ?, updated_at = ? WHERE name = ?').run(containerId, now, name);
  }

  setPendingSecret(name: string, secret: string | null, now: number): void {
    prepared(this.db, 'UPDATE tenants SET secret_pending = ?, updated_at = ? WHERE name = ?').run(secret, now, name);
  }

  /**
   * The password changes hands in one write: the new secret and hash become current, and the
   * old secret becomes pending (removed next, by passwd or by reconcile if passwd dies).
   */
  switchSecret(name: string, secret: string, passwordHash: string, oldSecret: string | null, now: number): void {
    prepared(this.db, 'UPDATE tenants SET secret = ?, password_hash = ?, secret_pending = ?, updated_at = ? WHERE name = ?')
      .run(secret, passwordHash, oldSecret, now, name);
  }

  /** An upgrade begins (the wake server holds the tenant's requests from now), or moves on a step. */
  setUpgrade(name: string, image: string, step: UpgradeStep, now: number): void {
    prepared(this.db, `UPDATE tenants SET upgrade_image = ?, upgrade_step = ?, upgrade_started_at = COALESCE(upgrade_started_at, ?), updated_at = ?
                WHERE name = ?`).run(image, step, now, now, name);
  }

  /** The new container answered: in one write the row takes its image and id, and the step says so. */
  upgradeAnswered(name: string, image: string, containerId: string, now: number): void {
    prepared(this.db, `UPDATE tenants SET image = ?, container_id = ?, upgrade_image = ?, upgrade_step = 'answered', updated_at = ? WHERE name = ?`)
      .run(image, containerId, image, now, name);
  }

  /** The upgrade is over, finished or rolled back. */
  endUpgrade(name: string, now: number): void {
    prepared(this.db, 'UPDATE tenants SET upgrade_image = NULL, upgrade_step = NULL, upgrade_started_at = NULL, updated_at = ? WHERE name = ?').run(now, name);
  }

  setPendingIngest(name: string, secret: string | null, now: number): void {
    prepared(this.db, 'UPDATE tenants SET ingest_pending = ?, updated_at = ? WHERE name = ?').run(secret, now, name);
  }

  switchIngest(name: string, secret: string, hash: string, oldSecret: string | null, now: number): void {
    prepared(this.db, 'UPDATE tenants SET ingest_secret = ?, ingest_hash = ?, ingest_pending = ?, updated_at = ? WHERE name = ?')
      .run(secret, hash, oldSecret, now, name);
  }

  delete(name: string): void {
    prepared(this.db, 'DELETE FROM tenants WHERE name = ?').run(name);
  }
}
