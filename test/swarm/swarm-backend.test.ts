// FEATHER_TENANT_BACKEND=swarm on the two-node harness (issue 14): `npm run test:swarm`.
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/net.js';
import { docker, nodeHostname, removeVolume, swarmCli, taskContainer } from './cluster.js';

const s = swarmCli('ftsw-');
afterAll(async () => {
  await s.cli('remove', 'alice');
  await s.cli('remove', 'bob');
  await removeVolume(2, 'ftsw-alice');
  await removeVolume(1, 'ftsw-bob');
  await removeVolume(2, 'ftsw-bob');
  s.close();
});

const out = async (p: Promise<{ stdout: string }>) => (await p).stdout;
const code = async (p: Promise<{ code: number }>) => (await p).code;

describe('swarm backend', () => {
  it('add alice --node 2: served through Caddy on the manager from node 2', async () => {
    const r = await s.cli('add', 'alice', '--node', '2', '--json');
    expect(r.stderr).not.toMatch(/rolling back/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'alice', node: '2' });
    expect(await out(docker(1, 'service', 'ps', '--format', '{{.Node}}', 'ftsw-alice'))).toBe(nodeHostname(2));
    const page = await s.get('alice', '/cgi-bin/info');
    expect(page.status).toBe(200);
    expect(page.body).toContain('tenant=alice');
    // the password file as the app sees it on node 2: mode 0400, owned by the tenant's user
    expect(page.body).toContain('uid=1000 gid=1000');
    expect(page.body).toContain('password_file_mode=400 1000:1000');
    expect(page.body).toContain('caps=CapEff:0000000000000000');
    expect(await out(s.cli('list'))).toMatch(/alice .* running .* 2\s*$/m);
  });

  it('limits, user and capabilities hold on the node that runs it', async () => {
    const id = await taskContainer(2, 'ftsw-alice');
    expect(id).not.toBe('');
    const hc = JSON.parse(await out(docker(2, 'inspect', '--format', '{{json .HostConfig}}', id))) as Record<string, unknown>;
    expect(hc).toMatchObject({ NanoCpus: 500_000_000, Memory: 96 * 1024 * 1024, PidsLimit: 64, CapDrop: ['ALL'], Init: true });
    expect(await out(docker(2, 'inspect', '--format', '{{.Config.User}}', id))).toBe('1000:1000');
    expect(JSON.parse(await out(s.cli('show', 'alice', '--json')))).toMatchObject({ node: '2', state: 'running', limits: { cpus: 0.5, memoryBytes: 96 * 1024 * 1024, pids: 64 } });
    // the password is a swarm secret: not in the service's spec or environment
    const spec = await out(docker(1, 'service', 'inspect', 'ftsw-alice'));
    const password = await out(docker(2, 'exec', id, 'cat', '/run/secrets/feather-password'));
    expect(password.length).toBeGreaterThan(10);
    expect(spec).not.toContain(password);
  });

  it("logs: the service's lines as the app wrote them, with -n and --since; a bad value or a stranger changes nothing", async () => {
    // the stand-in's first line, read on the manager from the task on node 2
    const r = await s.cli('logs', 'alice', '-n', '20', '--since', '1h');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^feather stand-in for alice starting as uid 1000$/m);
    expect(r.stdout).not.toContain('ftsw-alice.1.');
    expect(await code(s.cli('logs', 'alice', '--since', 'yesterday'))).toBe(2);
    expect(await code(s.cli('logs', 'nobody'))).toBe(3);
  });

  it("another tenant's network cannot reach alice", async () => {
    const r = await s.cli('add', 'bob', '--json');
    expect(r.code).toBe(0);
    // the fewest tenants: node 1 (alice is on 2)
    expect(JSON.parse(r.stdout)).toMatchObject({ node: '1' });
    const bob = await taskContainer(1, 'ftsw-bob');
    const aliceIp = await out(docker(2, 'inspect', '--format', '{{(index .NetworkSettings.Networks "ftsw-alice").IPAddress}}', await taskContainer(2, 'ftsw-alice')));
    expect(aliceIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const byName = await docker(1, 'exec', bob, 'sh', '-c', 'timeout 3 wget -qO- http://ftsw-alice:8080/cgi-bin/info');
    const byIp = await docker(1, 'exec', bob, 'sh', '-c', `timeout 3 wget -qO- http://${aliceIp}:8080/cgi-bin/info`);
    expect(byName.code).not.toBe(0);
    expect(byIp.code).not.toBe(0);
    expect(byIp.stdout).not.toContain('tenant=alice');
    // while Caddy reaches both
    expect((await s.get('bob', '/cgi-bin/info')).body).toContain('tenant=bob');
    expect((await s.get('alice', '/cgi-bin/info')).body).toContain('tenant=alice');
  });

  it("reconcile puts a lost route back, dialling bob's service; a second run changes nothing", async () => {
    expect(await code(s.admin('DELETE', '/id/ftsw-bob'))).toBe(0);
    expect((await s.get('bob', '/cgi-bin/info')).body).not.toContain('tenant=bob');
    const r = await s.cli('reconcile', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ failed: 0, notes: [], changes: [{ target: 'bob', action: 'add route' }] });
    expect((await s.get('bob', '/cgi-bin/info')).body).toContain('tenant=bob');
    expect(JSON.parse(await out(s.cli('reconcile', '--json')))).toMatchObject({ changes: [], notes: [] });
  });

  it('stop (scale 0) and start (scale 1) keep the volume; asleep, Caddy no longer reaches it', async () => {
    expect(await code(docker(2, 'exec', await taskContainer(2, 'ftsw-alice'), 'sh', '-c', 'echo kept-1 > /home/user/keep'))).toBe(0);
    expect(await code(s.cli('stop', 'alice'))).toBe(0);
    expect(await taskContainer(2, 'ftsw-alice')).toBe('');
    expect(await out(s.cli('list'))).toMatch(/alice .* stopped/);
    // the name stops resolving: Caddy's answer is an error (the wake route's way in), never alice
    await waitFor(async () => (await s.get('alice', '/cgi-bin/info')).status >= 500, 15_000, 'alice unreachable');
    expect(await code(s.cli('start', 'alice'))).toBe(0);
    await waitFor(async () => (await s.get('alice', '/cgi-bin/info')).status === 200, 30_000, 'alice served again');
    expect(await out(docker(2, 'exec', await taskContainer(2, 'ftsw-alice'), 'cat', '/home/user/keep'))).toBe('kept-1');
  });

  it('remove takes service, network and secret away and keeps the volume on its node', async () => {
    expect(await code(s.cli('remove', 'alice'))).toBe(0);
    expect(await code(docker(1, 'service', 'inspect', 'ftsw-alice'))).not.toBe(0);
    expect(await code(docker(1, 'network', 'inspect', 'ftsw-alice'))).not.toBe(0);
    expect(await code(docker(1, 'secret', 'inspect', 'ftsw-alice'))).not.toBe(0);
    expect(await code(docker(2, 'volume', 'inspect', 'ftsw-alice'))).toBe(0);
    expect((await s.get('alice', '/cgi-bin/info')).body).not.toContain('tenant=alice');
  });

  it("add alice --node 1 after that: exit 2, her data is on node 2 (recorded by remove); nothing made", async () => {
    const r = await s.cli('add', 'alice', '--node', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("alice's data is on node 2 (volume ftsw-alice, kept by remove), not on node 1");
    expect(r.stderr).toContain('feather-tenant add alice --node 2 && feather-tenant move alice --node 1');
    expect(await code(docker(1, 'service', 'inspect', 'ftsw-alice'))).not.toBe(0);
    expect(await code(docker(1, 'volume', 'inspect', 'ftsw-alice'))).not.toBe(0);
    expect(await out(s.cli('list'))).not.toMatch(/^alice /m);
  });

  it('move bob from node 1 to node 2: the data arrives whole, owners kept, served from node 2', async () => {
    const data = 'mkdir -p /home/user/d && echo moved-1 > /home/user/d/f && head -c 300000 /dev/urandom > /home/user/big && md5sum /home/user/big';
    const sum = (await out(docker(1, 'exec', await taskContainer(1, 'ftsw-bob'), 'sh', '-c', data))).split(' ')[0];
    const r = await s.cli('move', 'bob', '--node', '2', '--json');
    expect(r.stderr).toContain('old copy');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ from: '1', to: '2', action: 'moved', state: 'running' });
    const bob = await taskContainer(2, 'ftsw-bob');
    expect(bob).not.toBe('');
    expect(await out(docker(2, 'exec', bob, 'cat', '/home/user/d/f'))).toBe('moved-1');
    expect((await out(docker(2, 'exec', bob, 'md5sum', '/home/user/big'))).split(' ')[0]).toBe(sum);
    expect(await out(docker(2, 'exec', bob, 'stat', '-c', '%u:%g %a', '/home/user/d/f'))).toBe('1000:1000 644');
    expect(await out(s.cli('list'))).toMatch(/bob .* running .* 2\s*$/m);
    await waitFor(async () => (await s.get('bob', '/cgi-bin/info')).body.includes('tenant=bob'), 30_000, 'bob served from node 2');
    // the old copy stays on node 1
    expect(await code(docker(1, 'volume', 'inspect', 'ftsw-bob'))).toBe(0);
  });

  it('a move that cannot be verified changes nothing: back to node 1, where the old copy holds data', async () => {
    const r = await s.cli('move', 'bob', '--node', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already has a volume ftsw-bob holding data');
    expect(await out(docker(1, 'service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Node}}', 'ftsw-bob'))).toBe(nodeHostname(2));
    expect(await out(s.cli('list'))).toMatch(/bob .* 2\s*$/m);
    expect(await out(s.cli('move', 'bob', '--node', '2', '--json'))).toContain('"action": "none"');
  });

  it('bad input changes nothing: an unknown node, --purge', async () => {
    const r = await s.cli('add', 'carol', '--node', '9');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('feather.host=9');
    expect(await code(docker(1, 'service', 'inspect', 'ftsw-carol'))).not.toBe(0);
    expect(await code(s.cli('remove', 'bob', '--purge', '--yes'))).toBe(2);
    expect(await code(docker(1, 'service', 'inspect', 'ftsw-bob'))).toBe(0);
  });
});
