import { describe, expect, it } from 'vitest';
import { isCatchAll, routeDialPorts, sameRoute, tenantRoute } from '../../src/caddy/routes.js';

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
});
