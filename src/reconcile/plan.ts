// Pure: what `reconcile` changes, from three views of the world read once each: our rows,
// podman's containers named with our prefix, and the managed Caddy server's routes.
import { mergeRoutes, type RouteChange } from './route-merge.js';
import type { CaddyRoute } from '../core/route.js';
import type { ContainerSummary } from '../core/container.js';
import type { TenantRow } from '../core/tenant-row.js';
import { nameProblem } from '../core/names.js';
import { recoveryOf } from '../core/upgrade-plan.js';
import { LABEL_PREFIX, LABEL_INGEST, LABEL_SECRET, LABEL_TENANT, isNextContainer } from '../core/tenant.js';

export interface ReconcileInput {
  prefix: string;
  rows: readonly TenantRow[];
  /** Tenants a live command holds the lock of, with who holds it: left alone this time. */
  busy: ReadonlyMap<string, string>;
  containers: readonly ContainerSummary[];
  /** undefined: the server has no routes list at all. */
  routes: readonly CaddyRoute[] | undefined;
  /** The route a tenant should have (caddy/routes.ts's tenantRoute: the one source of its shape). */
  routeFor(row: TenantRow): CaddyRoute;
}

export type TenantAction =
  /** An add that died: its row is 'provisioning' and nobody holds its lock. Volume kept. */
  | { kind: 'rollback-add'; name: string }
  /** A remove that died: finish it. Volume kept (a --purge is not resumed). */
  | { kind: 'finish-remove'; name: string }
  | { kind: 'create'; name: string; start: boolean; why: string }
  | { kind: 'recreate'; name: string; start: boolean; why: string }
  | { kind: 'start'; name: string; why: string }
  /** swarm: a service on other secrets than its row's (a passwd or rotate-ingest-token that died): put back on the row's. */
  | { kind: 'resecret'; name: string; why: string }
  /** A secret left by a passwd that died; removed after the container no longer uses it. */
  | { kind: 'drop-secret'; name: string; secret: string; ingest?: true }
  /** An upgrade that died: finished once its new container had answered, else rolled back. */
  | { kind: 'finish-upgrade' | 'rollback-upgrade'; name: string; image: string; start: boolean };

export interface Note {
  target: string;
  message: string;
}

export interface ReconcilePlan {
  /** Applied as one config change, before the tenant actions. */
  routeChanges: RouteChange[];
  /** The server's whole routes array after the change; undefined when nothing changes. */
  routes: CaddyRoute[] | undefined;
  actions: TenantAction[];
  /** Things reported, never changed: containers that are not ours to touch, busy tenants. */
  notes: Note[];
}

/** The tenant a container belongs to: ours by label, or tenant.sh-style by name only. */
export function containerTenant(prefix: string, k: ContainerSummary): { name: string; labelled: boolean } | undefined {
  // An upgrade's container from the new image carries the tenant's labels but is not its container.
  if (isNextContainer(k.name)) return undefined;
  const labelPrefix = k.labels[LABEL_PREFIX];
  if (labelPrefix !== undefined) {
    // Another installation whose prefix merely starts with ours.
    if (labelPrefix !== prefix) return undefined;
    const name = k.labels[LABEL_TENANT] ?? k.name.slice(prefix.length);
    return nameProblem(name) ? undefined : { name, labelled: true };
  }
  if (!k.name.startsWith(prefix)) return undefined;
  const name = k.name.slice(prefix.length);
  return nameProblem(name) ? undefined : { name, labelled: false };
}

/** The tenant a route belongs to: an @id of our prefix followed by a valid tenant name. */
export function routeTenant(prefix: string, route: CaddyRoute): string | undefined {
  const id = route['@id'];
  if (typeof id !== 'string' || !id.startsWith(prefix)) return undefined;
  const name = id.slice(prefix.length);
  return nameProblem(name) ? undefined : name;
}

const STARTABLE = new Set(['created', 'exited', 'stopped', 'configured', 'initialized']);

