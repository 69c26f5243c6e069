import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { LockState } from './port.js';

/** Who holds a lock: a process, told apart from a later one with the same pid by its start time. */
export interface LockHolder {
  key: string;
  pid: number;
  pidStart: string | null;
  command: string;
  acquiredAt: number;
}

/** How to tell whether a lock's owner still runs (injected: tests and other platforms differ). */
export interface ProcessProbe {
  self(): { pid: number; start: string | null };
  alive(pid: number, start: string | null): boolean;
}

interface Raw {
  key: string;
  pid: number;
  pid_start: string | null;
  command: string;
  acquired_at: number;
}

const fromRaw = (r: Raw): LockHolder => ({ key: r.key, pid: r.pid, pidStart: r.pid_start, command: r.command, acquiredAt: r.acquired_at });

/**
 * Advisory per-tenant locks in SQLite. A row names its owner process; a row whose owner is
 * gone (SIGKILL, power loss) is stale and is taken over, so a crash never wedges a tenant.
 */
export class Locks implements LockState {
  constructor(
    private readonly db: Db,
    private readonly probe: ProcessProbe,
  ) {}

  /** Takes the lock and returns undefined, or returns the live holder and changes nothing. */
  tryAcquire(key: string, command: string, now: number): LockHolder | undefined {
    const me = this.probe.self();
    return this.db.transaction(() => {
      const r = prepared(this.db, 'SELECT * FROM locks WHERE key = ?').get(key) as Raw | undefined;
      if (r && this.probe.alive(r.pid, r.pid_start)) return fromRaw(r);
      prepared(this.db, 'INSERT OR REPLACE INTO locks (key, pid, pid_start, command, acquired_at) VALUES (?, ?, ?, ?, ?)')
        .run(key, me.pid, me.start, command, now);
      return undefined;
    }).immediate();
  }

  /** Releases the lock if this process holds it. */
  release(key: string): void {
    const me = this.probe.self();
    prepared(this.db, 'DELETE FROM locks WHERE key = ? AND pid = ?').run(key, me.pid);
  }

  /**
   * Locks held by live processes, this one included: the watchdog runs the admin API's commands
   * in its own process, and its sweep and waker must keep away from those as from any other.
   */
  held(): LockHolder[] {
    return (prepared(this.db, 'SELECT * FROM locks').all() as Raw[])
      .filter((r) => this.probe.alive(r.pid, r.pid_start))
      .map(fromRaw);
  }
}
