import type { Context } from '../runtime/context.js';
import { sweepEngine } from '../tenant/sweep-engine.js';
import { busyTenants } from '../tenant/lock.js';
import { readAccessLog, type LogRead } from '../activity/access-log.js';
import { collectActivity } from '../activity/collect.js';
import { readNetSplit } from '../activity/traffic.js';
import { readCgroupUsage } from '../activity/cgroup.js';
import { oldestKeptDay, rollup } from '../core/usage.js';
import type { LastActivity } from '../core/last-activity.js';
import { OperationError } from '../core/errors.js';
import { planSweep, type SweepDecision, type SweepReason } from '../core/sweep-plan.js';
import { objectName } from '../core/tenant.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { LogCursor, RecordedActivity } from '../store/sleep.js';

export interface SweepOptions {
  dryRun: boolean;
}

export interface SweepEntry {
  name: string;
  lastActive: string;
  idleForMs: number;
  /** What last counted as activity (the request, traffic, wake, start or pin). */
  activity: LastActivity;
}

export interface SweepResult {
  dryRun: boolean;
  /** Stopped and now asleep (with --dry-run: would be). */
  stopped: SweepEntry[];
  /** Running tenants left running, and why. */
  kept: (SweepEntry & { reason: Exclude<SweepReason, 'idle'> | 'woken' })[];
  /** Tenants by state after this sweep: running, asleep, stopped, missing (for metrics). */
  states: Record<string, number>;
  /** Access log bytes read this time. */
  logBytes: number;
}

/** How long a wake or stop lease holds before it counts as a crashed process's leftover. */
export function leaseMs(ctx: Pick<Context, 'config'>): number {
  return ctx.config.readyTimeoutMs + 60_000;
}

/**
 * One pass: read activity (Caddy's access log since last time, traffic counters), then stop every
 * running tenant idle longer than the idle timeout. State is read with one `podman ps` (on swarm:
 * the services), and all stops go out in one `podman stop` (on swarm: a scale to 0 each). Each stop is claimed in SQLite first, so a wake that began
 * since the plan was made wins.
 */
