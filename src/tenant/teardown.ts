import { nextContainerOf } from '../core/tenant.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';

export interface TeardownOptions {
  /** Remove the container (false when the caller knows it is gone already). */
  container: boolean;
  /** Also delete this volume (remove --purge); otherwise the user's data stays. */
  volume?: string | undefined;
  /** A checkpoint between the container and the rest, where crash tests stop us. */
  checkpoint?: string;
}

/**
 * Removes a tenant's podman objects: the container first, then its network, its secrets and (when
 * asked) its volume in one round, as they are independent once the container is gone. Absent is
 * success, so a half-finished remove, or reconcile finishing one, can simply run it again. The
 * route and the state row are the caller's: remove revokes sessions with the row, reconcile not.
 */
export async function teardownTenant(ctx: Context, obj: string, row: (Pick<TenantRow, 'secret' | 'secretPending'> & Partial<Pick<TenantRow, 'ingestSecret' | 'ingestPending'>>) | undefined, o: TeardownOptions): Promise<void> {
  // An upgrade killed before reconcile ran leaves its next container: it holds the volume, the
  // network and the secrets too, so it goes with the tenant's (whether or not that one is there).
  await Promise.all([o.container ? ctx.podman.removeContainer(obj, 5) : undefined, ctx.podman.removeContainer(nextContainerOf(obj), 0)]);
  if (o.checkpoint) ctx.checkpoint(o.checkpoint);
  // The secret add made, any a passwd switched to or from (they are named after obj), and the ingest token's.
  const secrets = new Set([obj, row?.secret, row?.secretPending, row?.ingestSecret, row?.ingestPending].filter((x): x is string => !!x));
  await Promise.all([
    ctx.podman.removeNetwork(obj),
    ...[...secrets].map((x) => ctx.podman.removeSecret(x)),
    o.volume === undefined ? Promise.resolve() : ctx.podman.removeVolume(o.volume),
  ]);
}
