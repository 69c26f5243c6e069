// Sleep, wake and the login gate on the swarm backend (issue 14), on the two-node harness through
// the real Caddy container: the watchdog runs in the manager's namespace on a unix socket that
// Caddy's container reaches through the bind mount, and reaches tenants through Caddy's direct
// server (src/caddy/direct-config.ts). Tenants run on node 2, Caddy on node 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/net.js';
import { SHARED, adminGet, docker, managerCurl, managerUpgrade, removeVolume, startManagerRedis, startWatchdog, swarmCli, type ManagerProcess } from './cluster.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Request to the first byte of the answer, as curl measured it. */
  ttfbMs: number;
}

/** One request through Caddy's public server (the manager's 127.0.0.1:8080). */
async function http(host: string, path: string, o: { headers?: Record<string, string>; method?: string; data?: string } = {}): Promise<Answer> {
  const args = ['-i', '--path-as-is', '-X', o.method ?? 'GET', '-w', '\n%{http_code} %{time_starttransfer}', '-H', `Host: ${host}`];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (o.data !== undefined) args.push('--data-raw', o.data);
  const r = await managerCurl(...args, `http://127.0.0.1:8080${path}`);
  const at = r.stdout.lastIndexOf('\n');
  const [code = '0', ttfb = '0'] = r.stdout.slice(at + 1).split(' ');
  const raw = r.stdout.slice(0, Math.max(at, 0));
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(code), headers, body: split < 0 ? '' : raw.slice(split + 4), ttfbMs: Math.round(Number(ttfb) * 1000) };
}

