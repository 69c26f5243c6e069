import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, NODE_IMAGE, httpRequest, type HttpInit, type Stack, type Watchdog } from '../helpers/stack.js';
import { SESSION_COOKIE, startGatedStack, type GatedStack } from '../helpers/gated.js';
import { state } from '../helpers/podman.js';
import { NOW, startEvents, sweepJson } from '../helpers/wake.js';
import { wsOpen } from '../helpers/websocket.js';
import { waitFor } from '../helpers/net.js';

// The login gate against an attacker, end to end: real Caddy (the gated route as `add` writes
// it), the real watchdog, a real redis-server, and tenants running the Node stand-in (it takes
// WebSocket upgrades and reports the Cookie and Origin it saw). Every tenant is a subdomain of
// one domain, so mallory's pages are "same site" to a browser visiting alice.

const SECRET = 'hostile-secret-'.padEnd(48, 'x');
const COOKIE = SESSION_COOKIE;
const RATE = 5;
let s: Stack;
let w: Watchdog;
const pw: Record<string, string> = {};

let g: GatedStack;
beforeAll(async () => {
  g = await startGatedStack({ secret: SECRET, tenants: ['alice', 'mallory', 'sleeper'], ports: 6, env: { FEATHER_TENANT_LOGIN_RATE: String(RATE), FEATHER_TENANT_IMAGE: NODE_IMAGE } });
  ({ s, w } = g);
  Object.assign(pw, g.pw);
  // Sweeps in these tests put only the tenants they are about to sleep.
  for (const name of ['alice', 'mallory']) expect((await s.run(['pin', name])).exitCode).toBe(0);
});
afterAll(async () => {
  await g?.cleanup();
});

