// FEATHER_TENANT_BACKEND=swarm on the two-node harness (issue 14): `npm run test:swarm`.
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/net.js';
import { docker, swarmCli, taskContainer } from './cluster.js';

const s = swarmCli('ftsw-');
afterAll(() => {
  s.cli('remove', 'alice');
  s.cli('remove', 'bob');
  docker(2, 'volume', 'rm', 'ftsw-alice');
  docker(1, 'volume', 'rm', 'ftsw-bob');
  s.close();
});

describe('swarm backend', () => {
  it('add alice --node 2: served through Caddy on the manager from node 2', () => {
    const r = s.cli('add', 'alice', '--node', '2', '--json');
    expect(r.stderr).not.toMatch(/rolling back/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'alice', node: '2' });
    expect(docker(1, 'service', 'ps', '--format', '{{.Node}}', 'ftsw-alice').stdout).toBe('fts-n2');
    const page = s.get('alice', '/cgi-bin/info');
    expect(page.status).toBe(200);
    expect(page.body).toContain('tenant=alice');
    // the password file as the app sees it on node 2: mode 0400, owned by the tenant's user
    expect(page.body).toContain('uid=1000 gid=1000');
    expect(page.body).toContain('password_file_mode=400 1000:1000');
    expect(page.body).toContain('caps=CapEff:0000000000000000');
    expect(s.cli('list').stdout).toMatch(/alice .* running .* 2\s*$/m);
  });

  it('limits, user and capabilities hold on the node that runs it', () => {
    const id = taskContainer(2, 'ftsw-alice');
    expect(id).not.toBe('');
    const hc = JSON.parse(docker(2, 'inspect', '--format', '{{json .HostConfig}}', id).stdout) as Record<string, unknown>;
    expect(hc).toMatchObject({ NanoCpus: 500_000_000, Memory: 96 * 1024 * 1024, PidsLimit: 64, CapDrop: ['ALL'], Init: true });
    expect(docker(2, 'inspect', '--format', '{{.Config.User}}', id).stdout).toBe('1000:1000');
    // the password is a swarm secret: not in the service's spec or environment
    const spec = docker(1, 'service', 'inspect', 'ftsw-alice').stdout;
    const password = docker(2, 'exec', id, 'cat', '/run/secrets/feather-password').stdout;
    expect(password.length).toBeGreaterThan(10);
    expect(spec).not.toContain(password);
  });

  it("another tenant's network cannot reach alice", () => {
    const r = s.cli('add', 'bob', '--json');
    expect(r.code).toBe(0);
    // the fewest tenants: node 1 (alice is on 2)
    expect(JSON.parse(r.stdout)).toMatchObject({ node: '1' });
    const bob = taskContainer(1, 'ftsw-bob');
    const aliceIp = docker(2, 'inspect', '--format', '{{(index .NetworkSettings.Networks "ftsw-alice").IPAddress}}', taskContainer(2, 'ftsw-alice')).stdout;
    expect(aliceIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const byName = docker(1, 'exec', bob, 'sh', '-c', 'timeout 3 wget -qO- http://ftsw-alice:8080/cgi-bin/info');
    const byIp = docker(1, 'exec', bob, 'sh', '-c', `timeout 3 wget -qO- http://${aliceIp}:8080/cgi-bin/info`);
    expect(byName.code).not.toBe(0);
    expect(byIp.code).not.toBe(0);
    expect(byIp.stdout).not.toContain('tenant=alice');
    // while Caddy reaches both
    expect(s.get('bob', '/cgi-bin/info').body).toContain('tenant=bob');
    expect(s.get('alice', '/cgi-bin/info').body).toContain('tenant=alice');
  });

  it('stop (scale 0) and start (scale 1) keep the volume; asleep, Caddy no longer reaches it', async () => {
    expect(docker(2, 'exec', taskContainer(2, 'ftsw-alice'), 'sh', '-c', 'echo kept-1 > /home/user/keep').code).toBe(0);
    expect(s.cli('stop', 'alice').code).toBe(0);
    expect(taskContainer(2, 'ftsw-alice')).toBe('');
    expect(s.cli('list').stdout).toMatch(/alice .* stopped/);
    // the name stops resolving: Caddy's answer is an error (the wake route's way in), never alice
    await waitFor(() => Promise.resolve(s.get('alice', '/cgi-bin/info').status >= 500), 15_000, 'alice unreachable');
    expect(s.cli('start', 'alice').code).toBe(0);
    await waitFor(() => Promise.resolve(s.get('alice', '/cgi-bin/info').status === 200), 30_000, 'alice served again');
    expect(docker(2, 'exec', taskContainer(2, 'ftsw-alice'), 'cat', '/home/user/keep').stdout).toBe('kept-1');
  });

  it('remove takes service, network and secret away and keeps the volume on its node', () => {
    const r = s.cli('remove', 'alice');
    expect(r.code).toBe(0);
    expect(docker(1, 'service', 'inspect', 'ftsw-alice').code).not.toBe(0);
    expect(docker(1, 'network', 'inspect', 'ftsw-alice').code).not.toBe(0);
    expect(docker(1, 'secret', 'inspect', 'ftsw-alice').code).not.toBe(0);
    expect(docker(2, 'volume', 'inspect', 'ftsw-alice').code).toBe(0);
    expect(s.get('alice', '/cgi-bin/info').body).not.toContain('tenant=alice');
  });

  it('bad input changes nothing: an unknown node, --purge', () => {
    const r = s.cli('add', 'carol', '--node', '9');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('feather.host=9');
    expect(docker(1, 'service', 'inspect', 'ftsw-carol').code).not.toBe(0);
    expect(s.cli('remove', 'bob', '--purge', '--yes').code).toBe(2);
    expect(docker(1, 'service', 'inspect', 'ftsw-bob').code).toBe(0);
  });
});
