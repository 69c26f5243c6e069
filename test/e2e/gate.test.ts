import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, base64url } from 'jose';
import { execa } from 'execa';
import { DOMAIN, httpRequest, waitFor, type Stack, type Watchdog } from '../helpers/stack.js';
import type { TestRedis } from '../helpers/redis.js';
import { SESSION_COOKIE, startGatedStack, type GatedStack } from '../helpers/gated.js';
import { connectRedis } from '../../src/redis/connect.js';
import { keys } from '../../src/auth/keys.js';

// The login gate end to end: Caddy (forward_auth in JSON) -> the real watchdog -> a real
// redis-server, in front of real podman containers. Sessions idle out after 6 s here.

const SECRET = 'test-secret-'.padEnd(48, 'x');
const COOKIE = SESSION_COOKIE;
let s: Stack;
let redis: TestRedis;
let w: Watchdog;
const pw: Record<string, string> = {};

let g: GatedStack;
beforeAll(async () => {
  g = await startGatedStack({ secret: SECRET, tenants: ['alice', 'bob'], env: { FEATHER_TENANT_SESSION_IDLE_MINUTES: '0.1', FEATHER_TENANT_LOGIN_RATE: '5' } });
  ({ s, redis, w } = g);
  Object.assign(pw, g.pw);
});
afterAll(async () => {
  await g?.cleanup();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function login(name: string, password: string, client = '127.0.0.1') {
  return s.get(name, '/_feather/login', {
    method: 'POST',
    localAddress: client,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ password, next: '/cgi-bin/info' }),
  });
}

async function session(name: string): Promise<string> {
  const r = await login(name, pw[name] as string);
  expect(r.status).toBe(303);
  const set = String(r.headers['set-cookie']);
  const m = new RegExp(`${COOKIE}=([^;]+)`).exec(set);
  expect(m).not.toBeNull();
  return m?.[1] as string;
}

const withCookie = (name: string, token: string, path = '/cgi-bin/info', accept = '*/*') =>
  s.get(name, path, { headers: { cookie: `theme=dark; ${COOKIE}=${token}`, accept } });

