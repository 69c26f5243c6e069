import type { Context } from '../runtime/context.js';
import { containerTenant } from '../reconcile/plan.js';
import { objectName, tenantUrl } from '../core/tenant.js';
import type { ContainerSummary } from '../core/container.js';
import { outOfDate } from '../core/upgrade-plan.js';

/** The ID each image reference names in podman's storage now (absent: not there, or podman failed). */
async function imageIds(ctx: Context, images: string[]): Promise<Map<string, string>> {
  const distinct = [...new Set(images)];
  const ids = await Promise.all(distinct.map((i) => ctx.podman.imageId(i).catch(() => undefined)));
  return new Map(distinct.flatMap((i, n) => (ids[n] === undefined ? [] : [[i, ids[n]] as const])));
}
import { lastActivity, type LastActivity } from '../core/last-activity.js';
import { listOnSwarm } from '../tenant/swarm-lifecycle.js';

export interface ListEntry {
  name: string;
  port: number | null;
  url: string;
  container: string;
  /** The container's state (running, exited, ...), asleep (stopped by a sweep), or missing / provisioning / removing. */
  state: string;
  /** Last HTTP request or traffic, as of the last sweep (ISO time), or null. */
  lastActive: string | null;
  pinned: boolean;
  /** What last counted as activity and when (null for a container our state does not know). */
  lastActivity: LastActivity | null;
  /** false for a container of ours that our state does not know (see reconcile). */
  tracked: boolean;
  /**
   * Its container runs another image ID than its configured image names now (a new image was
   * loaded under the same tag: `upgrade` moves it); null when unknown (no container, image gone).
   */
  outOfDate: boolean | null;
  /** The swarm backend only: the node (feather.host label) the tenant is pinned to. */
  node?: string | null;
}

/**
 * All tenants, with container states from a single `podman ps` (`early`: that read, started by
 * the launcher before the CLI loaded).
 */
export async function list(ctx: Context, early?: Promise<ContainerSummary[]>): Promise<ListEntry[]> {
  const c = ctx.config;
  if (ctx.swarm) {
    const rows = new Map(ctx.store().list().map((r) => [r.name, r]));
    return (await listOnSwarm(ctx, ctx.swarm)).map((e) => {
      const r = rows.get(e.name);
      // Image IDs live in each node's storage: out of date is not known here (upgrade is podman's alone).
      // Scaled to 0 by a sweep: asleep, as on podman (a wake brings it back; `stop` does not).
      const state = e.state === 'stopped' && r?.asleepAt != null ? 'asleep' : e.state;
      return { ...e, state, port: r?.port ?? null, lastActive: r?.lastActiveAt ? new Date(r.lastActiveAt).toISOString() : null, pinned: r?.pinned ?? false,
        lastActivity: r ? lastActivity(r, undefined) : null, outOfDate: null };
    });
  }
  // By name, not only by label: adopted tenant.sh containers carry no labels of ours.
  const rows = ctx.store().list();
  // One image inspect per distinct configured image (usually one), alongside the podman ps.
  const [all, ids] = await Promise.all([early ?? ctx.podman.listContainersNamed(c.prefix), imageIds(ctx, rows.map((r) => r.image))]);
  const containers = all.filter((k) => containerTenant(c.prefix, k) !== undefined);
  const byName = new Map(containers.map((k) => [k.name, k]));
  const out: ListEntry[] = rows.map((r) => {
    const obj = objectName(c, r.name);
    const k = byName.get(obj);
    byName.delete(obj);
    const asleep = r.asleepAt !== null && k !== undefined && k.state !== 'running';
    const state = r.status === 'active' ? (asleep ? 'asleep' : (k?.state ?? 'missing')) : r.status;
    const lastActive = r.lastActiveAt === null ? null : new Date(r.lastActiveAt).toISOString();
    const activity = lastActivity(r, k?.state === 'running' ? k.startedAt?.getTime() : undefined);
    return { name: r.name, port: r.port, url: tenantUrl(c, r.name), container: obj, state, lastActive, pinned: r.pinned, lastActivity: activity, tracked: true, outOfDate: outOfDate(k?.imageId, ids.get(r.image)) ?? null };
  });
  for (const k of byName.values()) {
    const name = containerTenant(c.prefix, k)?.name ?? k.name;
    out.push({ name, port: k.hostPorts[0] ?? null, url: tenantUrl(c, name), container: k.name, state: k.state, lastActive: null, pinned: false, lastActivity: null, tracked: false, outOfDate: null });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
