import type { Context } from '../runtime/context.js';
import { UsageError } from '../core/errors.js';
import { backendRefusal, MOVE_ON_PODMAN } from '../core/backends.js';
import { validateName } from '../core/names.js';
import { objectName, prefixFilter, tenantLabels } from '../core/tenant.js';
import { pickNode } from '../core/tenant-service-spec.js';
import { withLock } from '../tenant/lock.js';
import { requireActive } from '../tenant/require.js';
import { waitRunning } from '../backend/swarm.js';
import { carryVolume } from '../tenant/swarm-volume.js';

export interface MoveResult {
  name: string;
  from: string | null;
  to: string;
  action: 'moved' | 'none';
  state: 'running' | 'stopped';
  message: string;
}

/**
 * `move <name> --node N` on the swarm backend (issue 14): scale to 0, carry the volume to the
 * other node the way export and import do (tenant/swarm-volume.ts), swap the placement
 * constraint, scale back to 1 if it was awake. Any
 * failure before the swap leaves the tenant where it was (started again if it ran); the old
 * volume is never changed, and stays on the old node after a move.
 */
export async function move(ctx: Context, rawName: string, rawNode: string | undefined): Promise<MoveResult> {
  const name = validateName(rawName);
  const swarm = ctx.swarm;
  // The command table refuses move on podman first (cli/backends.ts); this is the same refusal for a direct call.
  if (!swarm) throw backendRefusal('move', ctx.backend.name, MOVE_ON_PODMAN);
  if (rawNode === undefined || rawNode === '') throw new UsageError('move needs --node N: the node (its feather.host label) to move to');
  return withLock(ctx, name, 'move', async () => {
    const row = requireActive(ctx, name);
    const obj = objectName(ctx.config, name);
    const [nodes, services] = await Promise.all([swarm.nodes(), swarm.list(prefixFilter(ctx.config))]);
    const to = pickNode(nodes, services, rawNode);
    const service = services.find((s) => s.name === obj);
    if (!service) throw new UsageError(`tenant ${name} has no service`, `recreate it with: feather-tenant remove ${name} && feather-tenant add ${name}`);
    const from = service.node ?? null;
    const awake = service.desired > 0;
    const state = awake ? 'running' : 'stopped';
    if (from === to) return { name, from, to, action: 'none', state, message: `${name} is already on node ${to}` };
    if (from === null) throw new UsageError(`service ${obj} is not pinned to a node`, 'it was not made by feather-tenant add');
    if (awake) await swarm.scale(obj, 0);
    ctx.checkpoint('move:stopped');
    try {
      await carryVolume(ctx, swarm, { name: obj, image: row.image, labels: tenantLabels(ctx.config, name) }, from, to);
      ctx.checkpoint('move:copied');
      await swarm.pin(obj, from, to);
    } catch (err) {
      // back where it was, and serving again before we say why the move failed
      if (awake) await swarm.scale(obj, 1).then(() => waitRunning(ctx, swarm, obj)).catch((e: unknown) => ctx.log(`could not start ${name} again: ${String(e)}`));
      throw err;
    }
    // A kept volume's record (core/kept-volume.ts) follows the live data; the old copy is not
    // recorded, so a later add never goes back to it.
    ctx.keptVolumes().moved(name, to);
    ctx.log(`the old copy of ${name}'s data stays on node ${from} as volume ${obj}; remove it there when you no longer need it`);
    if (awake) {
      await swarm.scale(obj, 1);
      await waitRunning(ctx, swarm, obj);
    }
    return { name, from, to, action: 'moved', state, message: `moved ${name} from node ${from} to node ${to}` };
  });
}