export async function sweep(ctx: Context, opts: SweepOptions): Promise<SweepResult> {
  const c = ctx.config;
  const engine = sweepEngine(ctx);
  const store = ctx.store();
  const sleep = ctx.sleep();
  // Where this sweep starts reading the log: read first, so another sweep that records before
  // this one does is always noticed (below).
  const startCursor = sleep.cursor(c.accessLog);
  const [rows, containers] = await Promise.all([Promise.resolve(store.list()), engine.list()]);
  const now = ctx.now();
  const byObj = new Map(containers.map((k) => [k.name, k]));
  const byName = new Map<string, ContainerSummary>();
  for (const r of rows) {
    const k = byObj.get(objectName(c, r.name));
    if (k) byName.set(r.name, k);
  }

  let log: LogRead | undefined;
  try {
    log = await readAccessLog(c.accessLog, startCursor, { gated: c.auth === 'jwt' });
  } catch (err) {
    ctx.log(`cannot read the access log ${c.accessLog}: ${(err as Error).message}; only traffic counts as activity this time`);
  }
  const collected = await collectActivity({
    domain: c.domain, now, names: new Set(rows.map((r) => r.name)), containers: byName,
    prevSamples: sleep.samples(), threshold: c.activeTrafficBytes, windowMs: 60_000, log,
    readNet: readNetSplit, readCgroup: (pid) => readCgroupUsage(pid),
    pushed: (name, after, upTo) => ctx.summaries().pushedBetween(name, after, upTo),
  });
  if (!opts.dryRun) {
    // One transaction, the baselines read inside it: two sweeps at once (cron and the watchdog)
    // never count the same bytes, CPU time or log lines twice. Whichever comes second finds the
    // log position moved from where it began reading, and leaves those requests to the first.
    store.transaction(() => {
      const usage = ctx.usage();
      const fresh = sameCursor(sleep.cursor(c.accessLog), startCursor);
      const u = rollup({
        now, readings: collected.readings, prev: usage.samples(), requests: fresh ? collected.requests : new Map(),
        active: new Set(collected.activity.map((a) => a.name)), intervalMs: c.sweepIntervalMs,
      });
      usage.record(u.deltas, u.samples, oldestKeptDay(now, c.usageDays));
      sleep.recordActivity(collected.activity, collected.samples, fresh ? collected.cursor : undefined);
    });
  }
  // What this sweep saw counts as if recorded (so --dry-run, which records nothing, says the same).
  const seen = new Map<string, RecordedActivity>();
  for (const a of collected.activity) if (a.at > (seen.get(a.name)?.at ?? 0)) seen.set(a.name, a);
  const withSeen = (r: TenantRow): TenantRow => {
    const a = seen.get(r.name);
    return a && a.at >= (r.lastActiveAt ?? 0) ? { ...r, lastActiveAt: a.at, lastActiveKind: a.kind, lastActiveDetail: a.detail } : r;
  };

  const plan = planSweep(
    rows.map(withSeen),
    new Map([...byName].map(([n, k]) => [n, { state: k.state, startedAt: k.startedAt?.getTime() }])),
    // A command working on a tenant (export, passwd, start) has it for now: never stopped under it.
    { now, idleMs: c.idleMs, leaseMs: leaseMs(ctx), busy: new Set(busyTenants(ctx).keys()) },
  );
  const entry = (d: SweepDecision): SweepEntry => ({ name: d.name, lastActive: new Date(d.lastActiveAt).toISOString(), idleForMs: d.idleForMs, activity: d.activity });
  const result: SweepResult = {
    dryRun: opts.dryRun,
    stopped: [],
    kept: plan.filter((d) => !d.stop).map((d) => ({ ...entry(d), reason: d.reason as Exclude<SweepReason, 'idle'> })),
    states: {},
    logBytes: log?.bytes ?? 0,
  };
  const toStop = plan.filter((d) => d.stop);
  if (opts.dryRun) {
    result.stopped = toStop.map(entry);
  } else {
    const claimed = toStop.filter((d) => sleep.claimSleep(d.name, { now, idleBefore: now - c.idleMs, leaseStaleBefore: now - leaseMs(ctx) }));
    for (const d of toStop) if (!claimed.includes(d)) result.kept.push({ ...entry(d), reason: 'woken' });
    if (claimed.length > 0) {
      let failure: unknown;
      try {
        await engine.stop(claimed.map((d) => objectName(c, d.name)));
      } catch (err) {
        failure = err;
      }
      for (const d of claimed) {
        if (sleep.finishSleep(d.name, now, ctx.now(), failure === undefined)) result.stopped.push(entry(d));
        else result.kept.push({ ...entry(d), reason: 'woken' });
      }
      if (failure) throw failure instanceof OperationError ? failure : new OperationError(`stopping idle tenants failed: ${(failure as Error).message}`);
    }
  }
  result.states = countStates(rows.map((r) => r.name), byName, new Set(result.stopped.map((s) => s.name)), new Set(rows.filter((r) => r.asleepAt).map((r) => r.name)), opts.dryRun);
  return result;
}

function sameCursor(a: LogCursor | undefined, b: LogCursor | undefined): boolean {
  return a?.inode === b?.inode && a?.offset === b?.offset;
}

function countStates(names: string[], byName: Map<string, ContainerSummary>, stopped: Set<string>, asleep: Set<string>, dryRun: boolean): Record<string, number> {
  const states: Record<string, number> = { running: 0, asleep: 0, stopped: 0, missing: 0 };
  for (const n of names) {
    const k = byName.get(n);
    const s = !k ? 'missing'
      : stopped.has(n) && !dryRun ? 'asleep'
        : k.state === 'running' ? 'running'
          : asleep.has(n) ? 'asleep' : 'stopped';
    states[s] = (states[s] ?? 0) + 1;
  }
  return states;
}
