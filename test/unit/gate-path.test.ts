import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateRoute, percentDecodings } from '../../src/auth/gate-path.js';

describe('gateRoute', () => {
  it('names the action only for its exact path', () => {
    expect(gateRoute('/_feather/verify')).toBe('verify');
    expect(gateRoute('/_feather/login?next=%2Fx')).toBe('login');
    expect(gateRoute('/_feather/logout')).toBe('logout');
    expect(gateRoute('http://alice.u.test/_feather/login')).toBe('login');
  });

  it('claims every other spelling of a path under /_feather/', () => {
    for (const path of [
      '/_FEATHER/x', '//_feather/x', '/_feather/..%5cx', '/_feather/..\\x', '/_feather/./x', '/%5ffeather/x', '/%5Ffeather/x',
      '/_fe%61ther/login', '/_feather%2fverify', '/_feather%2Fverify', '/_feather/..', '/_feather/.', '/x/../_feather/y',
      '/_feather/%252e%252e/x', '/_Feather/login', '/_feather/login/', '/_feather/verify.', '/_feather/verify%20',
      '/_feather/', '/_feather', '/_feather//login', '\\_feather\\login', '/%5c_feather/x', '/x/..%2f_feather/y',
      '/x/%2e%2e/_feather/y', '/_feather./x', '/_feather#/x', '/%25252525255ffeather/x',
      '/./_feather/x', '/../_feather/x', '/x/y/../../_feather/', '/_feather/x/../../y/../_feather/z',
    ]) {
      expect({ path, route: gateRoute(path) }).toEqual({ path, route: 'other' });
    }
    // Encoded deeper than any client would: the gate claims it rather than guess.
    expect(gateRoute(`/${'%25'.repeat(1)}${'25'.repeat(9)}5ffeather`)).toBe('other');
  });

  it('leaves the tenant its own paths', () => {
    for (const path of ['/', '/notes', '/app/_feather/x', '/_feathers/x', '/feather/x', '/__feather/x', '/x_feather/y', '/.feather-tenant/wake-status', '/%2e%2e', '/a/b/..']) {
      expect({ path, route: gateRoute(path) }).toEqual({ path, route: undefined });
    }
  });

  // Caddy 2.6's path matcher, as its source does it: Go's URL.Path (decoded once), lowercased,
  // trailing dots and spaces trimmed, then cleaned (path.Clean, keeping a trailing slash).
  const caddyRoutesToGate = (path: string): boolean => {
    const decoded = decodeURIComponent(path).toLowerCase().replace(/[. ]+$/, '');
    let clean = posix.normalize(decoded.startsWith('/') ? decoded : `/${decoded}`);
    if (clean !== '/' && clean.endsWith('/') && !decoded.endsWith('/')) clean = clean.slice(0, -1);
    return clean.startsWith('/_feather/');
  };

  it('claims whatever Caddy\'s matcher sends it, over thousands of generated spellings', () => {
    const pieces = ['/', '//', '_feather', '_FEATHER', '%5ffeather', '_fe%41ther', '.', '..', '%2e', '%2E%2e', '%2f', '%5c', '\\', 'x', ' ', '%20', '%252f', '.%2e'];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let routed = 0;
    for (let i = 0; i < 20_000; i++) {
      let path = '/';
      for (let k = 0, n = 1 + rnd(7); k < n; k++) path += pieces[rnd(pieces.length)] as string;
      if (caddyRoutesToGate(path)) {
        routed++;
        expect({ path, route: gateRoute(path) }).not.toEqual({ path, route: undefined });
      }
    }
    expect(routed).toBeGreaterThan(500);
  });
});

describe('percentDecodings', () => {
  it('decodes until nothing changes, leaving what is not an escape', () => {
    expect(percentDecodings('/a%252fb')).toEqual(['/a%252fb', '/a%2fb', '/a/b']);
    expect(percentDecodings('/caf%C3%A9%zz')).toEqual(['/caf%C3%A9%zz', '/café%zz']);
    expect(percentDecodings(`/${'%25'.repeat(1)}${'25'.repeat(9)}41`)).toBeUndefined();
  });
});
