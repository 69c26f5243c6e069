import type { Context } from '../runtime/context.js';
import { UsageError } from '../core/errors.js';

/**
 * The commands that still speak to podman alone (issue 14 wired add, start, stop, restart,
 * remove, list, show and move to Swarm): with FEATHER_TENANT_BACKEND=swarm they would act on
 * this server's podman instead of the cluster (reconcile would create containers for tenants
 * that run as services), so they refuse, before anything changes.
 */
export function podmanOnly(ctx: Pick<Context, 'swarm'>, command: string): void {
  if (ctx.swarm) {
    throw new UsageError(`${command} does not work with FEATHER_TENANT_BACKEND=swarm yet`, 'see docs/many-servers.md#limits-today');
  }
}
