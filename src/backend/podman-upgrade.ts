// upgrade on the podman backend (issue 14): the preflight upgrade did before the backend port
// (every image in podman's storage, one `podman ps`), and tenant/switch.ts as the switch.
import { OperationError } from '../core/errors.js';
import { nextContainerName, objectName } from '../core/tenant.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';
import type { UpgradeEngine, UpgradeWorld } from './port.js';

export async function preparePodmanUpgrade(ctx: Context, rows: TenantRow[], images: string[], early?: Promise<ContainerSummary[]>): Promise<UpgradeWorld> {
  const c = ctx.config;
  const [ids, containers] = await Promise.all([
    Promise.all(images.map(async (i) => [i, await ctx.podman.imageId(i)] as const)),
    early ?? ctx.podman.listContainersNamed(c.prefix),
  ]);
  const missing = ids.filter(([, id]) => id === undefined).map(([i]) => i);
  if (missing.length > 0) {
    throw new OperationError(`image ${missing.join(', ')} is not in podman's storage; nothing was changed`, 'load it first: podman load -i IMAGE.tar (or podman pull), then run upgrade again');
  }
  const byName = new Map(containers.map((k) => [k.name, k]));
  const engines = new Map<string, UpgradeEngine>();
  const leftovers = new Set<string>();
  for (const row of rows) {
    const k = byName.get(objectName(c, row.name));
    if (k) engines.set(row.name, { state: k.state, imageId: k.imageId });
    if (byName.has(nextContainerName(c, row.name))) leftovers.add(row.name);
  }
  return { ids: new Map(ids.map(([i, id]) => [i, id as string])), engines, leftovers };
}

export async function podmanUpgradeState(ctx: Context, name: string): Promise<UpgradeEngine | undefined> {
  const k = await ctx.podman.inspectContainer(objectName(ctx.config, name));
  return k && { state: k.state, imageId: k.imageId };
}