// The tests' clients send `Host: alice.test.local` (no port), as a browser would for port 80:
// that is the origin a browser on alice's pages would send.
const origin = (name: string) => `http://${name}.${DOMAIN}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const host = (name: string) => `${name}.${DOMAIN}`;

function login(name: string, password: string, o: { client?: string; next?: string; headers?: Record<string, string> } = {}) {
  return s.get(name, '/_feather/login', {
    method: 'POST',
    localAddress: o.client ?? '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...o.headers },
    body: form({ password, next: o.next ?? '/' }),
  });
}

async function session(name: string): Promise<string> {
  const r = await login(name, pw[name] as string);
  expect(r.status).toBe(303);
  return new RegExp(`${COOKIE}=([^;]+)`).exec(String(r.headers['set-cookie']))?.[1] as string;
}

const cookie = (token: string) => `theme=dark; ${COOKIE}=${token}`;
const ws = (name: string, path: string, headers: Record<string, string> = {}) => wsOpen(s.httpPort, host(name), path, headers);
const as = (name: string, token: string, path: string, init: HttpInit = {}) =>
  s.get(name, path, { ...init, headers: { cookie: cookie(token), ...init.headers } });

describe('WebSocket upgrades pass the gate', () => {
  it('without a session an upgrade is refused, never reaches the tenant, and does not wake it', async () => {
    const refused = await ws('alice', '/socket', { origin: origin('alice') });
    expect(refused.status).toBe(401);
    expect(refused.first).toBeUndefined();

    // A sleeping tenant stays asleep: nobody logged in asked for it.
    const r = await sweepJson(s, NOW.idle, { env: NOW.env });
    expect(r.stopped.map((x) => x.name)).toEqual(['sleeper']);
    const starts = await startEvents(s, 'sleeper');
    for (const path of ['/socket', '/_feather/verify', '/']) {
      const a = await ws('sleeper', path, { origin: origin('sleeper') });
      expect(a.status).not.toBe(101);
      expect(a.first).toBeUndefined();
    }
    expect(await state(s, 'sleeper')).toBe('exited');
    expect(await startEvents(s, 'sleeper')).toBe(starts);
  });

  it('with a session it works, awake or asleep; the tenant sees the other cookies, never ours', async () => {
    const token = await session('alice');
    const up = await ws('alice', '/socket?x=1', { cookie: cookie(token), origin: origin('alice') });
    expect(up.status).toBe(101);
    expect(JSON.parse(up.first as string)).toMatchObject({ tenant: 'alice', path: '/socket?x=1', cookie: 'theme=dark', origin: origin('alice') });
    expect(await up.send('ping')).toBe('echo:ping');
    up.close();

    // Through the wake route (verify passed, the tenant's dial failed): a plain request first,
    // then an upgrade, which the wake server splices itself.
    const sleeperToken = await session('sleeper');
    expect(await state(s, 'sleeper')).toBe('exited');
    const held = await as('sleeper', sleeperToken, '/');
    expect(held.status).toBe(200);
    expect(held.body).toContain('tenant=sleeper\n');
    expect(held.body).toContain('cookie=theme=dark\n');
    expect((await sweepJson(s, NOW.idle, { env: NOW.env })).stopped.map((x) => x.name)).toEqual(['sleeper']);
    const woken = await ws('sleeper', '/socket', { cookie: cookie(sleeperToken), origin: origin('sleeper') });
    expect(woken.status).toBe(101);
    expect(JSON.parse(woken.first as string)).toMatchObject({ tenant: 'sleeper', cookie: 'theme=dark' });
    woken.close();
  });
});

describe('other spellings of /_feather/', () => {
  // Each reaches the watchdog through Caddy's /_feather/* route (Caddy lowercases, decodes and
  // cleans the path before matching), so the gate must claim it: a 404, never the tenant.
  const spellings = [
    '/_FEATHER/x', '//_feather/x', '/_feather/..%5cx', '/_feather/..\\x', '/_feather/./x', '/%5ffeather/x',
    '/_fe%61ther/login', '/_feather%2fverify', '/_feather/..', '/x/../_feather/y', '/_feather/%252e%252e/x',
    '/_Feather/login', '/_feather/login/', '/_feather/verify.', '/_feather/', '/_feather//login',
  ];

  it('are the gate\'s: refused with 404, without a session and with forged wake headers, never forwarded', async () => {
    for (const path of spellings) {
      for (const method of ['GET', 'POST']) {
        const r = await s.get('alice', path, { method, headers: { 'x-feather-wake-method': 'GET', 'x-feather-wake-error': 'dial tcp: connect: connection refused' } });
        expect({ path, method, status: r.status }).toEqual({ path, method, status: 404 });
        expect(r.body).not.toContain('tenant=');
      }
    }
  });

  it('upgrades to them are refused too', async () => {
    for (const path of ['/_FEATHER/socket', '//_feather/socket', '/_feather/./socket']) {
      const a = await ws('alice', path, { origin: origin('alice') });
      expect({ path, status: a.status }).toEqual({ path, status: 404 });
      expect(a.first).toBeUndefined();
    }
  });
});

describe('cross-tenant requests', () => {
  it('refuses unsafe methods from another origin or site; lets same-origin ones and scripts without Origin through', async () => {
    const token = await session('alice');
    const post = (headers: Record<string, string>, method = 'POST') =>
      as('alice', token, '/echo', { method, headers: { 'content-type': 'text/plain', ...headers }, body: 'payload' });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await post({ origin: origin('mallory') }, method);
      expect({ method, status: r.status }).toEqual({ method, status: 403 });
      expect(r.body).not.toContain('payload');
    }
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({ origin: `https://alice.${DOMAIN}` })).status).toBe(403);
    expect((await post({ origin: `http://alice.${DOMAIN}:${s.httpPort}` })).status).toBe(403);
    expect((await post({ origin: origin('alice'), 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ origin: origin('alice'), 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'same-site' })).status).toBe(403);

    const allowed: Record<string, string>[] = [{ origin: origin('alice') }, { origin: origin('alice').toUpperCase().replace('HTTP', 'http') }, { origin: origin('alice'), 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}];
    for (const headers of allowed) {
      const r = await post(headers);
      expect({ headers, status: r.status }).toEqual({ headers, status: 200 });
      expect(r.body).toBe('payload');
    }
    // A GET from mallory's page is a navigation or a read the browser keeps from mallory: it passes.
    expect((await as('alice', token, '/', { headers: { origin: origin('mallory'), 'sec-fetch-site': 'same-site' } })).status).toBe(200);
  });

  it('refuses a WebSocket from another origin or site, even with a session', async () => {
    const token = await session('alice');
    const refused: Record<string, string>[] = [{ origin: origin('mallory') }, { origin: 'null' }, { origin: origin('alice'), 'sec-fetch-site': 'same-site' }];
    for (const headers of refused) {
      const a = await ws('alice', '/socket', { cookie: cookie(token), ...headers });
      expect({ headers, status: a.status }).toEqual({ headers, status: 403 });
      expect(a.first).toBeUndefined();
    }
    const script = await ws('alice', '/socket', { cookie: cookie(token) });
    expect(script.status).toBe(101);
    script.close();
  });

  it('refuses a login from another origin; logout is a POST from the tenant\'s own origin', async () => {
    const forced = await login('alice', pw.alice as string, { headers: { origin: origin('mallory') } });
    expect(forced.status).toBe(403);
    expect(forced.headers['set-cookie']).toBeUndefined();
    expect((await login('alice', pw.alice as string, { headers: { origin: origin('alice'), 'sec-fetch-site': 'same-origin' } })).status).toBe(303);

    const token = await session('alice');
    const page = await as('alice', token, '/_feather/logout');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post" action="/_feather/logout">');
    expect((await as('alice', token, '/')).status).toBe(200); // a GET (an <img> on mallory's page) signs nobody out
    const crossOut = await as('alice', token, '/_feather/logout', { method: 'POST', headers: { origin: origin('mallory') } });
    expect(crossOut.status).toBe(403);
    expect((await as('alice', token, '/')).status).toBe(200);
    const out = await as('alice', token, '/_feather/logout', { method: 'POST', headers: { origin: origin('alice') } });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await as('alice', token, '/')).status).toBe(401);
  });
});

