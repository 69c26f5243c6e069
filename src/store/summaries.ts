import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { SummaryState, StoredSummary } from './port.js';

/** Summaries tenants pushed, newest kept (core/summary.ts: MAX_SUMMARIES_PER_TENANT). */
export class SummaryStore implements SummaryState {
  constructor(private readonly db: Db) {}

  /** Stores one and drops that tenant's oldest beyond `keep`; false when the tenant is gone. */
  add(name: string, receivedAt: number, body: string, keep: number): boolean {
    return this.db.transaction(() => {
      const r = prepared(this.db, 'INSERT INTO summaries (name, received_at, body) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM tenants WHERE name = ?)')
        .run(name, receivedAt, body, name);
      if (r.changes === 0) return false;
      prepared(this.db, 'DELETE FROM summaries WHERE name = ? AND id <= (SELECT id FROM summaries WHERE name = ? ORDER BY id DESC LIMIT 1 OFFSET ?)')
        .run(name, name, keep);
      return true;
    }).immediate();
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
