import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { UsageError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';
import type { RemoveResult } from '../core/tenant-views.js';
import { noTenant } from '../tenant/require.js';
import { changeAndRevoke } from '../tenant/revocations.js';

export type { RemoveResult };

export interface RemoveOptions {
  name: string;
  purge: boolean;
  yes: boolean;
  /** Asks on a terminal; undefined where there is none (then --yes is required). */
  confirm?: ((question: string, expected: string) => Promise<boolean>) | undefined;
}

/**
 * Remove a tenant's container (or service), route, network, secret and row. The volume stays
 * unless --purge is confirmed. Whatever is already gone counts as removed, so a half-finished
 * remove (or add) can simply be run again.
 */
export async function remove(ctx: Context, opts: RemoveOptions): Promise<RemoveResult> {
  const name = validateName(opts.name);
  return withLock(ctx, name, 'remove', () => removeLocked(ctx, name, opts));
}

async function removeLocked(ctx: Context, name: string, opts: RemoveOptions): Promise<RemoveResult> {
  const obj = objectName(ctx.config, name);
  const store = ctx.store();
  const row = store.get(name);
  const [p, route] = await Promise.all([ctx.backend.prepareRemove(ctx, name, row, opts.purge), ctx.caddy.routeById(obj)]);
  if (!row && !p.found && !route) throw p.notFoundHint === undefined ? noTenant(name) : noTenant(name, p.notFoundHint);
  if (p.purgeVolume !== undefined && !opts.yes) {
    const question = `This deletes ${name}'s volume ${p.purgeVolume} and all the data in it. Type the tenant's name to confirm: `;
    if (!opts.confirm) throw new UsageError(`--purge deletes ${name}'s data for good; add --yes to confirm`);
    if (!(await opts.confirm(question, name))) throw new UsageError('not confirmed; nothing was changed');
  }

  const removed: string[] = [];
  if (row) store.setStatus(name, 'removing', ctx.now());
  ctx.checkpoint('remove:marked');
  // Route first: traffic stops before the container goes.
  if (route && (await ctx.caddy.deleteById(obj))) removed.push(`route ${obj}`);
  ctx.checkpoint('remove:unrouted');
  removed.push(...(await p.teardown()));
  if (row) {
    changeAndRevoke(ctx, { tenant: name, reason: 'removed' }, () => store.delete(name));
    removed.push(`state of ${name}`);
  }
  return { name, removed, volume: p.volume, volumeKept: p.volumeKept };
}
