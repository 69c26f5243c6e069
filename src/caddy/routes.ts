// Pure: the JSON of a tenant's Caddy route, and how to tell routes apart.

export interface CaddyRoute {
  '@id'?: string;
  match?: Record<string, unknown>[];
  handle?: Record<string, unknown>[];
  terminal?: boolean;
  [key: string]: unknown;
}

export interface TenantRouteSpec {
  id: string;
  host: string;
  port: number;
}

export function tenantRoute(spec: TenantRouteSpec): CaddyRoute {
  return {
    '@id': spec.id,
    match: [{ host: [spec.host] }],
    handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${spec.port}` }] }],
    terminal: true,
  };
}

/** A route with no matcher catches everything: ours must come before it. */
export function isCatchAll(route: CaddyRoute): boolean {
  return !route.match || route.match.length === 0;
}

/** The host ports a route proxies to on 127.0.0.1 (to detect a route pointing at a wrong port). */
export function routeDialPorts(route: CaddyRoute): number[] {
  const ports: number[] = [];
  for (const h of route.handle ?? []) {
    const ups = (h as { upstreams?: { dial?: string }[] }).upstreams ?? [];
    for (const u of ups) {
      const m = /:(\d+)$/.exec(u.dial ?? '');
      if (m) ports.push(Number(m[1]));
    }
  }
  return ports;
}

/** Caddy echoes routes back with keys reordered; compare them as canonical JSON. */
export function sameRoute(a: CaddyRoute, b: CaddyRoute): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
