// The swarm backend's side of a tenant's secrets (issue 14): moving its service onto other
// secrets in one `docker service update` (passwd, rotate-ingest-token, reconcile's roll back;
// the decision is core/tenant-service-spec.ts's secretChange), and removing every secret its row names.
import type { Context } from '../runtime/context.js';
import { OperationError } from '../core/errors.js';
import { objectName } from '../core/tenant.js';
import { secretChange } from '../core/tenant-service-spec.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { SwarmEngine } from './port.js';

/**
 * Puts the tenant's service on these secrets (default: the row's), compared with the ones its
 * labels name; nothing when it has them. One update: the task restarts once, on the new files
 * (docker waits until it runs); a service scaled to 0 stays at 0 (nothing to wait for). Resolves
 * whether it runs.
 */
export async function useServiceSecrets(ctx: Context, swarm: SwarmEngine, row: TenantRow, o: { secret?: string | undefined; ingestSecret?: string | undefined }, lostHint: string): Promise<boolean> {
  const obj = objectName(ctx.config, row.name);
  const s = await swarm.inspect(obj);
  if (s === undefined) throw new OperationError(`tenant ${row.name} has no service`, lostHint);
  const change = secretChange(ctx.config, row.name, s.labels, { secret: o.secret ?? row.secret, ingestSecret: o.ingestSecret ?? row.ingestSecret });
  if (change) await swarm.updateSecrets(obj, change, s.desired > 0);
  return s.desired > 0;
}

/** Every secret the row names (current and pending, password and ingest token) but `done`; absent is success. */
export async function removeRowSecrets(swarm: SwarmEngine, row: TenantRow | undefined, done: string[]): Promise<void> {
  const names = new Set([row?.secret, row?.secretPending, row?.ingestSecret, row?.ingestPending]);
  for (const s of names) if (s && !done.includes(s)) await swarm.removeSecret(s);
}
