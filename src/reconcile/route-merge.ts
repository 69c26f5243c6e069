// Pure: the managed server's whole routes array as it should be, from the array as it is.
// Applied as ONE config change (Caddy reloads everything on each), however many routes differ.
import { isCatchAll, routeDialPorts, sameRoute } from '../caddy/routes.js';
import type { CaddyRoute } from '../core/route.js';

export interface RouteChange {
  tenant: string;
  id: string;
  change: 'add' | 'fix' | 'remove' | 'move';
  detail: string;
}

export interface RouteMergeInput {
  current: readonly CaddyRoute[];
  /** The tenant a route belongs to by its @id, or undefined when it is not ours. */
  ownerOf(route: CaddyRoute): string | undefined;
  /** Each tenant that should be served, and its route. */
  desired: ReadonlyMap<string, CaddyRoute>;
  /** Tenants another command is working on: their routes stay exactly as found. */
  keep: ReadonlySet<string>;
  /** Why a route of ours with no desired route goes (e.g. "no such tenant"). */
  whyRemoved(tenant: string): string;
}

/**
 * Routes that are not ours stay in place and in order. Ours are fixed in place, deduplicated,
 * removed when unwanted, and moved in front when they sit behind a catch-all (where nothing
 * reaches them). Missing ones go in front, as `add` puts them.
 */
export function mergeRoutes(i: RouteMergeInput): { routes: CaddyRoute[]; changes: RouteChange[] } {
  const changes: RouteChange[] = [];
  const front: CaddyRoute[] = [];
  const out: CaddyRoute[] = [];
  const placed = new Set<string>();
  let behindCatchAll = false;
  for (const route of i.current) {
    const tenant = i.ownerOf(route);
    const id = route['@id'] ?? '';
    if (tenant === undefined || i.keep.has(tenant)) {
      out.push(route);
      if (isCatchAll(route)) behindCatchAll = true;
      continue;
    }
    const want = i.desired.get(tenant);
    if (!want) {
      changes.push({ tenant, id, change: 'remove', detail: i.whyRemoved(tenant) });
    } else if (placed.has(tenant)) {
      changes.push({ tenant, id, change: 'remove', detail: 'duplicate @id' });
    } else if (behindCatchAll) {
      changes.push({ tenant, id, change: 'move', detail: 'it was behind a catch-all route' });
      front.push(want);
      placed.add(tenant);
    } else {
      const same = sameRoute(route, want);
      if (!same) changes.push({ tenant, id, change: 'fix', detail: describeFix(route, want) });
      out.push(same ? route : want);
      placed.add(tenant);
    }
  }
  for (const [tenant, want] of [...i.desired].sort(([a], [b]) => a.localeCompare(b))) {
    if (placed.has(tenant) || i.keep.has(tenant)) continue;
    changes.push({ tenant, id: want['@id'] ?? '', change: 'add', detail: describeTarget(want) });
    front.push(want);
  }
  return { routes: [...front, ...out], changes };
}

function describeTarget(r: CaddyRoute): string {
  const ports = routeDialPorts(r);
  return ports.length ? `to port ${ports.join(', ')}` : 'as desired';
}

function describeFix(was: CaddyRoute, want: CaddyRoute): string {
  const a = routeDialPorts(was).join(', ') || 'none';
  const b = routeDialPorts(want).join(', ') || 'none';
  return a !== b ? `port ${a} -> ${b}` : 'its handlers or matchers differed';
}
