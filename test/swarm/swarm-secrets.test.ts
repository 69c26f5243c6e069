// A tenant's secrets on the swarm backend (issue 14), on the two-node harness through the real
// Caddy container, with the login gate on: the summary ingest token that add gives a tenant on
// node 2 (a file only its user reads, never in `docker service inspect`), a summary pushed from
// inside the tenant's task through Caddy to the watchdog, then rotate-ingest-token and passwd as
// one service update each (the old token and password refused, the new ones working, a stopped
// tenant left stopped, the old secrets gone), and reconcile after a passwd killed half-way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/net.js';
import { SHARED, docker, inManagerNs, managerCurl, removeVolume, startManagerRedis, startWatchdog, swarmCli, taskContainer, type ManagerProcess } from './cluster.js';

const PREFIX = 'ftsec-';
const DOMAIN = 'swarmsecrets.test';
const host = (name: string) => `${name}.${DOMAIN}`;

// Run by the node stand-in inside the tenant's task: POSTs argv's body to /_feather/summary on
// Caddy's container (it joins the tenant's network; port 80 inside it), with the token read from
// the file the service mounts (or the token given, to try an old one), and prints the answer.
const PUSH = `
const fs = require('fs'); const http = require('http');
const [tenantHost, body, given] = process.argv.slice(1);
const token = given || fs.readFileSync(process.env.FEATHER_INGEST_TOKEN_FILE, 'utf8');
const req = http.request({ host: 'feather-caddy', port: 80, method: 'POST', path: '/_feather/summary',
  headers: { host: tenantHost, authorization: 'Bearer ' + token, 'content-type': 'application/json' } }, (res) => {
  let d = ''; res.on('data', (c) => (d += c)); res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body: d })));
});
req.on('error', (e) => console.log(JSON.stringify({ status: 0, body: String(e) })));
req.end(body);
`;

async function inTask(name: string, ...argv: string[]): Promise<string> {
  let id = '';
  await waitFor(async () => (id = await taskContainer(2, `${PREFIX}${name}`)) !== '', 60_000, `${name}'s task on node 2`);
  const r = await docker(2, 'exec', id, ...argv);
  if (r.code !== 0) throw new Error(`docker exec: ${r.stderr}`);
  return r.stdout;
}

const push = async (name: string, body: string, token = '') => JSON.parse(await inTask(name, 'node', '-e', PUSH, host(name), body, token)) as { status: number; body: string };
const fileOf = (name: string, path: string) => inTask(name, 'node', '-e', `const fs=require('fs');const s=fs.statSync(process.argv[1]);console.log(JSON.stringify({mode:(s.mode&0o777).toString(8),uid:s.uid,gid:s.gid,text:fs.readFileSync(process.argv[1],'utf8')}))`, path)
  .then((o) => JSON.parse(o) as { mode: string; uid: number; gid: number; text: string });
