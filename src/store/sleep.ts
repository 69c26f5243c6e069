import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { SleepState } from './port.js';
import { dayOf } from '../core/usage.js';

export interface TrafficSample {
  name: string;
  /** The container's PID when sampled: a new PID means new counters (a new network namespace). */
  pid: number;
  bytes: number;
  sampledAt: number;
}

export interface LogCursor {
  file: string;
  inode: number;
  offset: number;
}

/** One activity as recorded: its kind and detail (core/last-activity.ts) go with the latest. */
export interface RecordedActivity {
  name: string;
  at: number;
  kind: 'request' | 'traffic' | 'warmup';
  /** JSON: the request, or the traffic's bytes. */
  detail: string;
}

/** Sets last_active_at to the later of it and @at, and @kind and @detail with it when @at is the later. */
const TOUCH = `last_active_kind = CASE WHEN @at >= COALESCE(last_active_at, 0) THEN @kind ELSE last_active_kind END,
  last_active_detail = CASE WHEN @at >= COALESCE(last_active_at, 0) THEN @detail ELSE last_active_detail END,
  last_active_at = MAX(COALESCE(last_active_at, 0), @at)`;

/**
 * Activity, pins and the sleep/wake leases. The sweep (often another process, from cron) and
 * the wake server coordinate only through these rows: each step is one short write
 * transaction, so whichever comes second sees what the first did.
 */
export class SleepStore implements SleepState {
  constructor(private readonly db: Db) {}

  /** One transaction: activity only ever moves forward, samples and the log position are replaced. */
  recordActivity(activity: RecordedActivity[], samples: TrafficSample[], cursor: LogCursor | undefined): void {
    const touch = prepared(this.db, `UPDATE tenants SET ${TOUCH} WHERE name = @name`);
    const sample = prepared(this.db,
      `INSERT INTO traffic_samples (name, pid, bytes, sampled_at) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tenants WHERE name = ?)
       ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, bytes = excluded.bytes, sampled_at = excluded.sampled_at`,
    );
    const setCursor = prepared(this.db,
      `INSERT INTO log_cursors (file, inode, offset) VALUES (?, ?, ?)
       ON CONFLICT (file) DO UPDATE SET inode = excluded.inode, offset = excluded.offset`,
    );
    this.db.transaction(() => {
      for (const a of activity) touch.run({ at: a.at, kind: a.kind, detail: a.detail, name: a.name });
      for (const s of samples) sample.run(s.name, s.pid, s.bytes, s.sampledAt, s.name);
      if (cursor) setCursor.run(cursor.file, cursor.inode, cursor.offset);
    }).immediate();
  }

  samples(): Map<string, TrafficSample> {
    const rows = prepared(this.db, 'SELECT name, pid, bytes, sampled_at AS sampledAt FROM traffic_samples').all() as TrafficSample[];
    return new Map(rows.map((r) => [r.name, r]));
  }

  cursor(file: string): LogCursor | undefined {
    return prepared(this.db, 'SELECT file, inode, offset FROM log_cursors WHERE file = ?').get(file) as LogCursor | undefined;
  }

  /** False when there is no such tenant. */
  setPinned(name: string, pinned: boolean, now: number): boolean {
    if (!pinned) return prepared(this.db, 'UPDATE tenants SET pinned = 0, updated_at = ? WHERE name = ?').run(now, name).changes > 0;
    // Pinning is the operator's say-so that it stays up: the latest activity until another comes.
    return prepared(this.db, `UPDATE tenants SET pinned = 1, updated_at = @at, ${TOUCH} WHERE name = @name`).run({ at: now, kind: 'pin', detail: '{}', name }).changes > 0;
  }

  /**
   * A wake begins: takes the wake lease, counts as activity, clears "asleep". Returns when a
   * sweep started stopping the tenant (the waker waits for that stop to finish before starting).
   */
  beginWake(name: string, now: number): { stopStartedAt: number | null } | undefined {
    return this.db.transaction(() => {
      const r = prepared(this.db, `UPDATE tenants SET wake_started_at = @at, ${TOUCH}, asleep_at = NULL
                  WHERE name = @name RETURNING stop_started_at AS stopStartedAt`)
        .get({ at: now, kind: 'wake', detail: '{}', name }) as { stopStartedAt: number | null } | undefined;
      return r;
    }).immediate();
  }

  /** Releases the lease this wake took (not a newer one); a successful wake is activity, and counts in the day's usage. */
  endWake(name: string, startedAt: number, now: number, ok: boolean): void {
    this.db.transaction(() => {
      if (!ok) {
        prepared(this.db, 'UPDATE tenants SET wake_started_at = CASE WHEN wake_started_at = ? THEN NULL ELSE wake_started_at END WHERE name = ?').run(startedAt, name);
        return;
      }
      prepared(this.db, `UPDATE tenants SET wake_started_at = CASE WHEN wake_started_at = @startedAt THEN NULL ELSE wake_started_at END, ${TOUCH}
                  WHERE name = @name`).run({ at: now, kind: 'wake', detail: '{}', name, startedAt });
      prepared(this.db, `INSERT INTO usage_days (name, day, wakes) VALUES (?, ?, 1)
                  ON CONFLICT (name, day) DO UPDATE SET wakes = wakes + 1`).run(name, dayOf(now));
    }).immediate();
  }

  /** Whether a sweep is stopping the tenant right now (a lease older than `staleBefore` is ignored). */
  stopInProgress(name: string, staleBefore: number): boolean {
    const r = prepared(this.db, 'SELECT stop_started_at AS s FROM tenants WHERE name = ?').get(name) as { s: number | null } | undefined;
    return r?.s != null && r.s >= staleBefore;
  }

  /**
   * Claims a tenant for sleeping, atomically with what a wake writes: refused when it is pinned,
   * a wake holds a live lease, or activity newer than `idleBefore` arrived since the plan was made.
   */
  claimSleep(name: string, o: { now: number; idleBefore: number; leaseStaleBefore: number }): boolean {
    return prepared(this.db, `UPDATE tenants SET stop_started_at = ?
                WHERE name = ? AND status = 'active' AND pinned = 0
                  AND (wake_started_at IS NULL OR wake_started_at < ?)
                  AND COALESCE(last_active_at, 0) <= ?`)
      .run(o.now, name, o.leaseStaleBefore, o.idleBefore).changes > 0;
  }

  /**
   * The stop this sweep claimed is over. Marks the tenant asleep, unless it failed or a wake
   * began meanwhile (that wake restarts the container). Returns whether it is now asleep.
   */
  finishSleep(name: string, claimedAt: number, now: number, stopped: boolean): boolean {
    return this.db.transaction(() => {
      const r = prepared(this.db, 'SELECT wake_started_at AS w FROM tenants WHERE name = ? AND stop_started_at = ?')
        .get(name, claimedAt) as { w: number | null } | undefined;
      if (!r) return false;
      const asleep = stopped && (r.w === null || r.w < claimedAt);
      prepared(this.db, 'UPDATE tenants SET stop_started_at = NULL, asleep_at = CASE WHEN ? THEN ? ELSE asleep_at END WHERE name = ?')
        .run(asleep ? 1 : 0, now, name);
      return asleep;
    }).immediate();
  }
}
