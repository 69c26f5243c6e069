import type { Context } from '../runtime/context.js';
import { podmanOnly } from '../tenant/podman-only.js';
import { NotFoundError } from '../core/errors.js';
import { noTenant } from '../tenant/require.js';
import { parseLines, parseSince } from '../core/log-options.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';

export interface LogsOptions {
  name: string;
  follow: boolean;
  lines?: string | undefined;
  since?: string | undefined;
}

/** Streams the tenant's container logs through (no lock: reading never changes anything). */
export async function logs(ctx: Context, o: LogsOptions): Promise<number> {
  podmanOnly(ctx, 'logs');
  const name = validateName(o.name);
  const tail = o.lines === undefined ? undefined : parseLines(o.lines);
  const since = o.since === undefined ? undefined : parseSince(o.since);
  const obj = objectName(ctx.config, name);
  if (!(await ctx.podman.containerExists(obj))) {
    if (ctx.store().get(name) === undefined) throw noTenant(name);
    throw new NotFoundError(`tenant ${name} has no container, so no logs`, `recreate it with: feather-tenant start ${name}`);
  }
  return ctx.podman.streamLogs(obj, { follow: o.follow, tail, since });
}
