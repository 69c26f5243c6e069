import type { Context } from '../runtime/context.js';
import { requireTenant } from '../tenant/require.js';
import { validateName } from '../core/names.js';
import { HOME, objectName, tenantUrl } from '../core/tenant.js';
import { dirSize } from '../fs/dir-size.js';
import { outOfDate } from '../core/upgrade-plan.js';
import { lastActivity, type LastActivity } from '../core/last-activity.js';
import type { TenantBackend } from '../backend/port.js';
import type { TenantRow } from '../core/tenant-row.js';

export interface ShowResult {
  name: string;
  url: string;
  port: number;
  /** provisioning / active / removing (our state). */
  status: string;
  /** What the operator asked for last: running or stopped. */
  desired: string;
  /** The container's state (running, exited, created, ...), or missing. */
  state: string;
  container: string;
  containerId: string | null;
  image: string;
  /** The image ID its container runs. */
  imageId: string | null;
  /** It runs another image ID than its configured image names now (`upgrade` moves it); null when unknown. */
  outOfDate: boolean | null;
  /** An upgrade in progress, or one that died and `reconcile` finishes or rolls back. */
  upgrading: { image: string; step: string } | null;
  limits: { cpus: number | null; memoryBytes: number | null; pids: number | null };
  volume: { name: string; sizeBytes: number | null };
  password: 'set' | 'unknown';
  adopted: boolean;
  createdAt: string;
  startedAt: string | null;
  /** What last counted as activity, and when: why it is (or was last) awake. */
  lastActivity: LastActivity;
  pinned: boolean;
  /** Whether it has a summary ingest token (tenants from before issue 13 get one with rotate-ingest-token). */
  ingestToken: 'set' | 'none';
  /** The swarm backend only: the node (feather.host label) the tenant is pinned to. */
  node?: string | null;
}

/** One tenant: our row, plus one `podman inspect` for what the container really runs with. */
export async function show(ctx: Context, rawName: string): Promise<ShowResult> {
  const name = validateName(rawName);
  const row = requireTenant(ctx, name);
  const obj = objectName(ctx.config, name);
  if (ctx.swarm) return showOnSwarm(ctx, ctx.swarm, row);
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

/** The swarm backend (issue 14): the service's own view; the volume's size is not read (it is on the tenant's node). */
async function showOnSwarm(ctx: Context, swarm: TenantBackend, row: TenantRow): Promise<ShowResult> {
  const obj = objectName(ctx.config, row.name);
  const s = await swarm.inspect(obj);
  const state = s === undefined ? 'missing' : s.desired === 0 ? 'stopped' : s.running > 0 ? 'running' : 'starting';
  const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : null);
  return {
    name: row.name,
    url: tenantUrl(ctx.config, row.name),
    port: row.port,
    status: row.status,
    desired: row.desired,
    state,
    container: obj,
    containerId: row.containerId,
    image: row.image,
    limits: { cpus: s && s.limits.nanoCpus > 0 ? s.limits.nanoCpus / 1e9 : null, memoryBytes: positive(s?.limits.memoryBytes), pids: positive(s?.limits.pids) },
    volume: { name: row.volume, sizeBytes: null },
    password: row.passwordHash ? 'set' : 'unknown',
    adopted: row.adoptedAt !== null,
    createdAt: new Date(row.createdAt).toISOString(),
    startedAt: null,
    imageId: null,
    outOfDate: null,
    upgrading: null,
    lastActivity: lastActivity(row, undefined),
    pinned: row.pinned,
    ingestToken: row.ingestHash ? 'set' : 'none',
    node: s?.node ?? null,
  };
}
