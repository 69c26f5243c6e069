import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { SummaryState, StoredSummary } from './port.js';

/** Summaries tenants pushed, newest kept (core/summary.ts: MAX_SUMMARIES_PER_TENANT). */
export class SummaryStore implements SummaryState {
  constructor(private readonly db: Db) {}

  /** Stores one and drops that tenant's oldest beyond `keep`; false when the tenant is gone. */
  add(name: string, receivedAt: number, body: string, keep: number, wireBytes = 0): boolean {
    return this.db.transaction(() => {
      const r = prepared(this.db, 'INSERT INTO summaries (name, received_at, body, wire_bytes) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tenants WHERE name = ?)')
        .run(name, receivedAt, body, wireBytes, name);
      if (r.changes === 0) return false;
      prepared(this.db, 'DELETE FROM summaries WHERE name = ? AND id <= (SELECT id FROM summaries WHERE name = ? ORDER BY id DESC LIMIT 1 OFFSET ?)')
        .run(name, name, keep);
      return true;
    }).immediate();
  }

  /** Pushes stored in (after, upTo], and the bytes of their bodies as sent (the sweep leaves them out of traffic). */
  pushedBetween(name: string, after: number, upTo: number): { count: number; bytes: number } {
    return prepared(this.db, 'SELECT COUNT(*) AS count, COALESCE(SUM(wire_bytes), 0) AS bytes FROM summaries WHERE name = ? AND received_at > ? AND received_at <= ?')
      .get(name, after, upTo) as { count: number; bytes: number };
  }

  /** The last `n` of a tenant's, oldest first. */
  last(name: string, n: number): StoredSummary[] {
    const rows = prepared(this.db, 'SELECT received_at AS receivedAt, body FROM summaries WHERE name = ? ORDER BY id DESC LIMIT ?').all(name, n) as StoredSummary[];
    return rows.reverse();
  }

  /** Replaces a tenant's summaries (import), in one transaction. */
  replace(name: string, list: readonly StoredSummary[]): void {
    const ins = prepared(this.db, 'INSERT INTO summaries (name, received_at, body) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      prepared(this.db, 'DELETE FROM summaries WHERE name = ?').run(name);
      for (const s of list) ins.run(name, s.receivedAt, s.body);
    }).immediate();
  }
}
