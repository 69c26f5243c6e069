// `show` on the swarm backend (issue 14): the row, plus the service's own view (state, node,
// limits as Swarm holds them). The volume's size is not read: it lives on the tenant's node.
import type { Context } from '../runtime/context.js';
import type { TenantBackend } from '../backend/port.js';
import type { ShowResult } from '../commands/show.js';
import type { TenantRow } from '../core/tenant-row.js';
import { objectName, tenantUrl } from '../core/tenant.js';

export async function showOnSwarm(ctx: Context, swarm: TenantBackend, row: TenantRow): Promise<ShowResult> {
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
