// Pure: the admin instance's Caddy route. The shape of a tenant's route without the gate (the
// admin host is not gated: docs/admin-instance.md says why), under its own @id.
import type { Config } from '../core/config.js';
import type { CaddyRoute } from '../core/route.js';
import { adminRouteId } from '../core/admin.js';
import { routeDialPorts, tenantRoute } from './routes.js';

export function adminRoute(c: Pick<Config, 'prefix'>, host: string, port: number): CaddyRoute {
  return tenantRoute({ id: adminRouteId(c), host, port });
}

/** The port a route dials (undefined: no route, or not one port). */
export function routedPort(route: CaddyRoute | undefined): number | undefined {
  const ports = route ? routeDialPorts(route) : [];
  return ports.length === 1 ? ports[0] : undefined;
}
