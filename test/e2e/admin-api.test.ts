import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { DOMAIN, startStack, httpRequest, waitFor, type HttpInit, type Stack, type Watchdog } from '../helpers/stack.js';
import { BROWSER_ATTACK, adminRequest, rawRequest, type Answer } from '../helpers/admin-api.js';
import { lockHolder as lockHolderIn } from '../helpers/locks.js';
import { launchBrowser } from '../helpers/browser.js';
import { sleepAll } from '../helpers/wake.js';
import { state } from '../helpers/podman.js';
import { violations } from '../helpers/schema-check.js';
import type { Schema } from '../../src/admin-api/schemas.js';

// The admin API through the real watchdog, podman and Caddy: every endpoint with and without the
// token, each answer held to the OpenAPI document the API serves, start/stop seen by `list`, a
// warmup of a sleeping tenant, rotation without a restart, and what it refuses.

let s: Stack;
let w: Watchdog;
let port: number;
let token: string;

beforeAll(async () => {
  s = await startStack({ ports: 3 });
  port = Number(s.env.FEATHER_TENANT_ADMIN_LISTEN?.split(':')[1]);
  for (const n of ['alice', 'bob']) expect((await s.run(['add', n])).exitCode).toBe(0);
  // A high limit here: this file sends wrong tokens on purpose; the limit has its own watchdog below.
  w = await s.startWatchdog({ FEATHER_TENANT_LOGIN_RATE: '1000' });
  token = (await s.run(['admin-token'])).stdout.trim();
});
afterAll(async () => {
  await s?.cleanup();
});

const api = (method: string, path: string, init: HttpInit & { token?: string | null } = {}) => adminRequest(port, token, method, path, init);
const raw = (request: string, body = 0) => rawRequest(port, request, body);
const lockHolder = (name: string) => lockHolderIn(s.stateDir, name);
const cliJson = async (args: string[]) => JSON.parse((await s.run([...args, '--json'])).stdout) as unknown;
const listed = async () => Object.fromEntries(((await cliJson(['list'])) as { name: string; state: string }[]).map((e) => [e.name, e.state]));

