// upgrade on the swarm backend (issue 14): a tenant's image is its service's spec. "Out of date"
// is the service's image reference differing from the one asked for (or the tenant's configured
// one): image IDs live in each node's own storage, out of the manager's sight, so a new image
// loaded under the same tag is not seen (docs/upgrade.md#swarm).
//
// The switch is `docker service update --image` with stop-first (the local volume is on one node,
// and two tasks would write it at once), the row saying "switching" from the first step on so the
// watchdog holds the tenant's requests (wake/switch-wait.ts) while the old task stops and the new
// one starts. Ready: the app answers through Caddy's direct server (wake/swarm-port.ts), as a wake
// probes it. Rollback: the old image back in the spec, until it answers again.
import { OperationError } from '../core/errors.js';
import { requireSwarmWake } from '../core/swarm-wake.js';
import type { ServiceTask } from '../core/service.js';
import { objectName, prefixFilter } from '../core/tenant.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { UpgradeMode } from '../core/upgrade-plan.js';
import type { Context } from '../runtime/context.js';
import { RolledBack, STOP_GRACE_S } from '../tenant/switch.js';
import { swarmWakePort } from '../wake/swarm-port.js';
import { pollUntil } from '../os/poll.js';
import type { SwarmEngine, UpgradeEngine, UpgradeWorld } from './port.js';

const POLL_MS = 250;
/** How many of the new task's last log lines a rolled-back upgrade prints (as on podman). */
const LOG_LINES = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function prepareSwarmUpgrade(ctx: Context, swarm: SwarmEngine, rows: TenantRow[], images: string[]): Promise<UpgradeWorld> {
  // The switch's ready check is the direct server's probe, and the held requests are the watchdog's.
  requireSwarmWake(ctx.config, 'upgrade', { direct: true });
  // One listing of the prefix's services (three docker calls), not an inspect per tenant: --all asks for every one.
  const byObj = new Map((await swarm.list(prefixFilter(ctx.config))).map((s) => [s.name, s]));
  const engines = new Map<string, UpgradeEngine>();
  for (const row of rows) {
    const s = byObj.get(objectName(ctx.config, row.name));
    if (s) engines.set(row.name, { state: s.desired > 0 ? 'running' : 'stopped', imageId: s.image });
  }
  // The reference is the ID: whether a node has it is known only once a task is placed there (a
  // missing one never answers, and is rolled back).
  return { ids: new Map(images.map((i) => [i, i])), engines, leftovers: new Set() };
}

export async function swarmUpgradeState(ctx: Context, swarm: SwarmEngine, name: string): Promise<UpgradeEngine | undefined> {
  const s = await swarm.inspect(objectName(ctx.config, name));
  return s && { state: s.desired > 0 ? 'running' : 'stopped', imageId: s.image };
}

/** list and show: the service's image reference differs from the tenant's configured one; null when unread. */
export function refOutOfDate(s: { image?: string | undefined } | undefined, image: string): boolean | null {
  return s?.image === undefined ? null : s.image !== image;
}

/** The task runs `image` (a reference docker may have pinned to a digest: `image@sha256:...`). */
const runs = (t: ServiceTask | undefined, image: string) => t !== undefined && (t.image === image || t.image.startsWith(`${image}@`)) && t.state.startsWith('Running');

/** The app answers HTTP: through Caddy's direct server (wake/swarm-port.ts); unit tests give their own. */
export type AppProbe = (ctx: Context, swarm: SwarmEngine, row: TenantRow) => Promise<boolean>;

export const directProbe: AppProbe = (ctx, swarm, row) =>
  swarmWakePort(swarm, { direct: ctx.config.swarmDirect as string, containerPort: ctx.config.containerPort }).probe({ name: row.name, container: objectName(ctx.config, row.name), port: row.port });

