import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { RevocationQueue } from './port.js';

/** A revocation to deliver: one session, or (sessionId null) all sessions issued before notBefore. */
export interface Revocation {
  id: number;
  tenant: string;
  sessionId: string | null;
  notBefore: number;
  reason: string;
  createdAt: number;
}

interface Raw {
  id: number;
  tenant: string;
  session_id: string | null;
  not_before: number;
  reason: string;
  created_at: number;
}

/**
 * The revocation outbox. Callers add inside the same transaction as the state change
 * (see TenantStore.transaction), so a revocation is never lost between SQLite and Redis.
 */
export class RevocationOutbox implements RevocationQueue {
  constructor(private readonly db: Db) {}

  add(r: Omit<Revocation, 'id'>): void {
    prepared(this.db, 'INSERT INTO revocations (tenant, session_id, not_before, reason, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(r.tenant, r.sessionId, r.notBefore, r.reason, r.createdAt);
  }

  pending(): Revocation[] {
    return (prepared(this.db, 'SELECT * FROM revocations ORDER BY id').all() as Raw[]).map((r) => ({
      id: r.id, tenant: r.tenant, sessionId: r.session_id, notBefore: r.not_before, reason: r.reason, createdAt: r.created_at,
    }));
  }

  count(): number {
    return (prepared(this.db, 'SELECT count(*) AS n FROM revocations').get() as { n: number }).n;
  }

  delivered(id: number): void {
    prepared(this.db, 'DELETE FROM revocations WHERE id = ?').run(id);
  }
}
