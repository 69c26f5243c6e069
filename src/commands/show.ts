import type { Context } from '../runtime/context.js';
import { requireTenant } from '../tenant/require.js';
import { validateName } from '../core/names.js';
import { HOME, objectName, tenantUrl } from '../core/tenant.js';
import { dirSize } from '../fs/dir-size.js';
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
  limits: { cpus: number | null; memoryBytes: number | null; pids: number | null };
  volume: { name: string; sizeBytes: number | null };
  password: 'set' | 'unknown';
  adopted: boolean;
  createdAt: string;
  startedAt: string | null;
  /** The swarm backend only: the node (feather.host label) the tenant is pinned to. */
  node?: string | null;
}

/** One tenant: our row, plus one `podman inspect` for what the container really runs with. */
export async function show(ctx: Context, rawName: string): Promise<ShowResult> {
  const name = validateName(rawName);
  const row = requireTenant(ctx, name);
  const obj = objectName(ctx.config, name);
  if (ctx.swarm) return showOnSwarm(ctx, ctx.swarm, row);
  const k = await ctx.podman.inspectContainer(obj);
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
    node: s?.node ?? null,
  };
}