export function planReconcile(i: ReconcileInput): ReconcilePlan {
  const actions: TenantAction[] = [];
  const cleanups: TenantAction[] = [];
  const notes: Note[] = [];
  const rows = new Map(i.rows.map((r) => [r.name, r]));
  const containers = new Map<string, { k: ContainerSummary; labelled: boolean }>();
  for (const k of i.containers) {
    const t = containerTenant(i.prefix, k);
    if (t && !containers.has(t.name)) containers.set(t.name, { k, labelled: t.labelled });
  }

  for (const row of i.rows) {
    const holder = i.busy.get(row.name);
    if (holder !== undefined) {
      notes.push({ target: row.name, message: `skipped: ${holder} is working on it` });
      continue;
    }
    if (row.status === 'provisioning') {
      actions.push({ kind: 'rollback-add', name: row.name });
      continue;
    }
    if (row.status === 'removing') {
      actions.push({ kind: 'finish-remove', name: row.name });
      continue;
    }
    const found = containers.get(row.name);
    // Asleep (sweep stopped it): its container should exist, stopped; the wake server starts it.
    const start = row.desired === 'running' && row.asleepAt === null;
    if (row.upgrade) {
      // Its containers are mid-switch: the upgrade's own recovery first, the rest on the next run.
      actions.push({ kind: recoveryOf(row.upgrade.step) === 'finish' ? 'finish-upgrade' : 'rollback-upgrade', name: row.name, image: row.upgrade.image, start });
      continue;
    }
    if (!found) {
      actions.push({ kind: 'create', name: row.name, start, why: 'its container is missing' });
    } else {
      const drift = found.labelled ? containerDrift(row, found.k) : undefined;
      if (drift) actions.push({ kind: 'recreate', name: row.name, start, why: drift });
      else if (start && STARTABLE.has(found.k.state)) actions.push({ kind: 'start', name: row.name, why: `it was ${found.k.state}` });
      else if (start && found.k.state !== 'running') notes.push({ target: row.name, message: `container ${found.k.name} is ${found.k.state}; left as it is` });
    }
    cleanups.push(...pendingSecrets(row));
  }

  for (const [name, { k, labelled }] of containers) {
    if (rows.has(name) || i.busy.has(name)) continue;
    notes.push({
      target: name,
      message: labelled
        ? `container ${k.name} is ours but no tenant ${name} is in state; left alone (take it back with reconcile --adopt, or delete it with feather-tenant remove ${name})`
        : `container ${k.name} was not made by feather-tenant (tenant.sh?); left alone (take it over with reconcile --adopt)`,
    });
  }

  return { ...planRoutes(i), actions: [...actions, ...cleanups], notes };
}

/**
 * The route half of the plan, the same on both backends: each active tenant nobody is working on
 * gets its route (routeFor: its backend's dial), merged into the server's routes in front of any
 * catch-all; routes of tenants that are gone, or whose add or remove died, go.
 */
export function planRoutes(i: Pick<ReconcileInput, 'prefix' | 'rows' | 'busy' | 'routes' | 'routeFor'>): Pick<ReconcilePlan, 'routeChanges' | 'routes'> {
  const rows = new Map(i.rows.map((r) => [r.name, r]));
  const desired = new Map<string, CaddyRoute>();
  for (const row of i.rows) if (!i.busy.has(row.name) && row.status === 'active') desired.set(row.name, i.routeFor(row));
  const merged = mergeRoutes({
    current: i.routes ?? [],
    ownerOf: (r) => routeTenant(i.prefix, r),
    desired,
    keep: new Set(i.busy.keys()),
    whyRemoved: (name) => {
      const row = rows.get(name);
      if (!row) return 'no such tenant';
      return row.status === 'provisioning' ? 'its add was interrupted' : 'its remove was interrupted';
    },
  });
  return { routeChanges: merged.changes, routes: merged.changes.length > 0 ? merged.routes : undefined };
}

/** The secrets a passwd or rotate-ingest-token that died left pending: removed once nothing uses them. */
export function pendingSecrets(row: TenantRow): TenantAction[] {
  return [
    ...(row.secretPending && row.secretPending !== row.secret ? [{ kind: 'drop-secret' as const, name: row.name, secret: row.secretPending }] : []),
    ...(row.ingestPending && row.ingestPending !== row.ingestSecret ? [{ kind: 'drop-secret' as const, name: row.name, secret: row.ingestPending, ingest: true as const }] : []),
  ];
}

/** Why a container of ours no longer matches its row (it is then recreated), or undefined. */
function containerDrift(row: TenantRow, k: ContainerSummary): string | undefined {
  if (!k.hostPorts.includes(row.port)) return `it publishes port ${k.hostPorts.join(', ') || 'none'}, not ${row.port}`;
  // Containers made before passwd existed carry no secret label: add named the secret as the container.
  const secret = k.labels[LABEL_SECRET] ?? k.name;
  if (row.secret !== null && secret !== row.secret) return `it holds an old password (secret ${secret}, not ${row.secret})`;
  // A rotate-ingest-token that died after recreating the container but before recording the token.
  const ingest = k.labels[LABEL_INGEST] ?? null;
  if (ingest !== row.ingestSecret) return `it holds another ingest token (secret ${ingest ?? 'none'}, not ${row.ingestSecret ?? 'none'})`;
  return undefined;
}
