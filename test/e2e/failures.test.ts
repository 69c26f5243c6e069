import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { exists, objectsOf } from '../helpers/podman.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Bad input, full ranges, races and failures half-way: each must exit with the documented
// code and leave nothing behind (no podman object, route or row).

let s: Stack;
beforeAll(async () => {
  s = await startStack({ ports: 4 });
});
afterAll(async () => {
  await s?.cleanup();
});

async function nothingLeft(): Promise<void> {
  expect(await objectsOf(s.prefix)).toEqual([]);
  expect((await s.routes()).map((r) => r['@id']).filter(Boolean)).toEqual([]);
  expect((await s.run(['list', '--json'])).stdout.trim()).toBe('[]');
}


describe('bad input changes nothing', () => {
  it.each([
    ['Alice', 'lowercase'],
    ['1abc', 'start with a letter'],
    ['abc-', 'end with a hyphen'],
    ['a_b', 'only lowercase letters, digits and hyphens'],
    ['a'.repeat(33), 'at most 32'],
    ['admin', 'reserved'],
    ['www', 'reserved'],
    ['', 'empty'],
  ])('add %j exits 2 saying %s', async (name, why) => {
    const r = await s.run(['add', name]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('unknown commands and options exit 2', async () => {
    expect((await s.run(['frobnicate'])).exitCode).toBe(2);
    expect((await s.run(['add', 'x', '--bogus'])).exitCode).toBe(2);
    expect((await s.run(['add'])).exitCode).toBe(2);
    await nothingLeft();
  });

  it('a bad setting exits 2 naming it', async () => {
    const r = await s.run(['add', 'alice'], { FEATHER_TENANT_PORTS: '9010-9001' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('FEATHER_TENANT_PORTS');
    await nothingLeft();
  });

  it.each([
    ['--image=--privileged'],
    ['--image', '-v=/:/host'],
    ['--image=--volume=/:/host'],
    ['--image', '--help'],
    ['--image', 'oci-archive:/etc/hostname'],
    ['--image', 'localhost/feather-work:latest --privileged'],
  ])('add alice %s %s: an image that could be read as a podman option exits 2, nothing made', async (...image) => {
    const r = await s.run(['add', 'alice', ...image]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^feather-tenant: --image: invalid image reference /);
    await nothingLeft();
  });

  it('import with such an --image exits 2 before reading the archive, nothing made', async () => {
    const archive = join(s.dir, 'any.tar');
    writeFileSync(archive, '');
    const r = await s.run(['import', archive, '--image=--privileged']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('--image: invalid image reference "--privileged"');
    await nothingLeft();
  });

  it('a container user of group 0 in the configuration exits 2, nothing made', async () => {
    const r = await s.run(['add', 'alice'], { FEATHER_TENANT_USER: '1000:00' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('FEATHER_TENANT_USER must be a numeric UID[:GID]');
    await nothingLeft();
  });

  it('remove of an unknown tenant exits 3', async () => {
    expect((await s.run(['remove', 'nobody'])).exitCode).toBe(3);
  });
});

describe('failures', () => {
  it('a missing image fails before anything is made', async () => {
    const r = await s.run(['add', 'alice', '--image', 'localhost/no-such-image:1']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('localhost/no-such-image:1');
    await nothingLeft();
  });

  it('Caddy unreachable: a one-line error naming the admin URL, nothing made', async () => {
    const r = await s.run(['add', 'alice'], { FEATHER_TENANT_CADDY_ADMIN: 'http://127.0.0.1:1' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Caddy admin API unreachable at http://127.0.0.1:1');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await nothingLeft();
  });

  it('podman missing: a one-line error with a hint', async () => {
    const r = await s.run(['add', 'alice'], { FEATHER_TENANT_PODMAN: '/nonexistent/podman' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('podman not found');
    expect(r.stderr).toContain('hint:');
    await nothingLeft();
  });

  it('an app that never answers is rolled back, and a volume that existed before is kept', async () => {
    const slow = { FEATHER_TENANT_CONTAINER_PORT: '9999', FEATHER_TENANT_READY_TIMEOUT: '1.5' };
    const r = await s.run(['add', 'alice'], slow);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('did not answer HTTP');
    expect(r.stderr).toContain('rolling back');
    await nothingLeft();

    // With alice's volume already there (her data), the rollback must leave it alone.
    expect((await s.run(['add', 'alice'])).exitCode).toBe(0);
    expect((await s.run(['remove', 'alice'])).exitCode).toBe(0);
    expect((await s.run(['add', 'alice'], slow)).exitCode).toBe(1);
    expect(await exists('volume', `${s.prefix}alice`)).toBe(true);
    expect(await exists('container', `${s.prefix}alice`)).toBe(false);
    expect((await s.run(['remove', 'alice', '--purge', '--yes'])).exitCode).toBe(0);
    await nothingLeft();
  });
});

describe('ports, names and Caddy', () => {
  it('concurrent adds never share a port or a name; a full range is exit 4 naming it', async () => {
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const runs = await Promise.all([...names.map((n) => s.run(['add', n, '--json'])), s.run(['add', 'p1', '--json'])]);
    const ok = runs.filter((r) => r.exitCode === 0).map((r) => JSON.parse(r.stdout) as { name: string; port: number });
    const failed = runs.filter((r) => r.exitCode !== 0);
    expect(ok.length).toBe(4);
    expect(new Set(ok.map((t) => t.port)).size).toBe(4);
    expect(new Set(ok.map((t) => t.name)).size).toBe(4);
    expect(ok.map((t) => t.port).sort()).toEqual([0, 1, 2, 3].map((i) => s.ports.first + i));
    for (const f of failed) expect(f.exitCode).toBe(4);
    expect(failed.some((f) => f.stderr.includes(`${s.ports.first}-${s.ports.last}`))).toBe(true);

    // Every tenant is served by its own container, through its own route, before the catch-all.
    for (const t of ok) expect((await s.get(t.name, '/cgi-bin/info')).body).toContain(`tenant=${t.name}`);
    const routes = await s.routes();
    expect(routes.length).toBe(5);
    expect(routes.at(-1)?.match).toBeUndefined();
    expect(new Set(routes.map((r) => r['@id'])).size).toBe(5);

    const full = await s.run(['add', 'late']);
    expect(full.exitCode).toBe(4);
    expect(full.stderr).toContain(`no free port: all 4 ports of ${s.ports.first}-${s.ports.last} are taken`);
    expect(await exists('volume', `${s.prefix}late`)).toBe(false);

    await Promise.all(ok.map((t) => s.run(['remove', t.name, '--purge', '--yes'])));
    await nothingLeft();
  });

  it('an add and a remove each change Caddy config exactly once', async () => {
    const before = s.configChanges();
    expect((await s.run(['add', 'once'])).exitCode).toBe(0);
    expect(s.configChanges() - before).toBe(1);
    expect((await s.run(['remove', 'once', '--purge', '--yes'])).exitCode).toBe(0);
    expect(s.configChanges() - before).toBe(2);
  });

  it('a leftover route with our @id is replaced, never duplicated', async () => {
    const stale = { '@id': `${s.prefix}zed`, match: [{ host: ['zed.test.local'] }], handle: [{ handler: 'static_response', body: 'stale' }] };
    await fetch(`${s.adminUrl}/config/apps/http/servers/tenants/routes/0`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(stale) });
    expect((await s.run(['add', 'zed'])).exitCode).toBe(0);
    expect((await s.routes()).filter((r) => r['@id'] === `${s.prefix}zed`).length).toBe(1);
    expect((await s.get('zed', '/cgi-bin/info')).body).toContain('tenant=zed');
    expect((await s.run(['remove', 'zed', '--purge', '--yes'])).exitCode).toBe(0);
    await nothingLeft();
  });
});

describe('a Caddy server with no routes yet', () => {
  it('concurrent adds create the route list once and both get routes', async () => {
    await fetch(`${s.adminUrl}/config/apps/http/servers/tenants/routes`, { method: 'DELETE' });
    const [a, b] = await Promise.all([s.run(['add', 'first']), s.run(['add', 'second'])]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect((await s.routes()).map((r) => r['@id']).sort()).toEqual([`${s.prefix}first`, `${s.prefix}second`]);
    expect((await s.get('first', '/cgi-bin/info')).body).toContain('tenant=first');
    expect((await s.get('second', '/cgi-bin/info')).body).toContain('tenant=second');
    await s.run(['remove', 'first', '--purge', '--yes']);
    await s.run(['remove', 'second', '--purge', '--yes']);
    expect(await s.routes()).toEqual([]);
  });
});