describe('login gate', () => {
  it('sends a browser to the login page and refuses an API client without a session', async () => {
    const browser = await s.get('alice', '/notes?x=1', { headers: { accept: 'text/html' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/_feather/login?next=%2Fnotes%3Fx%3D1');
    const page = await s.get('alice', '/_feather/login?next=%2Fnotes');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post" action="/_feather/login">');
    expect(page.body).toContain('name="password"');
    const api = await s.get('alice', '/cgi-bin/info');
    expect(api.status).toBe(401);
    expect(api.body).not.toContain('tenant=alice');
  });

  it('the right password gets a host-only secure cookie that reaches the tenant; the tenant never sees it', async () => {
    expect((await login('alice', 'wrong-password')).status).toBe(401);
    const r = await login('alice', pw.alice as string);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/cgi-bin/info');
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(new RegExp(`^${COOKIE}=`));
    for (const attr of ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax']) expect(set).toContain(attr);
    expect(set).not.toMatch(/Domain=/i);
    const token = new RegExp(`${COOKIE}=([^;]+)`).exec(set)?.[1] as string;
    const info = await withCookie('alice', token);
    expect(info.status).toBe(200);
    expect(info.body).toContain('tenant=alice');
    expect(info.body).toContain('cookie=theme=dark\n'); // ours was stripped, the app's own kept
    // A POST with a body passes the gate whole.
    const echo = await s.get('alice', '/cgi-bin/echo', { method: 'POST', headers: { cookie: `${COOKIE}=${token}`, 'content-type': 'text/plain' }, body: 'hello gate' });
    expect(echo.body).toContain('hello gate');
  });

  it('Caddy keeps its connections to the verifier: its 2xx answer is empty, with a Content-Length', async () => {
    const token = await session('alice');
    const wakePort = (s.env.FEATHER_TENANT_WAKE_LISTEN as string).split(':')[1] as string;
    // Sockets Caddy closed towards the watchdog linger in TIME-WAIT on Caddy's side for a minute.
    const closedByCaddy = async () => {
      const r = await execa('ss', ['-Htan', 'state', 'time-wait', `( dport = :${wakePort} )`]);
      return r.stdout.split('\n').filter(Boolean).length;
    };
    const before = await closedByCaddy();
    for (let i = 0; i < 20; i++) expect((await withCookie('alice', token)).status).toBe(200);
    // Go's transport closes a connection whose response body was left unread (a chunked "ok").
    expect((await closedByCaddy()) - before).toBeLessThanOrEqual(2);
    const direct = await httpRequest(Number(wakePort), `alice.${DOMAIN}`, '/_feather/verify', { headers: { cookie: `${COOKIE}=${token}` } });
    expect(direct.status).toBe(200);
    expect(direct.headers['content-length']).toBe('0');
    expect(direct.headers['transfer-encoding']).toBeUndefined();
  });

  it("refuses alice's token on bob's host, a tampered token, alg none, an expired token", async () => {
    const token = await session('alice');
    expect((await withCookie('bob', token)).status).toBe(401);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
    const forged = `${h}.${base64url.encode(JSON.stringify({ ...claims, sub: 'bob', aud: 'bob' }))}.${sig}`;
    expect((await withCookie('bob', forged)).status).toBe(401);
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`;
    expect((await withCookie('alice', none)).status).toBe(401);
    const key = new TextEncoder().encode(SECRET);
    const past = Date.now() - 9 * 3_600_000;
    const expired = await new SignJWT({ ...claims, iat_ms: past }).setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(past / 1000)).setExpirationTime(Math.floor(past / 1000) + 3600).sign(key);
    expect((await withCookie('alice', expired)).status).toBe(401);
    expect((await withCookie('alice', token)).status).toBe(200); // the genuine one still works
  });

  it('a session idle past its window is refused; an active one is not', async () => {
    const idle = await session('alice');
    const active = await session('alice');
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      expect((await withCookie('alice', active)).status).toBe(200);
    }
    expect((await withCookie('alice', idle)).status).toBe(401); // 10 s without a request, window 6 s
  });

  it('sessions revoke, passwd and logout end sessions within a second', async () => {
    const a = await session('alice');
    const b = await session('alice');
    const listed = JSON.parse((await s.run(['sessions', 'list', 'alice', '--json'])).stdout) as { sid: string }[];
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect((await s.run(['sessions', 'revoke', 'alice'])).exitCode).toBe(0);
    expect((await withCookie('alice', a)).status).toBe(401);
    expect((await withCookie('alice', b)).status).toBe(401);

    const c = await session('alice');
    const out = await s.get('alice', '/_feather/logout', { method: 'POST', headers: { cookie: `${COOKIE}=${c}` } });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await withCookie('alice', c)).status).toBe(401);

    const d = await session('alice');
    const changed = await s.run(['passwd', 'alice', '--json']);
    expect(changed.exitCode).toBe(0);
    const t0 = Date.now();
    expect((await withCookie('alice', d)).status).toBe(401);
    expect(Date.now() - t0).toBeLessThan(1000);
    pw.alice = (JSON.parse(changed.stdout) as { password: string }).password;
    expect((await withCookie('alice', await session('alice'))).status).toBe(200);
  });

  it('fails closed while Redis is down, and a revocation made meanwhile takes effect when it is back', async () => {
    const token = await session('bob');
    await redis.stop();
    const during = await withCookie('bob', token);
    expect(during.status).toBe(503);
    expect(during.headers['retry-after']).toBe('5');
    const r = await s.run(['sessions', 'revoke', 'bob']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('queued');
    await redis.start();
    // The watchdog (every second) or the next command delivers the outbox once Redis answers.
    await waitFor(async () => (await s.run(['sessions', 'pending'])).stdout.includes('no pending revocations'), 20_000, 'the outbox to drain');
    await waitFor(() => Promise.resolve(w.logs().some((l) => l.msg === 'Redis reachable again')), 20_000, 'the watchdog to reconnect');
    expect((await withCookie('bob', token)).status).toBe(401);
    const probe = connectRedis(redis.url);
    await probe.connect();
    expect(Number(await probe.get(keys(s.prefix).notBefore('bob')))).toBeGreaterThan(0);
    probe.disconnect();
    expect(w.logs().some((l) => l.msg.startsWith('Redis unreachable'))).toBe(true);
  });

  it('rate-limits failed logins per client with 429 and Retry-After', async () => {
    for (let i = 0; i < 5; i++) expect((await login('alice', 'nope', '127.0.0.9')).status).toBe(401);
    const limited = await login('alice', pw.alice as string, '127.0.0.9');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not locked out by it.
    expect((await login('alice', pw.alice as string, '127.0.0.8')).status).toBe(303);
  });

  it('remove ends the tenant\'s sessions', async () => {
    const token = await session('bob');
    expect((await s.run(['remove', 'bob'])).exitCode).toBe(0);
    expect((await withCookie('bob', token)).status).not.toBe(200);
    const probe = connectRedis(redis.url);
    await probe.connect();
    expect(await probe.scard(keys(s.prefix).sessionIndex('bob'))).toBe(0);
    probe.disconnect();
  });
});