describe('admin API', () => {
  it('every endpoint of the OpenAPI document: 401 without the token, and with it answers that fit the document', async () => {
    const doc = (await api('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, { responses: Record<string, { content: { 'application/json': { schema: Schema } } }> }>> };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
    expect(ops.map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      'GET /api/openapi.json', 'GET /api/tenants', 'GET /api/tenants/{name}', 'GET /api/tenants/{name}/logs',
      'GET /api/tenants/{name}/summaries', 'GET /api/tenants/{name}/usage', 'GET /api/usage',
      'POST /api/tenants/{name}/restart', 'POST /api/tenants/{name}/start', 'POST /api/tenants/{name}/stop', 'POST /api/tenants/{name}/warmup',
    ]);
    const checked: string[] = [];
    const check = (r: Answer, method: string, path: string) => {
      const responses = doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};
      const schema = (responses[String(r.status)] ?? responses.default)?.content['application/json'].schema;
      expect(schema, `${method} ${path} answered ${r.status}, which the document does not list`).toBeDefined();
      expect(violations(schema as Schema, r.json), `${method} ${path} ${r.status}: ${r.body}`).toEqual([]);
      checked.push(`${method} ${path} ${r.status}`);
    };
    for (const { method, path } of ops) {
      const url = path.replace('{name}', 'bob');
      for (const bad of [null, 'wrong', `${token}x`, token.slice(0, -1)]) {
        const r = await api(method, url, { token: bad });
        expect(r.status, `${method} ${url} with ${bad === null ? 'no' : 'a wrong'} token`).toBe(401);
        expect(r.headers['www-authenticate']).toMatch(/^Bearer /);
        check(r, method, path);
      }
    }
    // Nothing changed by any of that.
    expect(await listed()).toEqual({ alice: 'running', bob: 'running' });
    // With the token: each endpoint, its errors too.
    for (const { method, path } of ops) {
      for (const name of ['bob', 'nobody', 'Bob']) {
        if (!path.includes('{name}') && name !== 'bob') continue;
        const url = path.replace('{name}', name);
        const r = await api(method, url);
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        check(r, method, path);
        expect(r.status, `${method} ${url}: ${r.body}`).toBe(name === 'bob' ? 200 : name === 'nobody' ? 404 : 400);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(ops.length * 4 + ops.length);
    // The errors are the CLI's own words.
    const cli = await s.run(['show', 'nobody']);
    expect(cli.exitCode).toBe(3);
    expect(cli.stderr).toContain(((await api('GET', '/api/tenants/nobody')).json as { error: string }).error);
    const bad = await s.run(['stop', 'Bob']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(((await api('POST', '/api/tenants/Bob/stop')).json as { error: string }).error);
    // list and show answer what the CLI prints (times and sizes aside).
    expect((await api('GET', '/api/tenants')).json).toEqual(await cliJson(['list']));
    // Usage, as the CLI prints it (its counts aside: the watchdog's sweep may add to them in between).
    const usageOutline = (u: unknown) => {
      const { since, until, tenants, days } = u as { since: string; until: string; tenants: { name: string }[]; days?: { day: string }[] };
      return { since, until, tenants: tenants.map((t) => t.name).sort(), days: days?.map((d) => d.day) };
    };
    expect(usageOutline((await api('GET', '/api/usage?since=30d')).json)).toEqual(usageOutline(await cliJson(['usage', '--since', '30d'])));
    expect(usageOutline((await api('GET', '/api/tenants/alice/usage')).json)).toEqual(usageOutline(await cliJson(['usage', 'alice'])));
    expect((await api('GET', '/api/tenants/alice/summaries?last=3')).json).toEqual(await cliJson(['summaries', 'alice', '--last', '3']));
    expect((await api('GET', '/api/usage?since=soon')).status).toBe(400);
    expect((await api('GET', '/api/tenants/alice/summaries?last=0')).status).toBe(400);
    const shown = (await api('GET', '/api/tenants/alice')).json as Record<string, unknown>;
    expect({ ...shown, volume: null }).toEqual({ ...(await cliJson(['show', 'alice'])) as object, volume: null });
  });

  it('stop and start through the API are what `list` and the wake server see', async () => {
    expect(await api('POST', '/api/tenants/bob/stop')).toMatchObject({ status: 200, json: { name: 'bob', action: 'stopped', state: 'stopped' } });
    expect(await listed()).toMatchObject({ bob: 'exited' });
    expect(await cliJson(['show', 'bob'])).toMatchObject({ desired: 'stopped' });
    // Stopped by an operator: neither a request nor a warmup starts it.
    expect((await s.get('bob', '/cgi-bin/info')).status).not.toBe(200);
    expect(await api('POST', '/api/tenants/bob/warmup')).toMatchObject({ status: 409, json: { hint: expect.stringContaining('start bob') as unknown } });
    expect(await state(s, 'bob')).toBe('exited');
    expect(await api('POST', '/api/tenants/bob/start')).toMatchObject({ status: 200, json: { action: 'started', state: 'running' } });
    expect(await listed()).toMatchObject({ bob: 'running' });
    expect((await s.get('bob', '/cgi-bin/info')).body).toContain('tenant=bob');
    expect(await api('POST', '/api/tenants/bob/restart')).toMatchObject({ status: 200, json: { action: 'restarted' } });
    expect((await s.get('bob', '/cgi-bin/info')).status).toBe(200);
    // The CLI's per-tenant lock: an API stop waits for a CLI passwd (slowed down to hold the lock).
    const slowPodman = join(s.dir, 'slow-podman');
    writeFileSync(slowPodman, '#!/bin/sh\nif [ "$1 $2" = "secret create" ]; then sleep 3; fi\nexec podman "$@"\n');
    chmodSync(slowPodman, 0o755);
    const passwd = s.run(['passwd', 'bob'], { FEATHER_TENANT_PODMAN: slowPodman });
    await waitFor(() => Promise.resolve(lockHolder('bob') === 'passwd'), 10_000, 'passwd to hold the lock');
    const stopped = await api('POST', '/api/tenants/bob/stop');
    expect((await passwd).exitCode).toBe(0);
    expect(stopped).toMatchObject({ status: 200, json: { action: 'stopped' } }); // after passwd had started bob again
    expect(w.logs()).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^waiting for tenant bob: passwd \(pid \d+\) is working on it$/) as unknown }));
    expect(await api('POST', '/api/tenants/bob/start')).toMatchObject({ status: 200, json: { action: 'started' } });
  });

  it('warmup wakes a sleeping tenant and answers when it answers; its first request then needs no wake', async () => {
    await sleepAll(s, ['alice', 'bob']);
    expect(await listed()).toEqual({ alice: 'asleep', bob: 'asleep' });
    const wakes = await w.metric('feather_tenant_wakes_total{result="ok"}');
    const t0 = Date.now();
    const r = await api('POST', '/api/tenants/alice/warmup');
    const took = Date.now() - t0;
    expect(r).toMatchObject({ status: 200, json: { name: 'alice', action: 'woken', state: 'running' } });
    expect((r.json as { ms: number }).ms).toBeLessThanOrEqual(took);
    expect(await state(s, 'alice')).toBe('running');
    expect(await w.metric('feather_tenant_wakes_total{result="ok"}')).toBe(wakes + 1);
    expect((await s.get('alice', '/cgi-bin/info')).body).toContain('tenant=alice');
    expect(await w.metric('feather_tenant_wakes_total{result="ok"}')).toBe(wakes + 1); // no second wake
    expect(await api('POST', '/api/tenants/alice/warmup')).toMatchObject({ status: 200, json: { action: 'none' } });
    expect(await listed()).toEqual({ alice: 'running', bob: 'asleep' });
    // A warmup and a request at once share one wake.
    const [warm, visit] = await Promise.all([api('POST', '/api/tenants/bob/warmup'), s.get('bob', '/cgi-bin/info')]);
    expect(warm.status).toBe(200);
    expect(visit.body).toContain('tenant=bob');
    expect(await w.metric('feather_tenant_wakes_total{result="ok"}')).toBe(wakes + 2);
  });

  it('logs: both streams in time order, tail and since', async () => {
    const r = await api('GET', '/api/tenants/alice/logs?tail=5');
    expect(r.status).toBe(200);
    const lines = (r.json as { lines: { time: string; stream: string; text: string }[] }).lines;
    expect(lines.length).toBeLessThanOrEqual(5);
    const times = lines.map((l) => Date.parse(l.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(((await api('GET', '/api/tenants/alice/logs?tail=0')).json as { lines: unknown[] }).lines).toEqual([]);
    expect(((await api('GET', '/api/tenants/alice/logs?since=2099-01-01T00:00:00Z')).json as { lines: unknown[] }).lines).toEqual([]);
    expect((await api('GET', '/api/tenants/alice/logs?tail=-1')).status).toBe(400);
  });

  it('refuses other spellings, bodies, huge headers, upgrades and a token in the URL; nothing changes', async () => {
    for (const [method, path, status] of [
      ['POST', '/api/tenants/alice/stop/', 404], ['POST', '//api/tenants/alice/stop', 404], ['POST', '/api/tenants/alice/%2e%2e/bob/stop', 404],
      ['POST', '/API/tenants/alice/stop', 404], ['POST', '/api/tenants/ALICE/stop', 400], ['POST', '/api/tenants/%61lice/stop', 400],
      ['GET', '/api/tenants/alice\\stop', 400], ['POST', '/api/tenants/alice\\stop', 405], ['POST', '/api/tenants/alice/stop?now=1', 400], ['DELETE', '/api/tenants/alice', 405],
      ['PUT', '/api/tenants/alice/stop', 405], ['HEAD', '/api/tenants', 405], ['OPTIONS', '/api/tenants', 405], ['GET', '/', 404], ['GET', '/metrics', 404],
    ] as const) {
      const r = await api(method, path);
      expect(r.status, `${method} ${path}`).toBe(status);
    }
    expect(await api('POST', '/api/tenants/alice/stop', { body: '{}', headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 400, headers: { connection: 'close' } });
    // A huge body is refused unread and the connection closed while the client is still sending.
    // (The 400 is sent, but the kernel may reset the connection before the client reads it.)
    const huge = await raw(`POST /api/tenants/alice/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${64 << 20}\r\n\r\n`, 64 << 20);
    expect(['HTTP/1.1 400 Bad Request', '']).toContain(huge.status);
    expect(huge.sent).toBeLessThan(64 << 20);
    expect((await api('GET', `/api/tenants?token=${token}`, { token: null })).status).toBe(400);
    expect((await api('GET', '/api/tenants', { headers: { 'x-pad': 'x'.repeat(16_000) } })).status).toBe(431);
    expect((await httpRequest(port, 'rebind.example:9097', '/api/tenants', { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
    expect((await api('GET', '/api/tenants', { headers: { connection: 'upgrade', upgrade: 'websocket' } })).status).toBe(400);
    expect(await listed()).toEqual({ alice: 'running', bob: 'running' });
  });

  it('admin-token --rotate takes effect at once, without a restart; the token is 0600 and never logged', async () => {
    const file = join(s.stateDir, 'admin-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    const old = token;
    const r = await s.run(['admin-token', '--rotate']);
    expect(r.exitCode).toBe(0);
    token = r.stdout.trim();
    expect(token).not.toBe(old);
    expect((await api('GET', '/api/tenants', { token: old })).status).toBe(401);
    expect((await api('GET', '/api/tenants')).status).toBe(200);
    expect((await s.run(['admin-token'])).stdout.trim()).toBe(token);
    expect(w.stderr()).not.toContain(old);
    expect(w.stderr()).not.toContain(token);
    expect(await w.metric('feather_tenant_admin_requests_total{class="2xx"}')).toBeGreaterThan(0);
    expect(await w.metric('feather_tenant_admin_requests_total{class="4xx"}')).toBeGreaterThan(0);
    expect(await w.metric('feather_tenant_admin_requests_total{class="5xx"}')).toBe(0);
  });

  it("a tenant's page in a browser on the operator's machine cannot use the API, nor lock the operator out", async () => {
    await w.stop();
    w = await s.startWatchdog({ FEATHER_TENANT_LOGIN_RATE: '5' });
    const refused4xx = await w.metric('feather_tenant_admin_requests_total{class="4xx"}');
    const tb = await launchBrowser([s.httpPort, port]);
    try {
      const page = await tb.browser.newPage();
      await page.goto(`http://alice.${DOMAIN}:${s.httpPort}/`);
      const admin = `http://127.0.0.1:${port}`;
      const said = await page.evaluate(`(${BROWSER_ATTACK})(${JSON.stringify(admin)})`);
      expect(said).toEqual(Array(5).fill('blocked'));
    } finally {
      await tb.close();
    }
    // They reached the API (preflights, simple POSTs, images, forms) and were refused as from a page.
    expect(await w.metric('feather_tenant_admin_requests_total{class="4xx"}')).toBeGreaterThanOrEqual(refused4xx + 15);
    expect(w.logs()).toContainEqual(expect.objectContaining({ msg: 'admin API request refused', error: expect.stringMatching(/Origin|Sec-Fetch-Site/) as unknown }));
    expect(await state(s, 'alice')).toBe('running');
    expect(await listed()).toEqual({ alice: 'running', bob: 'running' });
    // None of them counted as a wrong token: the operator is not locked out.
    expect((await api('GET', '/api/tenants')).status).toBe(200);
  });

  it('a parallel burst of wrong tokens is limited like logins; FEATHER_TENANT_ADMIN_LISTEN=off serves nothing', async () => {
    const burst = await Promise.all(Array.from({ length: 40 }, () => api('POST', '/api/tenants/alice/stop', { token: 'guess' })));
    const counts = burst.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    expect(counts).toEqual({ 401: 5, 429: 35 });
    expect((await api('GET', '/api/tenants')).status).toBe(429); // like logins: a minute's wait, for everyone on this address
    expect(await state(s, 'alice')).toBe('running');
    await w.stop();
    w = await s.startWatchdog({ FEATHER_TENANT_ADMIN_LISTEN: 'off' });
    const refused = await new Promise<string>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve('connected')));
      c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(w.logs()).toContainEqual(expect.objectContaining({ msg: 'watchdog started', adminListen: 'off' }));
    // An admin address that is taken: the watchdog says so and exits, holding nothing open.
    await w.stop();
    const taken = createServer();
    await new Promise<void>((r) => taken.listen({ host: '127.0.0.1', port }, r));
    try {
      const failed = await s.run(['watchdog']);
      expect(failed.exitCode).toBe(1);
      expect(failed.stderr).toContain(`the admin API cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
      expect(failed.stderr).toContain('FEATHER_TENANT_ADMIN_LISTEN');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
