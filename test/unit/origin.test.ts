import { describe, expect, it } from 'vitest';
import { crossOriginRefusal, type RequestOrigin } from '../../src/auth/origin.js';
import { rateKey } from '../../src/auth/rate-key.js';

const base: RequestOrigin = { method: 'POST', upgrade: false, host: 'alice.u.test', origin: undefined, secFetchSite: undefined };
const check = (r: Partial<RequestOrigin>, schemes = ['https']) => crossOriginRefusal({ ...base, ...r }, schemes);

describe('crossOriginRefusal', () => {
  it('lets safe methods through from anywhere, but not an upgrade', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(check({ method, origin: 'https://mallory.u.test', secFetchSite: 'same-site' })).toBeUndefined();
    expect(check({ method: 'GET', upgrade: true, origin: 'https://mallory.u.test' })).toBe('Origin: https://mallory.u.test');
  });

  it('refuses unsafe methods and upgrades from another origin, null, or another site', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'post']) expect(check({ method, origin: 'https://mallory.u.test' })).toBeDefined();
    for (const origin of ['null', 'https://alice.u.test.evil.example', 'http://alice.u.test', 'https://alice.u.test:8443', 'https://alice.u.test/', 'https://x@alice.u.test', 'alice.u.test', '']) {
      expect({ origin, refused: check({ origin }) !== undefined }).toEqual({ origin, refused: true });
    }
    expect(check({ origin: 'https://alice.u.test', secFetchSite: 'same-site' })).toBe('Sec-Fetch-Site: same-site');
    expect(check({ secFetchSite: 'cross-site' })).toBe('Sec-Fetch-Site: cross-site');
  });

  it('accepts the tenant\'s own origin on any scheme it is served on, and requests without Origin', () => {
    expect(check({ origin: 'https://alice.u.test' })).toBeUndefined();
    expect(check({ origin: 'https://ALICE.u.test:443', upgrade: true })).toBeUndefined();
    expect(check({ host: 'alice.u.test:8443', origin: 'https://alice.u.test:8443', secFetchSite: 'same-origin' })).toBeUndefined();
    expect(check({ origin: 'http://alice.u.test' }, ['https', 'http'])).toBeUndefined();
    expect(check({})).toBeUndefined();
    expect(check({ secFetchSite: 'none' })).toBeUndefined();
  });
});

describe('rateKey', () => {
  it('counts an IPv4 address as itself, an IPv6 /64 as one client', () => {
    expect(rateKey('127.0.0.7')).toBe('127.0.0.7');
    expect(rateKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(rateKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(rateKey('2001:DB8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(rateKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateKey('1::2:3:4:5:1.2.3.4')).toBe('1:0:2:3::/64');
    expect(rateKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(rateKey('::1')).toBe('0:0:0:0::/64');
    expect(rateKey('unknown')).toBe('unknown');
  });
});
