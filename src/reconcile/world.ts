import type { RoutesSnapshot } from '../caddy/port.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';
import { busyTenants } from '../tenant/lock.js';

/** The three views reconcile compares, each read once. */
export interface World {
  containers: ContainerSummary[];
  caddy: RoutesSnapshot;
  rows: TenantRow[];
  /** Tenants whose lock another live command holds, and who holds it. */
  busy: Map<string, string>;
}

/**
 * podman and Caddy are read first and our state last: a command that finishes in between is
 * then seen as done in state, and its Caddy change makes our If-Match change fail and re-read,
 * rather than us undoing it from a stale view.
 */
export async function readWorld(ctx: Context, early?: Promise<ContainerSummary[]>): Promise<World> {
  const [containers, caddy] = await Promise.all([
    early ?? ctx.podman.listContainersNamed(ctx.config.prefix),
    ctx.caddy.snapshot(ctx.config.caddyServer),
  ]);
  return { containers, caddy, rows: ctx.store().list(), busy: busyTenants(ctx) };
}
