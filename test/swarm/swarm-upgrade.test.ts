// upgrade on the swarm backend (issue 14), on the two-node harness with the watchdog running: a
// tenant on node 2 under a GET every 50 ms through Caddy (node 1) moves to another image with
// every request answered (held by the watchdog while the old task stops and the new one starts)
// and its volume kept; an image that never answers is rolled back; a sleeping tenant stays asleep.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/net.js';
import { SHARED, docker, inManagerNs, removeVolume, startWatchdog, swarmCli, taskContainer, type ManagerProcess } from './cluster.js';

const TEST = 'localhost/feather-work-test:latest';
const NODE = 'localhost/feather-work-node:latest';
/** The test image that runs but never listens: made on node 2 (where the tenant is) from the test image. */
const MUTE = 'localhost/feather-work-mute:latest';
const P = 'ftku-';
const wakeEnv = { FEATHER_TENANT_WAKE_LISTEN: `unix:${SHARED}/${P}watchdog.sock`, FEATHER_TENANT_SWARM_DIRECT: `unix:${SHARED}/${P}direct.sock` };

/** GETs through Caddy every 50 ms until `stopFile` exists; prints the statuses and the slowest answer. */
const LOAD = `
const http = require('node:http'); const fs = require('node:fs');
const [host, stopFile] = process.argv.slice(1);
const codes = {}; let slowest = 0; let n = 0; let pending = 0;
const one = () => { pending++; const t0 = Date.now();
  http.get({ host: '127.0.0.1', port: 8080, path: '/', headers: { host }, agent: false }, (res) => { res.resume(); res.on('end', () => { codes[res.statusCode] = (codes[res.statusCode] || 0) + 1; slowest = Math.max(slowest, Date.now() - t0); pending--; }); })
    .on('error', (e) => { codes[e.code] = (codes[e.code] || 0) + 1; pending--; }); n++; };
const tick = setInterval(() => { if (fs.existsSync(stopFile)) { clearInterval(tick); const end = setInterval(() => { if (pending === 0) { clearInterval(end); process.stdout.write(JSON.stringify({ n, codes, slowest })); } }, 50); } else one(); }, 50);`;

async function underLoad<T>(host: string, stopFile: string, fn: () => Promise<T>): Promise<{ result: T; load: { n: number; codes: Record<string, number>; slowest: number } }> {
  const running = inManagerNs(process.execPath, '-e', LOAD, host, stopFile);
  await new Promise((r) => setTimeout(r, 500));
  const result = await fn();
  await new Promise((r) => setTimeout(r, 500));
  writeFileSync(stopFile, '');
  const out = await running;
  return { result, load: JSON.parse(out.stdout) as { n: number; codes: Record<string, number>; slowest: number } };
}

/** The first tenant of `upgrade --json`'s output. */
const first = (stdout: string) => (JSON.parse(stdout) as { tenants: Record<string, unknown>[] }).tenants[0];
const specImage = async (service: string) => (await docker(1, 'service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', service)).stdout;
const figures: string[] = [];
afterAll(() => void process.stderr.write(`swarm upgrade, node 2, GET every 50 ms through Caddy: ${figures.join('; ')}\n`));

