import { describe, expect, it } from 'vitest';
import { SignJWT, base64url } from 'jose';
import { signSession, verifySession } from '../../src/auth/tokens.js';
import { tenantOf } from '../../src/auth/gate.js';
import { splitCookies, COOKIE } from '../../src/auth/cookie.js';
import { safeNext } from '../../src/auth/next-path.js';

const key = new TextEncoder().encode('k'.repeat(48));
const now = Date.UTC(2026, 10, 23, 12);
const HOUR = 3_600_000;

describe('session tokens', () => {
  it('verify for the tenant they were issued to, within their lifetime', async () => {
    const t = await signSession(key, { tenant: 'alice', sid: 'abcdefghij1234567890', iatMs: now, maxMs: 8 * HOUR });
    const v = await verifySession(key, t, 'alice', now + HOUR);
    expect(v).toEqual({ ok: true, claims: { tenant: 'alice', sid: 'abcdefghij1234567890', iatMs: now, exp: Math.floor((now + 8 * HOUR) / 1000) } });
  });

  it("refuse alice's token on bob's host, an expired one, a tampered one, another key's", async () => {
    const t = await signSession(key, { tenant: 'alice', sid: 'abcdefghij1234567890', iatMs: now, maxMs: 8 * HOUR });
    expect((await verifySession(key, t, 'bob', now)).ok).toBe(false);
    expect(await verifySession(key, t, 'alice', now + 9 * HOUR)).toEqual({ ok: false, reason: 'expired' });
    const [h, p, s] = t.split('.');
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p as string))) as Record<string, unknown>;
    const forged = base64url.encode(JSON.stringify({ ...payload, sub: 'bob', aud: 'bob' }));
    expect((await verifySession(key, `${h}.${forged}.${s}`, 'bob', now)).ok).toBe(false);
    const flipped = `${t.slice(0, -2)}${t.at(-2) === 'A' ? 'B' : 'A'}${t.at(-1)}`;
    expect((await verifySession(key, flipped, 'alice', now)).ok).toBe(false);
    expect((await verifySession(new TextEncoder().encode('x'.repeat(48)), t, 'alice', now)).ok).toBe(false);
  });

  it('refuse alg none and other algorithms', async () => {
    const claims = { sid: 'abcdefghij1234567890', iat_ms: now, iss: 'feather-tenant', sub: 'alice', aud: 'alice', exp: Math.floor(now / 1000) + 3600 };
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    expect((await verifySession(key, none, 'alice', now)).ok).toBe(false);
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(key);
    expect((await verifySession(key, hs512, 'alice', now)).ok).toBe(false);
  });
});

describe('gate helpers', () => {
  it('maps a host to a tenant only under the domain, with a valid name', () => {
    expect(tenantOf('alice.users.example', 'users.example')).toBe('alice');
    expect(tenantOf('ALICE.users.example:8443', 'users.example')).toBe('alice');
    expect(tenantOf('a.b.users.example', 'users.example')).toBeUndefined();
    expect(tenantOf('users.example', 'users.example')).toBeUndefined();
    expect(tenantOf('alice.evil.example', 'users.example')).toBeUndefined();
    expect(tenantOf('admin.users.example', 'users.example')).toBeUndefined();
  });

  it('strips only our cookie', () => {
    expect(splitCookies(`a=1; ${COOKIE}=tok; b=2`)).toEqual({ session: 'tok', others: 'a=1; b=2' });
    expect(splitCookies(undefined)).toEqual({ session: undefined, others: '' });
  });

  it('redirects only to paths of the tenant\'s own origin', () => {
    for (const good of ['/notebooks?x=1', '/a/b/#h', '/%2F/x', '/caf%C3%A9']) expect(safeNext(good)).toBe(good);
    expect(safeNext('/./%2f/evil.example')).toBe('/%2f/evil.example'); // a path here: %2F is no slash to a browser
    expect(safeNext('/a/../b')).toBe('/b');
    for (const bad of [
      'https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:x', '', null, '/_feather/logout',
      '/\t/evil.example', '/\n/evil.example', '/\r/evil.example', '/%09/evil.example', '/%2509/evil.example', '/%5cevil.example',
      '/.//evil.example', ' /x', 'x', '/_FEATHER/logout', '//_feather/login', '/x\u0085y', '/x\u007fy',
    ]) {
      expect({ bad, next: safeNext(bad) }).toEqual({ bad, next: '/' });
    }
  });
});
