import type { Db } from './db.js';
import { ConflictError } from '../core/errors.js';
import { pickPort, type PortRange } from '../core/ports.js';

export type TenantStatus = 'provisioning' | 'active' | 'removing';

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
}

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
});

export interface Reservation {
  name: string;
  image: string;
  volume: string;
  range: PortRange;
  /** Ports taken outside our state (e.g. by containers podman already has). */
  alsoUsed: ReadonlySet<number>;
  now: number;
}

/** Tenant rows. Port and name are claimed in one write transaction, so concurrent adds never collide. */
export class TenantStore {
  constructor(readonly db: Db) {}

  /** Runs fn in one write transaction (with other repositories on the same db, e.g. the outbox). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get(name: string): TenantRow | undefined {
    const r = this.db.prepare('SELECT * FROM tenants WHERE name = ?').get(name) as Raw | undefined;
    return r && fromRaw(r);
  }

  list(): TenantRow[] {
    return (this.db.prepare('SELECT * FROM tenants ORDER BY name').all() as Raw[]).map(fromRaw);
  }

  /** Claims the name and the lowest free port; the row stays 'provisioning' until activate(). */
  reserve(r: Reservation): TenantRow {
    return this.db.transaction(() => {
      if (this.get(r.name)) throw new ConflictError(`tenant ${r.name} already exists`, `see it with: feather-tenant show ${r.name}`);
      const used = new Set<number>(r.alsoUsed);
      for (const row of this.db.prepare('SELECT port FROM tenants').all() as { port: number }[]) used.add(row.port);
      const port = pickPort(r.range, used);
      this.db
        .prepare(`INSERT INTO tenants (name, port, status, image, volume, created_at, updated_at)
                  VALUES (?, ?, 'provisioning', ?, ?, ?, ?)`)
        .run(r.name, port, r.image, r.volume, r.now, r.now);
      return this.get(r.name) as TenantRow;
    }).immediate();
  }

  activate(name: string, containerId: string, passwordHash: string, now: number): void {
    this.db
      .prepare(`UPDATE tenants SET status = 'active', container_id = ?, password_hash = ?, updated_at = ? WHERE name = ?`)
      .run(containerId, passwordHash, now, name);
  }

  setStatus(name: string, status: TenantStatus, now: number): void {
    this.db.prepare('UPDATE tenants SET status = ?, updated_at = ? WHERE name = ?').run(status, now, name);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM tenants WHERE name = ?').run(name);
  }
}
