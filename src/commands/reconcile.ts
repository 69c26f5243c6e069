import type { Context } from '../runtime/context.js';
import type { AppliedChange } from '../reconcile/apply.js';
import { readWorld, type World } from '../reconcile/world.js';
import { ensureWakeSetup } from '../caddy/wake-setup.js';
import { applyRoutes, result, routeChange, type ReconcileResult } from '../reconcile/apply-routes.js';
import { describeAction } from '../reconcile/describe.js';
import { prefixFilter } from '../core/tenant.js';
import { planReconcile, type Note, type ReconcilePlan, type TenantAction } from '../reconcile/plan.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';

export type { ReconcileResult };

export interface ReconcileOptions {
  dryRun: boolean;
  adopt: boolean;
  /** podman's containers, read while the command was still loading (bin/feather-tenant.js). */
  early?: Promise<ContainerSummary[]> | undefined;
}

/**
 * Converges podman and Caddy to our state: plan from one read of each (pure: reconcile/plan.ts),
 * then apply: all route changes as one Caddy config change, then each tenant's container work
 * under its lock. Safe at any time; a second run finds nothing to do.
 *
 * There is no lock over the whole run (a no-op reconcile writes nothing, so it costs no fsync):
 * two at once are safe, because a route change based on a stale read is refused (If-Match) and
 * re-planned, and container work re-checks the tenant's row under the tenant's lock.
 */
export async function reconcile(ctx: Context, o: ReconcileOptions): Promise<ReconcileResult> {
  // On swarm: the same route half; the services are compared with state and reported, not repaired.
  if (ctx.swarm) return (await import('../reconcile/swarm.js')).reconcileOnSwarm(ctx, ctx.swarm, o);
  const tenants = await reconcileTenants(ctx, o);
  // The admin instance (FEATHER_TENANT_ADMIN_HOST), after the tenants: its start may wait for it to answer.
  if (!ctx.config.adminHost) return tenants;
  const admin = await (await import('../admin-instance/reconcile.js')).reconcileAdmin(ctx, o.dryRun);
  return result(o.dryRun, [...tenants.changes, ...admin], tenants.notes);
}

async function reconcileTenants(ctx: Context, o: ReconcileOptions): Promise<ReconcileResult> {
  const changes: AppliedChange[] = [];
  const adoptNotes: Note[] = [];
  ctx.checkpoint('reconcile:begin');
  // Isolation rules are host state that a reboot or a firewall reload loses; checked alongside the read.
  const [read, missingRules] = await Promise.all([readWorld(ctx, o.early), ctx.podman.isolateLabelled(prefixFilter(ctx.config), { dryRun: o.dryRun })]);
  let world = read;
  ctx.checkpoint('reconcile:read');
  if (missingRules > 0) {
    changes.push({ target: 'firewall', action: 'restore tenant isolation', detail: `${missingRules} missing rule${missingRules === 1 ? '' : 's'}` });
  }

  if (o.adopt) {
    const { adoptedRow, applyAdoption, describeAdoption, planAdopt } = await import('../reconcile/adopt.js');
    const adoption = await planAdopt(ctx, world);
    adoptNotes.push(...adoption.notes);
    for (const a of adoption.adopt) {
      const outcome = o.dryRun ? {} : await applyAdoption(ctx, a);
      changes.push({ target: a.name, action: 'adopt', detail: describeAdoption(a), ...outcome });
    }
    if (o.dryRun) world = { ...world, rows: [...world.rows, ...adoption.adopt.map((a) => adoptedRow(a, ctx.now()))] };
    else world = { ...world, rows: ctx.store().list() };
  }

  // Sleep and wake need the server's wake error route and access log: set up once, never on sleep/wake.
  for (const change of await ensureWakeSetup(ctx.caddy, world.caddy.server, ctx.config, { dryRun: o.dryRun })) {
    changes.push({ target: 'caddy', action: 'set up', detail: change }); // the renderer says "would" on a dry run
  }
  if (changes.some((c) => c.target === 'caddy') && !o.dryRun) world = await readWorld(ctx);

  let plan = planFor(ctx, world);
  ctx.checkpoint('reconcile:planned');
  // The common case, a converged world, never loads what applying needs.
  if (plan.routeChanges.length === 0 && plan.actions.length === 0) return result(o.dryRun, changes, [...adoptNotes, ...plan.notes]);
  if (o.dryRun) {
    changes.push(...plan.routeChanges.map(routeChange), ...plan.actions.map((a) => ({ target: a.name, ...describeAction(a) })));
    return result(true, changes, [...adoptNotes, ...plan.notes]);
  }

  ({ world, plan } = await applyRoutes(ctx, world, plan, changes, async () => {
    const again = await readWorld(ctx);
    return { world: again, plan: planFor(ctx, again) };
  }));
  ctx.checkpoint('reconcile:routed');
  if (plan.actions.length === 0) return result(false, changes, [...adoptNotes, ...plan.notes]);
  // Loaded only when containers need work (it brings podman run arguments, passwords, ...).
  const { applyTenantActions } = await import('../reconcile/apply.js');
  const rows = new Map(world.rows.map((r) => [r.name, r]));
  for (const [name, actions] of byTenant(plan.actions)) {
    const row = rows.get(name);
    if (row) changes.push(...(await applyTenantActions(ctx, row, actions)));
  }
  return result(false, changes, [...adoptNotes, ...plan.notes]);
}

function planFor(ctx: Context, world: World): ReconcilePlan {
  const c = ctx.config;
  return planReconcile({
    prefix: c.prefix,
    rows: world.rows,
    busy: world.busy,
    containers: world.containers,
    routes: world.caddy.routes,
    routeFor: (row: TenantRow) => ctx.backend.route(ctx, row),
  });
}

function byTenant(actions: TenantAction[]): Map<string, TenantAction[]> {
  const m = new Map<string, TenantAction[]>();
  for (const a of actions) m.set(a.name, [...(m.get(a.name) ?? []), a]);
  return m;
}
