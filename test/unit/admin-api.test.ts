import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { route, type RouteShape } from '../../src/admin-api/router.js';
import { guardRefusal, type GuardView } from '../../src/admin-api/guard.js';
import { AttemptLimiter } from '../../src/admin-api/limiter.js';
import { TOKEN_FILE, TokenFile, ensureToken, rotateToken } from '../../src/admin-api/token.js';
import { httpError } from '../../src/cli/http-errors.js';
import { ConflictError, EngineError, NotFoundError, OperationError, UsageError } from '../../src/core/errors.js';

// The admin API's pure parts: the router, the guard, the error map, the attempt limiter, the token file.

const TABLE: RouteShape[] = [
  { method: 'GET', path: '/api/tenants' },
  { method: 'GET', path: '/api/tenants/{name}' },
  { method: 'GET', path: '/api/tenants/{name}/logs', query: ['tail', 'since'] },
  { method: 'POST', path: '/api/tenants/{name}/stop' },
];

describe('router', () => {
  it('matches exact paths and hands the name on as sent', () => {
    expect(route(TABLE, 'GET', '/api/tenants')).toMatchObject({ ok: true, route: TABLE[0] });
    expect(route(TABLE, 'GET', '/api/tenants/alice')).toMatchObject({ ok: true, params: { name: 'alice' } });
    // Never decoded: the command's name check refuses it (400), no other route can be reached.
    expect(route(TABLE, 'GET', '/api/tenants/%61lice')).toMatchObject({ ok: true, params: { name: '%61lice' } });
    expect(route(TABLE, 'GET', '/api/tenants/alice/logs?tail=5&since=10m')).toMatchObject({ ok: true, query: { tail: '5', since: '10m' } });
  });

  it('other spellings of a path match nothing: 404', () => {
    for (const url of ['/api/tenants/', '//api/tenants', '/api//tenants', '/API/tenants', '/api/Tenants', '/api/tenants/alice/',
      '/api/tenants/alice/../stop', '/api/tenants/./alice', '/api/tenants\\alice', '/api/tenants/alice/STOP', '/api/tenants/alice/stop/', '/', '/api']) {
      expect(route(TABLE, 'POST', url), url).toMatchObject({ ok: false, status: 404 });
    }
  });

  it('a known path with another method is 405 with Allow', () => {
    expect(route(TABLE, 'DELETE', '/api/tenants/alice')).toMatchObject({ ok: false, status: 405, allow: ['GET'] });
    expect(route(TABLE, 'GET', '/api/tenants/alice/stop')).toMatchObject({ ok: false, status: 405, allow: ['POST'] });
  });

  it('unknown or repeated query parameters are 400', () => {
    expect(route(TABLE, 'GET', '/api/tenants?all=1')).toMatchObject({ ok: false, status: 400 });
    expect(route(TABLE, 'GET', '/api/tenants/alice/logs?tail=1&tail=2')).toMatchObject({ ok: false, status: 400 });
    expect(route(TABLE, 'POST', '/api/tenants/alice/stop?force=1')).toMatchObject({ ok: false, status: 400 });
  });
});

describe('the error map (cli/http-errors.ts)', () => {
  it('maps the exit codes: 2 400, 3 404, 4 409, 1 502; anything else is a 500 bug', () => {
    expect(httpError(new UsageError('bad', 'fix it'))).toEqual({ status: 400, body: { error: 'bad', hint: 'fix it' }, bug: false });
    expect(httpError(new NotFoundError('no tenant named x')).status).toBe(404);
    expect(httpError(new ConflictError('busy')).status).toBe(409);
    expect(httpError(new OperationError('caddy down')).status).toBe(502);
    expect(httpError(new EngineError('podman start', 'boom')).status).toBe(502);
    const bug = httpError(new TypeError('x is undefined'));
    expect(bug).toMatchObject({ status: 500, bug: true });
    expect(JSON.stringify(bug.body)).not.toContain('x is undefined');
  });
});