describe('upgrade on swarm, with the watchdog holding requests', () => {
  const s = swarmCli(P, { FEATHER_TENANT_DOMAIN: 'swarmup.test', FEATHER_TENANT_ADMIN_LISTEN: 'off', FEATHER_TENANT_READY_TIMEOUT: '15', ...wakeEnv });
  let watchdog: ManagerProcess | undefined;
  beforeAll(async () => {
    const src = `${P}mute-src`;
    await docker(2, 'rm', '-f', src);
    expect((await docker(2, 'create', '--name', src, TEST)).code).toBe(0);
    expect((await docker(2, 'commit', '--change', 'ENTRYPOINT ["sleep", "3600"]', '--change', 'CMD []', src, MUTE)).code).toBe(0);
    await docker(2, 'rm', '-f', src);
    for (const n of ['alice', 'bob']) expect((await s.cli('add', n, '--node', '2')).code).toBe(0);
    watchdog = startWatchdog(s);
    await waitFor(async () => (await s.get('alice', '/')).status === 200, 60_000, 'alice through Caddy');
  }, 180_000);
  afterAll(async () => {
    await watchdog?.stop();
    if (process.env.FEATHER_SWARM_KEEP_LOGS) process.stderr.write(watchdog?.log() ?? '');
    for (const n of ['alice', 'bob']) {
      await s.cli('remove', n);
      await removeVolume(2, `${P}${n}`);
    }
    await docker(2, 'rmi', MUTE);
    s.close();
  }, 120_000);

  it('list says out of date once the configured image differs; --dry-run changes nothing', async () => {
    const list = JSON.parse((await s.cli('list', '--json')).stdout) as { name: string; outOfDate: boolean | null }[];
    expect(list.find((t) => t.name === 'alice')?.outOfDate).toBe(false);
    const dry = await s.cli('upgrade', 'alice', '--image', NODE, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(first(dry.stdout)).toMatchObject({ outcome: 'upgraded', fromId: TEST, toId: NODE, mode: 'running' });
    expect(await specImage(`${P}alice`)).toBe(TEST);
  });

  it('a running tenant moves to another image with every request answered and its data kept', async () => {
    const k = await taskContainer(2, `${P}alice`);
    expect((await docker(2, 'exec', k, 'sh', '-c', 'echo kept > /home/user/marker')).code).toBe(0);
    s.env.FEATHER_TENANT_TRACE = '1';
    const { result, load } = await underLoad('alice.swarmup.test', join(s.state, 'stop-1'), () => s.cli('upgrade', 'alice', '--image', NODE, '--json'));
    delete s.env.FEATHER_TENANT_TRACE;
    const at = (step: string) => Number(new RegExp(`trace: ${step} at ([\\d.]+) ms`).exec(result.stderr)?.[1]);
    expect(result.code, result.stderr).toBe(0);
    const entry = first(result.stdout) as { outcome: string; ms: number };
    expect(entry.outcome).toBe('upgraded');
    expect(Object.keys(load.codes)).toEqual(['200']);
    figures.push(`upgrade ${Math.round(at('upgrade:started') - at('upgrade:begun'))} ms from the service update to the new image answering, ${entry.ms} ms to its end (the settle included), ${load.n} GETs all 200, longest ${load.slowest} ms`);
    expect(await specImage(`${P}alice`)).toBe(NODE);
    // /headers is the node image's alone (the test image has no such page)
    expect((await s.get('alice', '/headers')).status).toBe(200);
    const kept = await docker(2, 'run', '--rm', '-v', `${P}alice:/d`, '--entrypoint', 'cat', TEST, '/d/marker');
    expect(kept.stdout).toBe('kept');
    const show = JSON.parse((await s.cli('show', 'alice', '--json')).stdout) as { image: string; upgrading: unknown };
    expect(show).toMatchObject({ image: NODE, upgrading: null });
  }, 180_000);

  it('an image that never answers is rolled back with every request answered, exit 1', async () => {
    const { result, load } = await underLoad('alice.swarmup.test', join(s.state, 'stop-2'), () => s.cli('upgrade', 'alice', '--image', MUTE));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/did not answer HTTP.*rolled back/);
    expect(Object.keys(load.codes)).toEqual(['200']);
    figures.push(`rollback: ${load.n} GETs all 200, longest ${load.slowest} ms`);
    expect(await specImage(`${P}alice`)).toBe(NODE);
    expect(JSON.parse((await s.cli('show', 'alice', '--json')).stdout)).toMatchObject({ image: NODE, upgrading: null });
  }, 180_000);

  it('an upgrade killed after the old task stopped is rolled back by reconcile: the old image serves again', async () => {
    s.env.FEATHER_TENANT_TEST_DIE_AT = 'upgrade:stopped';
    const killed = await s.cli('upgrade', 'alice', '--image', TEST);
    delete s.env.FEATHER_TENANT_TEST_DIE_AT;
    expect(killed.code).not.toBe(0);
    expect(await specImage(`${P}alice`)).toBe(TEST);
    expect(JSON.parse((await s.cli('show', 'alice', '--json')).stdout)).toMatchObject({ image: NODE, upgrading: { image: TEST, step: 'stopping' } });
    const r = await s.cli('reconcile', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('roll back upgrade');
    expect(await specImage(`${P}alice`)).toBe(NODE);
    expect(JSON.parse((await s.cli('show', 'alice', '--json')).stdout)).toMatchObject({ image: NODE, upgrading: null });
    await waitFor(async () => (await s.get('alice', '/headers')).status === 200, 60_000, 'alice on the node image again');
  }, 180_000);

  it('a sleeping tenant gets the new image in its spec and stays asleep', async () => {
    expect((await s.cli('stop', 'bob')).code).toBe(0);
    const r = await s.cli('upgrade', 'bob', '--image', NODE, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(first(r.stdout)).toMatchObject({ outcome: 'upgraded', mode: 'stopped' });
    expect(await specImage(`${P}bob`)).toBe(NODE);
    expect((await docker(1, 'service', 'inspect', '--format', '{{.Spec.Mode.Replicated.Replicas}}', `${P}bob`)).stdout).toBe('0');
  }, 120_000);
});
