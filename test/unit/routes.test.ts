import { describe, expect, it } from 'vitest';
import { isCatchAll, routeDialPorts, sameRoute, tenantRoute, tenantRouteFor } from '../../src/caddy/routes.js';

describe('Caddy routes', () => {
  const r = tenantRoute({ id: 'feather-user-alice', host: 'alice.users.example', port: 9001 });

  it('address the tenant by @id and host, and proxy to its loopback port', () => {
    expect(r['@id']).toBe('feather-user-alice');
    expect(r.match).toEqual([{ host: ['alice.users.example'] }]);
    expect(routeDialPorts(r)).toContain(9001);
    expect(isCatchAll(r)).toBe(false);
    expect(isCatchAll({ handle: [{ handler: 'static_response' }] })).toBe(true);
  });

  it('compare regardless of key order, and notice a changed port', () => {
    const reverse = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverse)
        : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v;
    const reordered = reverse(r) as typeof r;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(r));
    expect(sameRoute(reordered, r)).toBe(true);
    expect(sameRoute(r, tenantRoute({ id: 'feather-user-alice', host: 'alice.users.example', port: 9002 }))).toBe(false);
  });

  it('without the gate, send /_feather/summary (only) to the watchdog, the wake route\'s headers dropped', () => {
    const c = { prefix: 'feather-user-', domain: 'users.example', auth: 'off' as const, wakeListen: '127.0.0.1:9098' };
    const open = tenantRouteFor(c, 'alice', 9001);
    const sub = (open.handle?.[0] as { routes: { match?: { path: string[] }[]; handle: Record<string, unknown>[] }[] }).routes;
    expect(sub.map((x) => x.match)).toEqual([[{ path: ['/_feather/summary'] }], undefined]);
    expect(sub[0]?.handle[0]).toEqual({
      handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:9098' }],
      headers: { request: { delete: ['X-Feather-Wake-Method', 'X-Feather-Wake-Length', 'X-Feather-Wake-Error'] } },
    });
    expect(routeDialPorts(open)).toEqual([9001]);
    // With the gate on, /_feather/* is the watchdog's already: no route of its own.
    const gated = tenantRouteFor({ ...c, auth: 'jwt' }, 'alice', 9001);
    expect(JSON.stringify(gated)).not.toContain('/_feather/summary');
    expect(routeDialPorts(gated)).toEqual([9001]);
  });
});