describe('guard', () => {
  const ok: GuardView = { host: '127.0.0.1:9097', origin: undefined, secFetchSite: undefined, upgrade: false, url: '/api/tenants' };

  it('lets a program through: loopback addresses and localhost as Host, Sec-Fetch-Site none', () => {
    for (const host of ['127.0.0.1:9097', 'localhost:9097', '[::1]:9097', '127.0.0.1', 'LOCALHOST:1']) expect(guardRefusal({ ...ok, host }), host).toBeUndefined();
    expect(guardRefusal({ ...ok, secFetchSite: 'none' })).toBeUndefined();
  });

  it('refuses what a web page sends: any Origin, Sec-Fetch-Site other than none, a DNS name as Host (rebinding)', () => {
    expect(guardRefusal({ ...ok, origin: 'http://alice.users.example' })?.status).toBe(403);
    expect(guardRefusal({ ...ok, origin: 'null' })?.status).toBe(403);
    for (const s of ['cross-site', 'same-site', 'same-origin']) expect(guardRefusal({ ...ok, secFetchSite: s })?.status).toBe(403);
    for (const host of ['evil.example:9097', 'alice.users.example', undefined, '', '127.0.0.1.nip.io:9097']) expect(guardRefusal({ ...ok, host })?.status, String(host)).toBe(400);
    expect(guardRefusal({ ...ok, upgrade: true })?.status).toBe(400);
  });

  it('refuses a credential in the URL', () => {
    for (const q of ['token=x', 'access_token=x', 'Authorization=x', 'api_key=x', 'tail=1&bearer=x']) {
      expect(guardRefusal({ ...ok, url: `/api/tenants?${q}` })).toMatchObject({ status: 400, hint: expect.stringContaining('--rotate') as unknown });
    }
  });
});

describe('AttemptLimiter', () => {
  it('counts before the check: a burst gets the limit and no more; the right token gives its attempt back', () => {
    let now = 0;
    const l = new AttemptLimiter(5, () => now);
    const waits = Array.from({ length: 30 }, () => l.attempt('127.0.0.1'));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(waits.slice(5).every((w) => w === 60)).toBe(true);
    now = 60_000;
    expect(l.attempt('127.0.0.1')).toBe(0); // a new window
    for (let i = 0; i < 20; i++) {
      expect(l.attempt('127.0.0.1')).toBe(0);
      l.succeeded('127.0.0.1');
    }
  });

  it('all clients together get 4x the limit; one client over its own is not counted against the others', () => {
    const l = new AttemptLimiter(2, () => 0);
    for (let i = 0; i < 10; i++) l.attempt('10.0.0.1'); // 2 counted in the total, 8 refused by its own limit
    const others = Array.from({ length: 10 }, (_, i) => l.attempt(`10.0.1.${i}`));
    expect(others.filter((w) => w === 0)).toHaveLength(6);
  });

  it('keeps a bounded number of clients', () => {
    const l = new AttemptLimiter(1_000_000, () => 0);
    for (let i = 0; i < 20_000; i++) l.attempt(`c${i}`);
    expect(l.tracked).toBe(10_000);
  });
});

describe('the token file', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made on first use, 0600, and the same afterwards; rotation replaces it and the reader follows without a restart', () => {
    dir = mkdtempSync(join(tmpdir(), 'ftt-unit-token-'));
    const state = join(dir, 'state');
    const first = ensureToken(state);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(state, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(ensureToken(state)).toBe(first);
    const reader = new TokenFile(state);
    expect(reader.matches(first)).toBe(true);
    expect(reader.matches(undefined)).toBe(false);
    expect(reader.matches('')).toBe(false);
    expect(reader.matches(`${first}x`)).toBe(false);
    const second = rotateToken(state);
    expect(second).not.toBe(first);
    expect(statSync(join(state, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(reader.matches(first)).toBe(false);
    expect(reader.matches(second)).toBe(true);
    // Edited in place (same inode): the reader follows too.
    writeFileSync(join(state, TOKEN_FILE), `${'b'.repeat(43)}\n`);
    expect(reader.matches('b'.repeat(43))).toBe(true);
  });

  it('refuses a file that holds no usable token (every request then fails, none passes)', () => {
    dir = mkdtempSync(join(tmpdir(), 'ftt-unit-token-'));
    writeFileSync(join(dir, TOKEN_FILE), 'short\n', { mode: 0o600 });
    expect(() => ensureToken(dir)).toThrow(/no usable admin token/);
    expect(() => new TokenFile(dir).matches('short')).toThrow(/no usable admin token/);
  });
});