describe('redirect after login', () => {
  it('goes only to a path of the tenant\'s own origin', async () => {
    const hostile = [
      '/\t/evil.example', '/%09/evil.example', '/\n/evil.example', '/\\evil.example', '/%5cevil.example', '//evil.example',
      '/.//evil.example', 'https://evil.example/', `${origin('mallory')}/`, 'javascript:alert(1)', '/%2509/evil.example',
      '/_feather/logout', '/_FEATHER/logout', '//_feather/logout', ' /x',
    ];
    for (const next of hostile) {
      const r = await login('alice', pw.alice as string, { next });
      expect({ next, status: r.status, location: r.headers.location }).toEqual({ next, status: 303, location: '/' });
      const page = await s.get('alice', `/_feather/login?next=${encodeURIComponent(next)}`);
      expect(page.body).toContain('name="next" value="/"');
    }
    for (const next of ['/notes?x=1#top', '/a/b/', '/%2F/kept-as-a-path']) {
      expect((await login('alice', pw.alice as string, { next })).headers.location).toBe(next);
    }
    // The raw query as a browser sends it: the tab arrives percent-encoded.
    const raw = await s.get('alice', '/_feather/login?next=/%09/evil.example');
    expect(raw.body).toContain('name="next" value="/"');
    const sent = await s.get('alice', '/%09/evil.example', { headers: { accept: 'text/html' } });
    expect(sent.status).toBe(302);
    expect(sent.headers.location).toBe('/_feather/login?next=%2F');
  });
});

