import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { UsageError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { claimedElsewhere } from '../core/ownership.js';
import { objectName } from '../core/tenant.js';
import { noTenant } from '../tenant/require.js';
import { changeAndRevoke } from '../tenant/revocations.js';
import { teardownTenant } from '../tenant/teardown.js';
import { removeOnSwarm } from '../tenant/swarm-lifecycle.js';

export interface RemoveOptions {
  name: string;
  purge: boolean;
  yes: boolean;
  /** Asks on a terminal; undefined where there is none (then --yes is required). */
  confirm?: ((question: string, expected: string) => Promise<boolean>) | undefined;
}

export interface RemoveResult {
  name: string;
  removed: string[];
  volume: string;
  volumeKept: boolean;
}

/**
 * Remove a tenant's container, route, network, secret and row. The volume stays unless
 * --purge is confirmed. Whatever is already gone counts as removed, so a half-finished
 * remove (or add) can simply be run again.
 */
export async function remove(ctx: Context, opts: RemoveOptions): Promise<RemoveResult> {
  const name = validateName(opts.name);
  return withLock(ctx, name, 'remove', () => removeLocked(ctx, name, opts));
}

async function removeLocked(ctx: Context, name: string, opts: RemoveOptions): Promise<RemoveResult> {
  const c = ctx.config;
  const obj = objectName(c, name);
  const store = ctx.store();
  const row = store.get(name);
  if (ctx.swarm) {
    // The volume lives on the tenant's node, out of this manager's reach: --purge is not offered.
    if (opts.purge) throw new UsageError('--purge is not supported with FEATHER_TENANT_BACKEND=swarm', `delete the volume ${obj} on its node with: docker volume rm ${obj}`);
    if (!row && (await ctx.swarm.state(obj)) === undefined && !(await ctx.caddy.routeById(obj))) throw noTenant(name);
    if (row) store.setStatus(name, 'removing', ctx.now());
    const removed = await removeOnSwarm(ctx, ctx.swarm, name, row);
    if (row) {
      changeAndRevoke(ctx, { tenant: name, reason: 'removed' }, () => store.delete(name));
      removed.push(`state of ${name}`);
    }
    return { name, removed, volume: obj, volumeKept: true };
  }
  // An adopted tenant keeps the volume tenant.sh gave it.
  const volume = row?.volume ?? obj;
  const [container, route, volumeLabels, networkLabels, secretLabels] = await Promise.all([
    ctx.podman.inspectContainer(obj),
    ctx.caddy.routeById(obj),
    ctx.podman.objectLabels('volume', volume),
    ctx.podman.objectLabels('network', obj),
    ctx.podman.objectLabels('secret', obj),
  ]);
  // Objects of that name another installation's label claims are not ours to remove.
  const clash = claimedElsewhere(c, name, [
    ...(container ? [{ kind: 'container' as const, name: obj, labels: container.labels }] : []),
    ...([['volume', volume, volumeLabels], ['network', obj, networkLabels], ['secret', obj, secretLabels]] as const)
      .flatMap(([kind, n, labels]) => (labels === undefined ? [] : [{ kind, name: n, labels }])),
  ]);
  if (clash) throw clash;
  const containerExists = container !== undefined;
  const volumeExists = volumeLabels !== undefined;
  if (!row && !containerExists && !route && !(opts.purge && volumeExists)) {
    throw volumeExists ? noTenant(name, `its volume ${volume} is kept; delete it with: feather-tenant remove ${name} --purge --yes`) : noTenant(name);
  }
  if (opts.purge && volumeExists && !opts.yes) {
    const question = `This deletes ${name}'s volume ${volume} and all the data in it. Type the tenant's name to confirm: `;
    if (!opts.confirm) throw new UsageError(`--purge deletes ${name}'s data for good; add --yes to confirm`);
    if (!(await opts.confirm(question, name))) throw new UsageError('not confirmed; nothing was changed');
  }

  const removed: string[] = [];
  if (row) store.setStatus(name, 'removing', ctx.now());
  ctx.checkpoint('remove:marked');
  // Route first: traffic stops before the container goes.
  if (route && (await ctx.caddy.deleteById(obj))) removed.push(`route ${obj}`);
  ctx.checkpoint('remove:unrouted');
  const purging = opts.purge === true && volumeExists;
  await teardownTenant(ctx, obj, row, { container: containerExists, volume: purging ? volume : undefined, checkpoint: 'remove:container' });
  if (containerExists) removed.push(`container ${obj}`);
  if (purging) removed.push(`volume ${volume}`);
  const volumeKept = volumeExists && !purging;
  if (row) {
    changeAndRevoke(ctx, { tenant: name, reason: 'removed' }, () => store.delete(name));
    removed.push(`state of ${name}`);
  }
  return { name, removed, volume, volumeKept };
}
