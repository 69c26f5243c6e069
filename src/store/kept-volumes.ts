import type { KeptVolume } from '../core/kept-volume.js';
import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { KeptVolumeState } from './port.js';

interface Raw {
  name: string;
  volume: string;
  node: string | null;
  removed_at: number;
}

/**
 * Swarm volumes remove kept, by tenant name (issue 14): the node each stays on, which the
 * manager cannot see for itself. One per name: the copy that holds the tenant's live data.
 */
export class KeptVolumeStore implements KeptVolumeState {
  constructor(private readonly db: Db) {}

  get(name: string): KeptVolume | undefined {
    const r = prepared(this.db, 'SELECT name, volume, node, removed_at FROM kept_volumes WHERE name = ?').get(name) as Raw | undefined;
    return r && { name: r.name, volume: r.volume, node: r.node, removedAt: r.removed_at };
  }

  /** A remove run again after a crash no longer sees the service: an unknown node never replaces a known one. */
  keep(k: KeptVolume): void {
    prepared(this.db, `INSERT INTO kept_volumes (name, volume, node, removed_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET volume = excluded.volume, node = COALESCE(excluded.node, node), removed_at = excluded.removed_at`)
      .run(k.name, k.volume, k.node, k.removedAt);
  }

  /** The live data went to another node (move): a record must follow it, never point at the old copy. */
  moved(name: string, node: string): void {
    prepared(this.db, 'UPDATE kept_volumes SET node = ? WHERE name = ?').run(node, name);
  }

  forget(name: string): void {
    prepared(this.db, 'DELETE FROM kept_volumes WHERE name = ?').run(name);
  }
}
