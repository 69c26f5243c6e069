import type { Context } from '../app/context.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';
import { changeAndRevoke } from './revocations.js';

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
  const c = ctx.config;
  const name = validateName(opts.name);
  const obj = objectName(c, name);
  const store = ctx.store();
  const row = store.get(name);
  const [containerExists, route, volumeExists] = await Promise.all([
    ctx.podman.containerExists(obj),
    ctx.caddy.routeById(obj),
    ctx.podman.volumeExists(obj),
  ]);
  if (!row && !containerExists && !route && !(opts.purge && volumeExists)) {
    throw new NotFoundError(
      `no tenant named ${name}`,
      volumeExists ? `its volume ${obj} is kept; delete it with: feather-tenant remove ${name} --purge --yes` : 'list tenants with: feather-tenant list',
    );
  }
  if (opts.purge && volumeExists && !opts.yes) {
    const question = `This deletes ${name}'s volume ${obj} and all the data in it. Type the tenant's name to confirm: `;
    if (!opts.confirm) throw new UsageError(`--purge deletes ${name}'s data for good; add --yes to confirm`);
    if (!(await opts.confirm(question, name))) throw new UsageError('not confirmed; nothing was changed');
  }

  const removed: string[] = [];
  if (row) store.setStatus(name, 'removing', ctx.now());
  ctx.checkpoint('remove:marked');
  // Route first: traffic stops before the container goes.
  if (route && (await ctx.caddy.deleteById(obj))) removed.push(`route ${obj}`);
  ctx.checkpoint('remove:unrouted');
  if (containerExists) {
    await ctx.podman.removeContainer(obj, 5);
    removed.push(`container ${obj}`);
  }
  ctx.checkpoint('remove:container');
  await Promise.all([ctx.podman.removeNetwork(obj), ctx.podman.removeSecret(obj)]);
  let volumeKept = volumeExists;
  if (opts.purge && volumeExists) {
    await ctx.podman.removeVolume(obj);
    removed.push(`volume ${obj}`);
    volumeKept = false;
  }
  if (row) {
    changeAndRevoke(ctx, { tenant: name, reason: 'removed' }, () => store.delete(name));
    removed.push(`state of ${name}`);
  }
  return { name, removed, volume: obj, volumeKept };
}
