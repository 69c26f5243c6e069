// reconcile's admin step: the recorded live colour runs and is routed, the other one is stopped
// (core/admin.ts planAdmin decides). Skipped while `admin swap` holds the admin lock: the swap
// is mid-way and finishes (or dies, and the next reconcile repairs what it left).
import { sameRoute } from '../caddy/routes.js';
import { adminRoute, routedPort } from '../caddy/admin-route.js';
import { ADMIN_LOCK, adminContainer, adminPort, adminRouteId, colourAt, planAdmin, type AdminAction } from '../core/admin.js';
import type { AppliedChange } from '../reconcile/apply.js';
import type { Context } from '../runtime/context.js';
import { ifUnlocked } from '../tenant/lock.js';
import { colourStates, routeAdmin, startColour, waitColour } from './instance.js';

export async function reconcileAdmin(ctx: Context, dryRun: boolean): Promise<AppliedChange[]> {
  const host = ctx.config.adminHost;
  if (!host) return [];
  const c = ctx.config;
  const [containers, route] = await Promise.all([colourStates(ctx), ctx.caddy.routeById(adminRouteId(c))]);
  const recorded = ctx.admin().live();
  // Without a record (a state database lost or restored from before), the route says which colour serves.
  const routed = colourAt(c, routedPort(route));
  const live = recorded ? { colour: recorded.colour, image: recorded.image } : routed && { colour: routed, image: c.image };
  const actions = planAdmin(c, {
    live,
    containers,
    routeOk: (colour) => route !== undefined && sameRoute(route, adminRoute(c, host, adminPort(c, colour))),
  });
  if (actions.length === 0) return [];
  if (dryRun) return actions.map(describe);
  const skipped = (why: string) => actions.map((a) => ({ ...describe(a), skipped: why }));
  return ifUnlocked(ctx, ADMIN_LOCK, 'reconcile', skipped, async () => {
    const out: AppliedChange[] = [];
    let failed = false;
    for (const a of actions) {
      if (failed) {
        out.push({ ...describe(a), skipped: 'an earlier step failed' });
        continue;
      }
      try {
        await apply(ctx, host, a);
        out.push(describe(a));
      } catch (err) {
        failed = true;
        out.push({ ...describe(a), error: (err as Error).message.split('\n')[0] ?? 'failed' });
      }
    }
    return out;
  });
}

async function apply(ctx: Context, host: string, a: AdminAction): Promise<void> {
  const c = ctx.config;
  switch (a.kind) {
    case 'create':
      await startColour(ctx, a.colour, a.image);
      await waitColour(ctx, a.colour);
      break;
    case 'start':
      await ctx.podman.startContainer(adminContainer(c, a.colour));
      await waitColour(ctx, a.colour);
      break;
    case 'route':
      return routeAdmin(ctx, host, a.port);
    case 'stop':
      return ctx.podman.stopContainer(adminContainer(c, a.colour), 10);
  }
  // The first run, or a lost record: from now on the record says which colour is live.
  if (!ctx.admin().live()) ctx.admin().setLive(a.colour, a.kind === 'create' ? a.image : c.image, ctx.now());
}

function describe(a: AdminAction): AppliedChange {
  switch (a.kind) {
    case 'create': return { target: 'admin', action: 'create admin', detail: `${a.colour} from ${a.image}` };
    case 'start': return { target: 'admin', action: 'start admin', detail: a.colour };
    case 'route': return { target: 'admin', action: 'route admin', detail: `to ${a.colour} on port ${a.port}` };
    case 'stop': return { target: 'admin', action: 'stop admin', detail: `${a.colour}: not the live colour` };
  }
}
