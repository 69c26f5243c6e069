import type { Context } from '../runtime/context.js';
import { containerTenant } from '../reconcile/plan.js';
import { objectName, tenantUrl } from '../core/tenant.js';
import type { ContainerSummary } from '../core/container.js';
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
  /** false for a container of ours that our state does not know (see reconcile). */
  tracked: boolean;
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
      return { ...e, port: r?.port ?? null, lastActive: r?.lastActiveAt ? new Date(r.lastActiveAt).toISOString() : null, pinned: r?.pinned ?? false };
    });
  }
  // By name, not only by label: adopted tenant.sh containers carry no labels of ours.
  const [rows, all] = await Promise.all([Promise.resolve(ctx.store().list()), early ?? ctx.podman.listContainersNamed(c.prefix)]);
  const containers = all.filter((k) => containerTenant(c.prefix, k) !== undefined);
  const byName = new Map(containers.map((k) => [k.name, k]));
  const out: ListEntry[] = rows.map((r) => {
    const obj = objectName(c, r.name);
    const k = byName.get(obj);
    byName.delete(obj);
    const asleep = r.asleepAt !== null && k !== undefined && k.state !== 'running';
    const state = r.status === 'active' ? (asleep ? 'asleep' : (k?.state ?? 'missing')) : r.status;
    const lastActive = r.lastActiveAt === null ? null : new Date(r.lastActiveAt).toISOString();
    return { name: r.name, port: r.port, url: tenantUrl(c, r.name), container: obj, state, lastActive, pinned: r.pinned, tracked: true };
  });
  for (const k of byName.values()) {
    const name = containerTenant(c.prefix, k)?.name ?? k.name;
    out.push({ name, port: k.hostPorts[0] ?? null, url: tenantUrl(c, name), container: k.name, state: k.state, lastActive: null, pinned: false, tracked: false });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
