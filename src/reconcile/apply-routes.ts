// Applying reconcile's route half, the same on both backends: every route change in one If-Match
// Caddy config change, re-read and re-planned when another command changed Caddy meanwhile.
import type { RoutesSnapshot } from '../caddy/port.js';
import type { Context } from '../runtime/context.js';
import type { AppliedChange } from './apply.js';
import type { Note, ReconcilePlan } from './plan.js';
import type { RouteChange } from './route-merge.js';

export interface ReconcileResult {
  dryRun: boolean;
  /** Made (or, with --dry-run, would be made); failed ones carry an error. */
  changes: AppliedChange[];
  notes: Note[];
  failed: number;
}

// A Caddy change that loses to a concurrent one (If-Match) is re-planned from a fresh read.
const ROUTE_ATTEMPTS = 5;

type RoutePlan = Pick<ReconcilePlan, 'routeChanges' | 'routes'>;

/**
 * All route changes in one If-Match config change. If another command changed Caddy since our
 * read, everything is read and planned again (`replan`, up to ROUTE_ATTEMPTS times).
 */
export async function applyRoutes<W extends { caddy: RoutesSnapshot }, P extends RoutePlan>(
  ctx: Context, world: W, plan: P, changes: AppliedChange[], replan: () => Promise<{ world: W; plan: P }>,
): Promise<{ world: W; plan: P }> {
  for (let attempt = 1; plan.routes; attempt++) {
    if (await ctx.caddy.replaceRoutes(world.caddy, plan.routes)) {
      changes.push(...plan.routeChanges.map(routeChange));
      break;
    }
    if (attempt === ROUTE_ATTEMPTS) {
      changes.push(...plan.routeChanges.map((c) => ({ ...routeChange(c), error: 'Caddy config kept changing under us; run reconcile again' })));
      break;
    }
    ctx.log('Caddy config changed while reconciling; reading it again');
    ({ world, plan } = await replan());
  }
  return { world, plan };
}

export function routeChange(c: RouteChange): AppliedChange {
  const verb = { add: 'add route', fix: 'fix route', remove: 'remove route', move: 'move route' }[c.change];
  return { target: c.tenant, action: verb, detail: `${c.id} ${c.detail}` };
}

export function result(dryRun: boolean, changes: AppliedChange[], notes: Note[]): ReconcileResult {
  return { dryRun, changes, notes, failed: changes.filter((c) => c.error !== undefined).length };
}
