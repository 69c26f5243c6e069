// list and show on the podman backend: state's rows with what podman runs (one `podman ps`;
// one `podman inspect` for show), moved here from the commands, which are backend-blind now.
import type { Context } from '../runtime/context.js';
import { containerTenant } from '../reconcile/plan.js';
import { HOME, objectName, tenantUrl } from '../core/tenant.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { ListEntry, ShowResult } from '../core/tenant-views.js';
import { outOfDate } from '../core/upgrade-plan.js';
import { lastActivity } from '../core/last-activity.js';
import { dirSize } from '../fs/dir-size.js';

/** The ID each image reference names in podman's storage now (absent: not there, or podman failed). */
async function imageIds(ctx: Context, images: string[]): Promise<Map<string, string>> {
  const distinct = [...new Set(images)];
  const ids = await Promise.all(distinct.map((i) => ctx.podman.imageId(i).catch(() => undefined)));
  return new Map(distinct.flatMap((i, n) => (ids[n] === undefined ? [] : [[i, ids[n]] as const])));
}

/** `early`: the podman ps the launcher started before the CLI loaded. */
export async function listPodman(ctx: Context, early?: Promise<ContainerSummary[]>): Promise<ListEntry[]> {
  const c = ctx.config;
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
  return out;
}

export async function showPodman(ctx: Context, row: TenantRow): Promise<ShowResult> {
  const { name } = row;
  const obj = objectName(ctx.config, name);
  const [k, current] = await Promise.all([ctx.podman.inspectContainer(obj), ctx.podman.imageId(row.image).catch(() => undefined)]);
  // The volume's files are read from the host: the container need not run.
  const mount = k?.mounts.find((m) => m.destination === HOME);
  const source = mount?.source || (await ctx.podman.volumeMountpoint(row.volume).catch(() => undefined));
  const size = source ? await dirSize(source) : undefined;
  return {
    name,
    url: tenantUrl(ctx.config, name),
    port: row.port,
    status: row.status,
    desired: row.desired,
    state: k?.state ?? 'missing',
    container: obj,
    containerId: k?.id ?? row.containerId,
    image: k?.image || row.image,
    imageId: k?.imageId ?? null,
    outOfDate: outOfDate(k?.imageId, current) ?? null,
    upgrading: row.upgrade && { image: row.upgrade.image, step: row.upgrade.step },
    limits: {
      cpus: k && k.nanoCpus > 0 ? k.nanoCpus / 1e9 : null,
      memoryBytes: k && k.memoryBytes > 0 ? k.memoryBytes : null,
      pids: k && k.pidsLimit > 0 ? k.pidsLimit : null,
    },
    volume: { name: row.volume, sizeBytes: size ?? null },
    password: row.passwordHash ? 'set' : 'unknown',
    adopted: row.adoptedAt !== null,
    createdAt: new Date(row.createdAt).toISOString(),
    startedAt: k?.startedAt?.toISOString() ?? null,
    lastActivity: lastActivity(row, k?.state === 'running' ? k.startedAt?.getTime() : undefined),
    pinned: row.pinned,
    ingestToken: row.ingestHash ? 'set' : 'none',
  };
}
