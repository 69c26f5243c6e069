// Pure: which running tenants a sweep puts to sleep, and why the others stay up.
import { lastActivity, type LastActivity } from './last-activity.js';

export interface SweepTenant {
  name: string;
  status: string;
  pinned: boolean;
  lastActiveAt: number | null;
  /** What that activity was (core/last-activity.ts); optional for rows from before it was kept. */
  lastActiveKind?: string | null;
  lastActiveDetail?: string | null;
  wakeStartedAt: number | null;
  stopStartedAt: number | null;
  createdAt: number;
}

export interface SweepContainer {
  state: string;
  startedAt: number | undefined;
}

export interface SweepPolicy {
  now: number;
  idleMs: number;
  /** A wake or stop lease older than this is a crashed process's leftover and is ignored. */
  leaseMs: number;
  /** Tenants another live process holds the lock of (an export, a passwd): left alone this time. */
  busy?: ReadonlySet<string>;
}

export type SweepReason = 'idle' | 'active' | 'pinned' | 'waking' | 'stopping' | 'busy';

export interface SweepDecision {
  name: string;
  stop: boolean;
  reason: SweepReason;
  /** The latest of its last request, traffic, container start and creation. */
  lastActiveAt: number;
  idleForMs: number;
  /** What last counted as activity: the request, traffic, wake, start or pin that idle time counts from. */
  activity: LastActivity;
}

/** Decisions for every running, active tenant (others have nothing to stop), by name. */
export function planSweep(tenants: SweepTenant[], containers: ReadonlyMap<string, SweepContainer>, p: SweepPolicy): SweepDecision[] {
  const fresh = (t: number | null) => t !== null && t > p.now - p.leaseMs;
  const out: SweepDecision[] = [];
  for (const t of tenants) {
    const k = containers.get(t.name);
    if (t.status !== 'active' || k?.state !== 'running') continue;
    // A container started recently (by a wake, `start`, or reconcile) gets a full idle period.
    const lastActiveAt = Math.max(t.lastActiveAt ?? 0, k.startedAt ?? 0, t.createdAt);
    const activity = lastActivity({ lastActiveAt: t.lastActiveAt, lastActiveKind: t.lastActiveKind ?? null, lastActiveDetail: t.lastActiveDetail ?? null, createdAt: t.createdAt }, k.startedAt);
    const idleForMs = Math.max(0, p.now - lastActiveAt);
    const reason: SweepReason = t.pinned ? 'pinned'
      : fresh(t.wakeStartedAt) ? 'waking'
        : fresh(t.stopStartedAt) ? 'stopping'
          : p.busy?.has(t.name) ? 'busy'
            : idleForMs > p.idleMs ? 'idle' : 'active';
    out.push({ name: t.name, stop: reason === 'idle', reason, lastActiveAt, idleForMs, activity });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