const secrets = async () => (await docker(1, 'secret', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((n) => n.startsWith(PREFIX));

/** A login through Caddy with the gate: 303 with a session, 401 refused. */
async function login(name: string, password: string): Promise<number> {
  const r = await managerCurl('-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host(name)}`, '--data-urlencode', `password=${password}`, '--data-urlencode', 'next=/', 'http://127.0.0.1:8080/_feather/login');
  return Number(r.stdout);
}

describe('secrets on swarm: ingest token, rotate-ingest-token, passwd (gate on)', () => {
  const redisPort = 17_379 + Math.floor(Math.random() * 1000);
  const redisDir = mkdtempSync(join(tmpdir(), 'ftsec-redis-'));
  const s = swarmCli(PREFIX, {
    FEATHER_TENANT_DOMAIN: DOMAIN,
    FEATHER_TENANT_IMAGE: 'localhost/feather-work-node:latest',
    FEATHER_TENANT_ADMIN_LISTEN: 'off',
    FEATHER_TENANT_WAKE_LISTEN: `unix:${SHARED}/${PREFIX}watchdog.sock`,
    FEATHER_TENANT_SWARM_DIRECT: `unix:${SHARED}/${PREFIX}direct.sock`,
    FEATHER_TENANT_AUTH: 'jwt',
    FEATHER_TENANT_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  });
  let redis: ManagerProcess | undefined;
  let watchdog: ManagerProcess | undefined;
  let password = '';
  beforeAll(async () => {
    redis = startManagerRedis(redisPort, redisDir);
    const r = await s.cli('add', 'alice', '--node', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    password = (JSON.parse(r.stdout) as { password: string }).password;
    watchdog = startWatchdog(s);
    await waitFor(async () => (await managerCurl('-o', '/dev/null', '-w', '%{http_code}', '--unix-socket', `${SHARED}/${PREFIX}watchdog.sock`, 'http://x/healthz')).stdout === '200', 30_000, 'the watchdog on its socket');
  });
  afterAll(async () => {
    await watchdog?.stop();
    if (process.env.FEATHER_SWARM_KEEP_LOGS) process.stderr.write(watchdog?.log() ?? '');
    await redis?.stop();
    await s.cli('remove', 'alice');
    await removeVolume(2, `${PREFIX}alice`);
    s.close();
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('add on node 2: the token is a file of 0400 owned 1000:1000 in the task, and in no inspect', async () => {
    const f = await fileOf('alice', '/run/secrets/feather-ingest-token');
    expect([f.mode, f.uid, f.gid]).toEqual(['400', 1000, 1000]);
    expect(f.text.length).toBeGreaterThan(20);
    const inspect = await docker(1, 'service', 'inspect', `${PREFIX}alice`);
    expect(inspect.stdout).not.toContain(f.text);
    expect(inspect.stdout).toContain('/run/secrets/feather-ingest-token');
    expect((await s.cli('show', 'alice')).stdout).toMatch(/summaries:\s+ingest token set/);
  });

  it('a summary pushed from inside the task through Caddy is stored', async () => {
    const r = await push('alice', '{"notebooks":3}');
    expect(r.status, r.body).toBe(201);
    const stored = JSON.parse((await s.cli('summaries', 'alice', '--json')).stdout) as { summary: unknown }[];
    expect(stored.map((x) => x.summary)).toEqual([{ notebooks: 3 }]);
  });

  it('rotate-ingest-token: the old token gets 401, the new one works; the old secret is gone', async () => {
    const old = (await fileOf('alice', '/run/secrets/feather-ingest-token')).text;
    const before = await secrets();
    const r = await s.cli('rotate-ingest-token', 'alice', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'alice', file: '/run/secrets/feather-ingest-token', replaced: true, running: true });
    expect((await fileOf('alice', '/run/secrets/feather-ingest-token')).text).not.toBe(old);
    expect((await push('alice', '{"old":true}', old)).status).toBe(401);
    expect((await push('alice', '{"new":true}')).status).toBe(201);
    const after = await secrets();
    expect(after).toHaveLength(before.length);
    expect(after.filter((n) => before.includes(n))).toEqual(before.filter((n) => !n.includes('.ingest-')));
  });

  it('passwd: the file in the task changes; the new password logs in through the gate, the old does not', async () => {
    expect(await login('alice', password)).toBe(303);
    const old = password;
    const r = await s.cli('passwd', 'alice', '--json');
    expect(r.code, r.stderr).toBe(0);
    password = (JSON.parse(r.stdout) as { password: string }).password;
    expect((await fileOf('alice', '/run/secrets/feather-password')).text).toBe(password);
    expect(await login('alice', password)).toBe(303);
    expect(await login('alice', old)).toBe(401);
    expect(await secrets()).not.toContain(`${PREFIX}alice`);
  });

  it('a stopped tenant stays stopped through both, and gets them at its start', async () => {
    expect((await s.cli('stop', 'alice')).code).toBe(0);
    const p = await s.cli('passwd', 'alice', '--json');
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ running: false });
    const t = await s.cli('rotate-ingest-token', 'alice', '--json');
    expect(JSON.parse(t.stdout)).toMatchObject({ running: false });
    expect((await docker(1, 'service', 'inspect', '--format', '{{.Spec.Mode.Replicated.Replicas}}', `${PREFIX}alice`)).stdout).toBe('0');
    password = (JSON.parse(p.stdout) as { password: string }).password;
    expect((await s.cli('start', 'alice')).code).toBe(0);
    expect((await fileOf('alice', '/run/secrets/feather-password')).text).toBe(password);
    expect((await push('alice', '{"after":"start"}')).status).toBe(201);
    // two secrets of alice's: the password's and the token's
    expect(await secrets()).toHaveLength(2);
  });

  it('passwd killed after the service update: reconcile puts the old password back and removes the new secret', async () => {
    const dieAt = Object.entries({ ...s.env, FEATHER_TENANT_TEST_DIE_AT: 'passwd:recreated' }).map(([k, v]) => `${k}=${v}`);
    const killed = await inManagerNs('env', ...dieAt, process.execPath, 'bin/feather-tenant.js', 'passwd', 'alice');
    expect(killed.code).not.toBe(0);
    // the service runs on the new secret, the state still names the old one
    expect((await fileOf('alice', '/run/secrets/feather-password')).text).not.toBe(password);
    expect(await secrets()).toHaveLength(3);
    const r = await s.cli('reconcile', '--json');
    expect(r.code, r.stderr).toBe(0);
    const changes = (JSON.parse(r.stdout) as { changes: { action: string; error?: string }[] }).changes;
    expect(changes.map((c) => [c.action, c.error])).toEqual([['put service back on its secrets', undefined], ['remove secret', undefined]]);
    expect((await fileOf('alice', '/run/secrets/feather-password')).text).toBe(password);
    expect(await login('alice', password)).toBe(303);
    expect(await secrets()).toHaveLength(2);
    expect(JSON.parse((await s.cli('reconcile', '--json')).stdout)).toMatchObject({ changes: [] });
  });
});