/** A request to a socket in the shared directory (the watchdog's, the direct server's). */
async function onSocket(sock: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const args = ['-i', '-m', '10', '--unix-socket', sock, '-w', '\n%{http_code} 0'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const r = await managerCurl(...args, `http://x${path}`);
  const at = r.stdout.lastIndexOf('\n');
  const raw = r.stdout.slice(0, Math.max(at, 0));
  const headerBlock = raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase();
  return { status: Number(r.stdout.slice(at + 1).split(' ')[0]), headers: { direct: /\nx-feather-direct: 1/.test(headerBlock) ? '1' : '' }, body: raw.slice(raw.indexOf('\r\n\r\n') + 4), ttfbMs: 0 };
}

const replicas = async (service: string) => (await docker(1, 'service', 'inspect', '--format', '{{.Spec.Mode.Replicated.Replicas}}', service)).stdout;

/** `feather_tenant_container_starts_total` on the watchdog's socket: one per scale to 1. */
async function starts(watchdogSock: string): Promise<number> {
  const m = /^feather_tenant_container_starts_total (\d+)/m.exec((await onSocket(watchdogSock, '/metrics')).body);
  return Number(m?.[1] ?? NaN);
}

// Sweeps every 2 s; a tenant idle 6 s is put to sleep: a sleep-wake cycle takes seconds, not minutes.
const FAST_SLEEP = { FEATHER_TENANT_IDLE_MINUTES: '0.1', FEATHER_TENANT_SWEEP_INTERVAL: '2', FEATHER_TENANT_ADMIN_LISTEN: 'off', FEATHER_TENANT_IMAGE: 'localhost/feather-work-node:latest' };
const wakeEnv = (prefix: string) => ({ FEATHER_TENANT_WAKE_LISTEN: `unix:${SHARED}/${prefix}watchdog.sock`, FEATHER_TENANT_SWARM_DIRECT: `unix:${SHARED}/${prefix}direct.sock` });

/** Until the watchdog's sweep has put the tenant to sleep: scaled to 0, and `list` says asleep. */
async function asleep(s: ReturnType<typeof swarmCli>, name: string): Promise<void> {
  await waitFor(async () => (await replicas(`${s.prefix}${name}`)) === '0' && /asleep/.test((await s.cli('list')).stdout), 60_000, `${name} asleep`);
}

const wakeMs: number[] = [];
afterAll(() => void process.stderr.write(`swarm wake, request to first byte through Caddy (node 1) of a tenant on node 2: ${wakeMs.join(', ')} ms\n`));

describe('sleep and wake on swarm, across nodes, through Caddy', () => {
  const s = swarmCli('ftwk-', { FEATHER_TENANT_DOMAIN: 'swarmwake.test', ...FAST_SLEEP, ...wakeEnv('ftwk-') });
  const sock = `${SHARED}/ftwk-watchdog.sock`;
  let watchdog: ManagerProcess | undefined;
  beforeAll(async () => {
    const r = await s.cli('add', 'alice', '--node', '2');
    expect(r.code).toBe(0);
    // add set up the direct server (once: a later add, or this test run again, finds it in place)
    const server = await adminGet('/config/apps/http/servers/ftwk-direct/listen');
    expect(server.stdout).toBe(`["unix/${SHARED}/ftwk-direct.sock"]`);
    watchdog = startWatchdog(s);
    await waitFor(async () => (await onSocket(sock, '/healthz')).status === 200, 30_000, 'the watchdog on its socket');
  });
  afterAll(async () => {
    await watchdog?.stop();
    if (process.env.FEATHER_SWARM_KEEP_LOGS) process.stderr.write(watchdog?.log() ?? '');
    await s.cli('remove', 'alice');
    await removeVolume(2, 'ftwk-alice');
    s.close();
  });

  it('the socket is 0600, in a directory only root enters', async () => {
    const mode = (await managerCurl('-s', '-o', '/dev/null', 'file:///dev/null')).code; // the namespace works
    expect(mode).toBe(0);
    const { statSync } = await import('node:fs');
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(SHARED).mode & 0o777).toBe(0o700);
  });

  it('idle on node 2: the sweep scales it to 0; a held GET through Caddy wakes it (scale 1) and is answered', async () => {
    await asleep(s, 'alice');
    const before = await starts(sock);
    const r = await http('alice.swarmwake.test', '/headers', { headers: { 'X-Forwarded-For': '6.6.6.6' } });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as Record<string, string>;
    expect(seen.host).toBe('alice.swarmwake.test');
    // Caddy's own X-Forwarded-For reaches the tenant through the direct server, never the client's
    expect(seen['x-forwarded-for']).not.toContain('6.6.6.6');
    expect(seen['x-forwarded-for']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(seen['x-feather-tenant']).toBeUndefined();
    expect(await starts(sock)).toBe(before + 1);
    expect(await replicas('ftwk-alice')).toBe('1');
    wakeMs.push(r.ttfbMs);
  });

  it('a burst of 20 requests on the sleeping tenant: one scale, all 20 answered', async () => {
    await asleep(s, 'alice');
    const before = await starts(sock);
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => http('alice.swarmwake.test', `/?n=${i}`)));
    expect(all.map((a) => a.status)).toEqual(Array<number>(20).fill(200));
    for (const a of all) expect(a.body).toContain('alice');
    expect(await starts(sock)).toBe(before + 1);
    wakeMs.push(Math.max(...all.map((a) => a.ttfbMs)));
  });

  it("a browser's navigation gets the waiting page at once, and the tenant once it is up", async () => {
    await asleep(s, 'alice');
    const page = await http('alice.swarmwake.test', '/', { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(503);
    expect(page.headers['x-feather-wake']).toBe('1');
    expect(page.headers['cache-control']).toContain('no-store');
    await waitFor(async () => (await http('alice.swarmwake.test', '/', { headers: { Accept: 'text/html' } })).status === 200, 60_000, 'alice up after the page');
  });

  it("the direct server refuses every name outside the tenant rule without dialling, and marks only the app's answers", async () => {
    const direct = `${SHARED}/ftwk-direct.sock`;
    const up = await onSocket(direct, '/', { 'X-Feather-Tenant': 'alice' });
    expect([up.status, up.headers.direct]).toEqual([200, '1']);
    for (const name of ['../alice', 'a:2019', 'localhost', 'ALICE', '', 'alice.x', 'alice,alice', 'x'.repeat(33), 'wake']) {
      const r = await onSocket(direct, '/', { 'X-Feather-Tenant': name });
      expect([name, r.status, r.headers.direct]).toEqual([name, 400, '']);
    }
    // two headers are joined into one value by Caddy: refused too
    const two = await managerCurl('-o', '/dev/null', '-w', '%{http_code}', '--unix-socket', direct, '-H', 'X-Feather-Tenant: alice', '-H', 'X-Feather-Tenant: bob', 'http://x/');
    expect(two.stdout).toBe('400');
    // another prefix's service is out of reach: the dial is always ftwk-<name>, which does not exist
    const other = await onSocket(direct, '/', { 'X-Feather-Tenant': 'ftsw-alice' });
    expect([other.status, other.headers.direct]).toEqual([502, '']);
  });
});

describe('the login gate on swarm (FEATHER_TENANT_AUTH=jwt), asleep and awake', () => {
  const redisPort = 16_379 + Math.floor(Math.random() * 1000);
  const redisDir = mkdtempSync(join(tmpdir(), 'fts-redis-'));
  const s = swarmCli('ftwg-', {
    FEATHER_TENANT_DOMAIN: 'swarmgate.test', ...FAST_SLEEP, ...wakeEnv('ftwg-'),
    FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  });
  const sock = `${SHARED}/ftwg-watchdog.sock`;
  const host = 'carol.swarmgate.test';
  let redis: ManagerProcess | undefined;
  let watchdog: ManagerProcess | undefined;
  let password = '';
  let cookie = '';
  beforeAll(async () => {
    redis = startManagerRedis(redisPort, redisDir);
    const r = await s.cli('add', 'carol', '--node', '2', '--json');
    expect(r.code).toBe(0);
    password = (JSON.parse(r.stdout) as { password: string }).password;
    watchdog = startWatchdog(s);
    await waitFor(async () => (await onSocket(sock, '/healthz')).status === 200, 30_000, 'the gated watchdog on its socket');
  });
  afterAll(async () => {
    await watchdog?.stop();
    if (process.env.FEATHER_SWARM_KEEP_LOGS) process.stderr.write(watchdog?.log() ?? '');
    await redis?.stop();
    await s.cli('remove', 'carol');
    await removeVolume(2, 'ftwg-carol');
    s.close();
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('unauthenticated: a browser is sent to the login page, anything else gets 401; nothing reaches carol', async () => {
    const page = await http(host, '/', { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/_feather/login?next=%2F');
    const api = await http(host, '/headers');
    expect(api.status).toBe(401);
    expect(api.headers['x-feather-gate']).toBe('login-required');
  });

  it('asleep: an unauthenticated request or WebSocket upgrade does not wake it; after login it is woken and served, WebSockets too', async () => {
    await asleep(s, 'carol');
    const before = await starts(sock);
    expect((await http(host, '/headers')).status).toBe(401);
    const ws = await managerUpgrade(host, '/ws');
    expect(ws.status).not.toBe(101);
    expect([401, 403]).toContain(ws.status);
    const login = await http(host, '/_feather/login', { method: 'POST', data: `password=${encodeURIComponent(password)}&next=/`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(login.status).toBe(303);
    cookie = /__Host-feather_session=[^;]+/.exec(login.headers['set-cookie'] ?? '')?.[0] ?? '';
    expect(cookie).not.toBe('');
    // none of the above woke it
    expect(await replicas('ftwg-carol')).toBe('0');
    expect(await starts(sock)).toBe(before);
    const served = await http(host, '/headers', { headers: { Cookie: `${cookie}; theme=dark` } });
    expect(served.status).toBe(200);
    expect(served.headers['x-feather-gate']).toBe('passed');
    // the tenant sees the request's other cookies, never the session
    expect(served.body).toContain('theme=dark');
    expect(served.body).not.toContain('feather_session');
    expect(await starts(sock)).toBe(before + 1);
    wakeMs.push(served.ttfbMs);
    await asleep(s, 'carol');
    const woken = await managerUpgrade(host, '/ws', { Cookie: cookie });
    expect(woken.status).toBe(101);
    expect(woken.first).toContain('"tenant":"carol"');
    expect(woken.first).not.toContain('feather_session');
  });

  it('awake: other spellings of /_feather/ do not walk around the gate', async () => {
    await waitFor(async () => (await http(host, '/', { headers: { Cookie: cookie } })).status === 200, 60_000, 'carol awake');
    // Without a session none of them reaches carol, whatever Caddy and the tenant make of it.
    for (const path of ['//_feather/x', '/_feather/%2e%2e/headers', '/_FEATHER/x', '/_feather/..%5cheaders', '/_feather\\x', '/x/../_feather/y', '/%5f%66eather/x', '/_feather/./login/../x']) {
      const r = await http(host, path);
      expect([path, r.status === 200 || r.headers['x-feather-gate'] === 'passed']).toEqual([path, false]);
      expect(r.body).not.toContain('"host"');
    }
    // With one, the spellings Caddy cleans to /_feather/... are the gate's (404), never the tenant's.
    for (const path of ['//_feather/x', '/_FEATHER/x', '/x/../_feather/y', '/%5f%66eather/x', '/_feather/./x']) {
      const r = await http(host, path, { headers: { Cookie: cookie } });
      expect([path, r.status, r.headers['x-feather-gate']]).toEqual([path, 404, 'not-found']);
    }
  });

  it("the rate limit's client is the address Caddy saw: a client's X-Forwarded-For neither splits nor chooses it", async () => {
    const attempt = (xff: string) => http(host, '/_feather/login', { method: 'POST', data: 'password=wrong', headers: { 'X-Forwarded-For': xff } });
    const first = await Promise.all(['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4', '5.5.5.5'].map(attempt));
    expect(first.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    // a sixth from "another address" is the same client to the gate: refused before the password is checked
    const sixth = await attempt('9.9.9.9');
    expect(sixth.status).toBe(429);
    const sessions = await s.cli('sessions', 'list', 'carol', '--json');
    expect(sessions.stdout).not.toMatch(/6\.6\.6\.6|unknown/);
    expect(sessions.stdout).toMatch(/\d+\.\d+\.\d+\.\d+/);
  });
});