describe('login rate limit', () => {
  it('30 wrong passwords at once from one address: at most the limit are checked, the rest get 429', async () => {
    const client = '127.0.0.7';
    const answers = await Promise.all(Array.from({ length: 30 }, () => login('alice', 'wrong-password', { client })));
    const statuses = answers.map((a) => a.status);
    const checked = statuses.filter((x) => x === 401).length;
    expect(checked).toBeLessThanOrEqual(RATE);
    expect(statuses.filter((x) => x === 429)).toHaveLength(30 - checked);
    expect(w.logs().filter((l) => l.msg === 'login failed' && l.client === client).length).toBe(checked);
    // That address alone cannot lock the user out elsewhere, and right passwords never count.
    expect((await login('alice', pw.alice as string, { client: '127.0.0.6' })).status).toBe(303);
    for (let i = 0; i < RATE + 2; i++) expect((await login('alice', pw.alice as string, { client: '127.0.0.5' })).status).toBe(303);
    expect((await login('alice', 'wrong-password', { client: '127.0.0.5' })).status).toBe(401);
  });

  it('the tenant\'s ceiling (4x the limit) is reached only from 4 addresses; what one address sends past its own limit does not count', async () => {
    const wrong = (client: string, n: number) => Promise.all(Array.from({ length: n }, () => login('sleeper', 'wrong-password', { client })));
    await wrong('127.0.0.20', 30);
    await wrong('127.0.0.21', RATE);
    await wrong('127.0.0.22', RATE);
    expect((await login('sleeper', pw.sleeper as string, { client: '127.0.0.25' })).status).toBe(303);
    expect((await wrong('127.0.0.23', RATE)).map((a) => a.status)).toEqual(Array(RATE).fill(401));
    // 4 x RATE wrong passwords at sleeper this minute: now nobody can log in until the window ends.
    const locked = await login('sleeper', pw.sleeper as string, { client: '127.0.0.26' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
  });
});

describe('the 401', () => {
  it('says only "login required"; the reason is in the watchdog log', async () => {
    const token = await session('mallory');
    expect((await s.run(['sessions', 'revoke', 'mallory'])).exitCode).toBe(0);
    const [h, p] = token.split('.') as [string, string];
    const logged = () => w.logs().filter((l) => l.msg === 'session refused' && l.tenant === 'mallory').map((l) => l.reason);
    const before = logged().length;
    for (const t of [token, `${h}.${p}.forged`]) {
      const r = await as('mallory', t, '/');
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toEqual({ error: 'login required' });
    }
    // Logged once a minute per tenant and reason (a replayed cookie would write a line per
    // request): a reason an earlier test logged for mallory is not repeated within the minute.
    // The watchdog's line reaches its log pipe a moment after its answer (a full run under load
    // read the log between the two).
    const both = () => ['revoked', 'JWSSignatureVerificationFailed'].every((x) => logged().includes(x));
    await waitFor(() => Promise.resolve(both()), 10_000, 'both refusals in the watchdog log').catch(() => {});
    expect(logged()).toEqual(expect.arrayContaining(['revoked', 'JWSSignatureVerificationFailed']));
    const after = logged().length;
    expect(after).toBeGreaterThan(before);
    expect((await s.get('mallory', '/')).status).toBe(401); // no cookie: nothing to log
    expect(logged().length).toBe(after);
  });
});

describe('activity', () => {
  it('only requests that passed the gate keep a tenant awake', async () => {
    for (const name of ['quiet', 'loud']) {
      const r = await s.run(['add', name, '--json']);
      expect(r.exitCode).toBe(0);
      pw[name] = (JSON.parse(r.stdout) as { password: string }).password;
    }
    const token = await session('loud');
    // 4 s of a scanner on quiet (and a logged-in user on loud), then a sweep with 3 s idle.
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      const answers = await Promise.all([
        s.get('quiet', '/'), s.get('quiet', '/', { headers: { accept: 'text/html' } }), s.get('quiet', '/_feather/login'),
        s.get('quiet', '/_FEATHER/x'), login('quiet', 'guess', { client: '127.0.0.4' }),
        as('loud', token, '/'),
      ]);
      expect(answers.map((a) => a.status)).toEqual([401, 302, 200, 404, expect.any(Number), 200]);
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await sweepJson(s, '0.05', { env: NOW.env });
    expect(r.stopped.map((x) => x.name)).toContain('quiet');
    expect(r.stopped.map((x) => x.name)).not.toContain('loud');
    expect(await state(s, 'quiet')).toBe('exited');
    expect(await state(s, 'loud')).toBe('running');
  });
});

// Straight to the watchdog, as only Caddy's verify subrequest should reach it.
describe('the verify subrequest', () => {
  it('answers an upgrade as a plain verify: never a 101', async () => {
    const port = Number((s.env.FEATHER_TENANT_WAKE_LISTEN as string).split(':')[1]);
    const a = await wsOpen(port, host('alice'), '/_feather/verify', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/socket' });
    expect(a.status).toBe(401);
    const token = await session('alice');
    const ok = await wsOpen(port, host('alice'), '/_feather/verify', { cookie: cookie(token), 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/socket', 'x-forwarded-proto': 'http', origin: origin('alice') });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-feather-cookie']).toBe('theme=dark');
    expect(ok.body).toBe('');
    const plain = await httpRequest(port, host('alice'), '/_feather/verify', { headers: { cookie: cookie(token) } });
    expect(plain.status).toBe(200);
  });
});
