import { OperationError, UsageError } from '../core/errors.js';
import { validateImage } from '../core/image-ref.js';
import { validateName } from '../core/names.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';
import { planUpgrade, type PlannedUpgrade, type UpgradeMode, type UpgradeOutcome } from '../core/upgrade-plan.js';
import type { Context } from '../runtime/context.js';
import { leaseMs } from './sweep.js';
import { runCanary } from '../tenant/canary.js';
import { withLock } from '../tenant/lock.js';
import { requireTenant } from '../tenant/require.js';
import { RolledBack } from '../tenant/switch.js';

export interface UpgradeOptions {
  names: string[];
  all: boolean;
  image?: string | undefined;
  dryRun: boolean;
  parallel?: string | undefined;
  /** The `podman ps` the launcher started before the CLI loaded (runtime/early-read.ts). */
  early?: Promise<ContainerSummary[]> | undefined;
}

export interface UpgradeEntry {
  name: string;
  /** With --dry-run: 'upgraded' means "would be upgraded". */
  outcome: UpgradeOutcome;
  mode: UpgradeMode;
  image: string;
  fromId: string | null;
  toId: string;
  detail: string;
  /** From the start of this tenant's switch to its end (the new container answered and took the name). */
  ms?: number;
  /** The whole error, the new container's last log lines included (rolled back, failed). */
  error?: string;
}

export interface UpgradeResult {
  dryRun: boolean;
  tenants: UpgradeEntry[];
  /** Tenants rolled back or failed (upgrade then exits 1). */
  failed: number;
}

/**
 * A sweep that claimed the tenant before we took its lock may be stopping it: let that stop end
 * (the tenant is then asleep, and recreated as such), or our new container would be marked asleep
 * while it runs. True when it waited (the plan's view of the container is then stale).
 */
async function sweepStopDone(ctx: Context, name: string): Promise<boolean> {
  const until = Date.now() + ctx.config.readyTimeoutMs;
  let waited = false;
  while (ctx.sleep().stopInProgress(name, ctx.now() - leaseMs(ctx)) && Date.now() < until) {
    waited = true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return waited;
}

function parseParallel(v: string | undefined): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 64) throw new UsageError(`--parallel must be a whole number from 1 to 64, not ${JSON.stringify(v)}`);
  return n;
}

/**
 * `upgrade <name...> | --all`: moves tenants to a new image (or their configured image's new
 * ID), one at a time by default, the first as a canary: on the first failure the rest are left
 * untouched. Everything is checked before anything changes: names, options, and what the backend's
 * preflight checks (podman: every image is in its storage). The switch itself is the backend's.
 */
export async function upgrade(ctx: Context, o: UpgradeOptions): Promise<UpgradeResult> {
  if (o.all === (o.names.length > 0)) throw new UsageError('name the tenants to upgrade, or give --all (not both)');
  const parallel = parseParallel(o.parallel);
  const image = o.image === undefined ? undefined : validateImage(o.image, '--image');
  const names = [...new Set(o.names.map(validateName))];
  const store = ctx.store();
  const rows: TenantRow[] = o.all ? store.list() : names.map((n) => requireTenant(ctx, n));

  const images = [...new Set(rows.map((r) => image ?? r.image))];
  const world = await ctx.backend.prepareUpgrade(ctx, rows, images, o.early);
  const plan = planUpgrade(rows.map((row) => {
    const target = image ?? row.image;
    return { row, container: world.engines.get(row.name), target: { image: target, id: world.ids.get(target) as string } };
  }));
  const entry = (p: PlannedUpgrade, outcome: UpgradeOutcome, extra: Partial<UpgradeEntry> = {}): UpgradeEntry =>
    ({ name: p.name, outcome, mode: p.mode, image: p.image, fromId: p.fromId, toId: p.toId, detail: p.why, ...extra });
  if (o.dryRun) return { dryRun: true, tenants: plan.map((p) => entry(p, p.action === 'upgrade' ? 'upgraded' : 'skipped')), failed: 0 };

  const todo = plan.filter((p) => p.action === 'upgrade');
  const done = await runCanary(todo, parallel, async (p) => {
    const t0 = ctx.now();
    try {
      const upToDate = await withLock(ctx, p.name, 'upgrade', async () => {
        const waited = await sweepStopDone(ctx, p.name);
        const row = requireTenant(ctx, p.name);
        if (row.status !== 'active' || row.upgrade) throw new OperationError(`${p.name} changed meanwhile (${row.upgrade ? 'an upgrade of it was interrupted' : row.status}): run feather-tenant reconcile, then upgrade again`);
        // The state the engine gave the plan, unless the row changed since (a sweep put it to sleep,
        // a command started or stopped it, another upgrade moved it): then asked again. One
        // engine call less on the way.
        const planned = rows.find((r) => r.name === p.name);
        const same = !waited && planned?.updatedAt === row.updatedAt && planned.asleepAt === row.asleepAt && planned.wakeStartedAt === row.wakeStartedAt;
        const now = same ? world.engines.get(p.name) : await ctx.backend.upgradeState(ctx, p.name);
        // Another upgrade that held the lock before us may have done it already: a second switch
        // would only stop and start the tenant again for nothing.
        if (!same && now?.imageId === p.toId && row.image === p.image) return true;
        const mode: UpgradeMode = now?.state === 'running' ? 'running' : row.asleepAt !== null ? 'asleep' : 'stopped';
        await ctx.backend.switchImage(ctx, row, p.image, mode, { leftover: world.leftovers.has(p.name) });
        p.mode = mode;
        return false;
      });
      if (upToDate) return entry(p, 'skipped', { detail: 'up to date (another upgrade moved it meanwhile)' });
      return entry(p, 'upgraded', { detail: p.mode === 'running' ? 'serving on the new image' : `recreated on the new image, left ${p.mode}`, ms: ctx.now() - t0 });
    } catch (err) {
      const e = err as Error;
      return entry(p, err instanceof RolledBack ? 'rolled back' : 'failed', { detail: (e.message.split('\n')[0] ?? '').replace(`${p.name}: `, ''), error: e.message, ms: ctx.now() - t0 });
    }
  }, (r) => r.outcome !== 'upgraded');
  const results = new Map(todo.map((p, i) => { const r = done[i]; return [p.name, r === 'untouched' || r === undefined ? entry(p, 'untouched', { detail: 'not tried: an earlier tenant failed' }) : r] as const; }));
  const tenants = plan.map((p) => results.get(p.name) ?? entry(p, 'skipped'));
  return { dryRun: false, tenants, failed: tenants.filter((t) => t.outcome === 'rolled back' || t.outcome === 'failed').length };
}
