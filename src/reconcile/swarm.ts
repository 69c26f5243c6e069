// `reconcile` on the swarm backend (issue 14): Caddy's routes made to match state with the same
// plan and apply as on podman (planRoutes, applyRoutes; each route dials <prefix><name>:8080), and
// the services compared with state and reported (service-plan.ts), an upgrade that died finished
// or rolled back (swarm-upgrade.ts), an interrupted passwd or rotate-ingest-token finished or
// rolled back with podman's plan and apply. Containers, isolation rules, --adopt and the admin
// instance are podman's.
import type { Context } from '../runtime/context.js';
import type { SwarmEngine } from '../backend/port.js';
import type { RoutesSnapshot } from '../caddy/port.js';
import { ensureWakeSetup } from '../caddy/wake-setup.js';
import { UsageError } from '../core/errors.js';
import type { ServiceSummary } from '../core/service.js';
import type { TenantRow } from '../core/tenant-row.js';
import { prefixFilter } from '../core/tenant.js';
import { busyTenants } from '../tenant/lock.js';
import type { AppliedChange } from './apply.js';
import { applyRoutes, result, routeChange, type ReconcileResult } from './apply-routes.js';
import { planRoutes } from './plan.js';
import { planSecrets, planServices } from './service-plan.js';
import { recoverSwarmUpgrades } from './swarm-upgrade.js';
import { describeAction } from './describe.js';

interface SwarmWorld {
  services: ServiceSummary[];
  caddy: RoutesSnapshot;
  rows: TenantRow[];
  busy: Map<string, string>;
}

export async function reconcileOnSwarm(ctx: Context, swarm: SwarmEngine, o: { dryRun: boolean; adopt: boolean }): Promise<ReconcileResult> {
  const c = ctx.config;
  if (o.adopt) throw new UsageError('--adopt takes over podman containers: it does not work with FEATHER_TENANT_BACKEND=swarm', 'see docs/many-servers.md#limits-today');
  ctx.checkpoint('reconcile:begin');
  // The engine and Caddy first, state last: as readWorld does on podman (reconcile/world.ts).
  const read = async (): Promise<SwarmWorld> => {
    const [services, caddy] = await Promise.all([swarm.list(prefixFilter(c)), ctx.caddy.snapshot(c.caddyServer)]);
    return { services, caddy, rows: ctx.store().list(), busy: busyTenants(ctx) };
  };
  const planOf = (w: SwarmWorld) => planRoutes({ prefix: c.prefix, rows: w.rows, busy: w.busy, routes: w.caddy.routes, routeFor: (row) => ctx.backend.route(ctx, row) });
  let world = await read();
  ctx.checkpoint('reconcile:read');
  const changes: AppliedChange[] = [];
  for (const change of await ensureWakeSetup(ctx.caddy, world.caddy.server, c, { dryRun: o.dryRun })) {
    changes.push({ target: 'caddy', action: 'set up', detail: change });
  }
  changes.push(...(await recoverSwarmUpgrades(ctx, swarm, world.rows, world.busy, o.dryRun)));
  if (changes.length > 0 && !o.dryRun) world = await read();
  let plan = planOf(world);
  ctx.checkpoint('reconcile:planned');
  if (o.dryRun) {
    changes.push(...plan.routeChanges.map(routeChange), ...secretsOf(c.prefix, world).map((a) => ({ target: a.name, ...describeAction(a) })));
    return result(true, changes, notes(c.prefix, world));
  }
  if (plan.routeChanges.length > 0) {
    ({ world, plan } = await applyRoutes(ctx, world, plan, changes, async () => {
      const again = await read();
      return { world: again, plan: planOf(again) };
    }));
    ctx.checkpoint('reconcile:routed');
  }
  // An interrupted passwd or rotate-ingest-token: under the tenant's lock, as on podman (reconcile/apply.ts).
  const actions = secretsOf(c.prefix, world);
  if (actions.length > 0) {
    const { applyTenantActions } = await import('./apply.js');
    for (const row of world.rows) {
      const mine = actions.filter((a) => a.name === row.name);
      if (mine.length > 0) changes.push(...(await applyTenantActions(ctx, row, mine)));
    }
  }
  return result(false, changes, notes(c.prefix, world));
}

function secretsOf(prefix: string, w: SwarmWorld) {
  return planSecrets(prefix, w.rows, w.busy, w.services);
}

function notes(prefix: string, w: SwarmWorld) {
  return planServices(prefix, w.rows, w.busy, w.services);
}