export async function switchSwarmImage(ctx: Context, swarm: SwarmEngine, row: TenantRow, image: string, mode: UpgradeMode, appProbe: AppProbe = directProbe): Promise<void> {
  const c = ctx.config;
  const store = ctx.store();
  const obj = objectName(c, row.name);
  const old = (await swarm.inspect(obj))?.image ?? row.image;
  const since = new Date(Date.now() - 1_000).toISOString();
  const running = mode === 'running';
  const probe = () => appProbe(ctx, swarm, row);
  store.setUpgrade(row.name, image, 'stopping', ctx.now());
  try {
    ctx.checkpoint('upgrade:begun');
    await swarm.setImage(obj, image);
    if (running) {
      // The old task's grace and the ready timeout for the new one to run (Swarm places it only
      // once the old one is gone), then the ready timeout again to answer: podman's stop and start.
      const task = await until(Date.now() + STOP_GRACE_S * 1000 + c.readyTimeoutMs, async () => { const t = await swarm.task(obj); return runs(t, image) ? t : undefined; }, `the new task of service ${obj} did not run within`);
      ctx.checkpoint('upgrade:stopped');
      // Only now: whatever answers from here on is the new task (stop-first: the old one is gone).
      store.setUpgrade(row.name, image, 'starting', ctx.now());
      await until(Date.now() + c.readyTimeoutMs, async () => ((await probe()) ? true : undefined), `the new task of service ${obj} did not answer HTTP within`);
      ctx.checkpoint('upgrade:started');
      await settle(ctx, swarm, obj, task.id);
    } else {
      ctx.checkpoint('upgrade:created');
    }
  } catch (err) {
    return rollBack(ctx, swarm, row, { old, running, since, probe }, err);
  }
  // The service's spec is the new image: state says so in one write, then the upgrade is over.
  store.upgradeAnswered(row.name, image, obj, ctx.now());
  ctx.checkpoint('upgrade:answered');
  store.endUpgrade(row.name, ctx.now());
}

function until<T>(deadline: number, check: () => Promise<T | undefined>, failure: string): Promise<T> {
  const t0 = Date.now();
  return pollUntil({ deadline, everyMs: POLL_MS, late: () => new Error(`${failure} ${Math.round((Date.now() - t0) / 1000)} s`) }, check);
}

/**
 * Answered: kept only if the same task still runs after FEATHER_TENANT_UPGRADE_SETTLE (a task that
 * dies is restarted by Swarm under another ID: that is a crash too).
 */
async function settle(ctx: Context, swarm: SwarmEngine, obj: string, id: string): Promise<void> {
  const end = Date.now() + ctx.config.upgradeSettleMs;
  for (;;) {
    const t = await swarm.task(obj);
    if (t?.id !== id || !t.state.startsWith('Running')) throw new Error(`the new task of service ${obj} answered HTTP, then exited within ${ctx.config.upgradeSettleMs / 1000} s`);
    if (Date.now() >= end) return;
    await sleep(Math.min(POLL_MS, Math.max(0, end - Date.now())));
  }
}

async function rollBack(ctx: Context, swarm: SwarmEngine, row: TenantRow, o: { old: string; running: boolean; since: string; probe: () => Promise<boolean> }, cause: unknown): Promise<never> {
  const obj = objectName(ctx.config, row.name);
  const reason = cause instanceof Error ? cause.message.split('\n')[0] ?? 'failed' : String(cause);
  ctx.log(`${row.name}: rolling back (${reason})`);
  const logs = await swarm.readLogs(obj, { tail: LOG_LINES, since: o.since }).then((ls) => ls.map((l) => l.text).join('\n')).catch(() => '');
  try {
    await swarm.setImage(obj, o.old);
    if (o.running) {
      const deadline = Date.now() + STOP_GRACE_S * 1000 + ctx.config.readyTimeoutMs;
      await until(deadline, async () => (runs(await swarm.task(obj), o.old) && (await o.probe()) ? true : undefined), `the old task of service ${obj} did not answer within`);
    }
  } catch (err) {
    throw new OperationError(`${row.name}: the upgrade failed (${reason}) and so did its rollback: ${(err as Error).message}`, 'run feather-tenant reconcile: it rolls the upgrade back');
  }
  ctx.store().endUpgrade(row.name, ctx.now());
  throw new RolledBack(row.name, reason, logs);
}
