// reconcile on swarm (issue 14): an upgrade that died, recovered with podman's rule
// (core/upgrade-plan.ts recoveryOf): from `answered` on, the service's spec already holds the new
// image and state says so: the upgrade is only marked over; before, the old image goes back into
// the spec (a running tenant's task restarts on it; a sleeping one stays asleep).
import type { Context } from '../runtime/context.js';
import type { SwarmEngine } from '../backend/port.js';
import { objectName } from '../core/tenant.js';
import type { TenantRow } from '../core/tenant-row.js';
import { recoveryOf } from '../core/upgrade-plan.js';
import type { AppliedChange } from './apply.js';

export async function recoverSwarmUpgrades(ctx: Context, swarm: SwarmEngine, rows: readonly TenantRow[], busy: ReadonlyMap<string, string>, dryRun: boolean): Promise<AppliedChange[]> {
  const out: AppliedChange[] = [];
  for (const row of rows) {
    // A live upgrade holds the lock: it is its own to finish (busy rows are noted by planServices).
    if (row.upgrade === null || row.status !== 'active' || busy.has(row.name)) continue;
    const finish = recoveryOf(row.upgrade.step) === 'finish';
    const change: AppliedChange = finish
      ? { target: row.name, action: 'finish upgrade', detail: `its upgrade to ${row.upgrade.image} was interrupted after the new task answered; its service keeps the new image` }
      : { target: row.name, action: 'roll back upgrade', detail: `its upgrade to ${row.upgrade.image} was interrupted before the new task answered; its service goes back to ${row.image}` };
    if (!dryRun) {
      try {
        const obj = objectName(ctx.config, row.name);
        const s = await swarm.inspect(obj);
        if (!finish && s !== undefined && s.image !== row.image) await swarm.setImage(obj, row.image);
        ctx.store().endUpgrade(row.name, ctx.now());
      } catch (err) {
        change.error = (err as Error).message.split('\n')[0];
      }
    }
    out.push(change);
  }
  return out;
}
