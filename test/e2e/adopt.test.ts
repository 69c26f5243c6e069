import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest, startStack, waitFor, TEST_IMAGE, type Stack } from '../helpers/stack.js';
import { podman } from '../helpers/podman.js';

// Containers made the way tenant.sh made them: `podman run -d --name feather-user-NAME
// -p PORT:8080 -v feather-user-NAME:/home/user IMAGE`, no labels, no secret, no network of ours.

let s: Stack;
let file: string;
beforeAll(async () => {
  s = await startStack({ ports: 4 });
  file = join(s.dir, 'tenants.json');
  s.env.FEATHER_TENANT_ADOPT_FILE = file;
});
afterAll(async () => {
  await s?.cleanup();
});

async function tenantSh(name: string, port: number): Promise<void> {
  const obj = `${s.prefix}${name}`;
  const r = await podman('run', '-d', '--name', obj, '--init', '-p', `127.0.0.1:${port}:8080`, '-v', `${obj}:/home/user`, TEST_IMAGE);
  expect(r.exitCode).toBe(0);
  await waitFor(async () => (await httpRequest(port, 'x', '/')).status === 200, 10_000, `${obj} answering`);
  // Data the user made under tenant.sh.
  expect((await podman('exec', obj, 'sh', '-c', 'echo data > /home/user/from-tenant-sh')).exitCode).toBe(0);
}

describe('reconcile --adopt', () => {
  it("takes tenant.sh's containers into state with their ports and data, and serves them", async () => {
    const [pa, pb] = [s.ports.first + 2, s.ports.first + 3];
    await tenantSh('alice', pa);
    await tenantSh('bob', pb);
    writeFileSync(file, JSON.stringify({ alice: { port: pa, password: 'x7k9m2' }, bob: { port: pb, password: 'p4ss' }, gone: { port: 9999 } }));

    // Without --adopt they are only reported.
    const plain = await s.run(['reconcile']);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain(`alice: note: container ${s.prefix}alice was not made by feather-tenant (tenant.sh?)`);
    const before = JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string; tracked: boolean }[];
    expect(before.map((e) => [e.name, e.tracked])).toEqual([['alice', false], ['bob', false]]);

    const dry = await s.run(['reconcile', '--adopt', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`alice: would adopt \\(container [0-9a-f]{12} on port ${pa} with volume ${s.prefix}alice, password from the state file\\)`));
    expect(dry.stdout).toContain('alice: would add route');
    expect(dry.stdout).toContain('gone: note: in the tenant.sh state file (port 9999) but has no container');
    expect((await s.run(['show', 'alice'])).exitCode).toBe(3);

    const r = await s.run(['reconcile', '--adopt']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('alice: adopt');
    expect(r.stdout).toContain('bob: add route');

    const listed = JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string; state: string; tracked: boolean; port: number }[];
    expect(listed.map((e) => [e.name, e.port, e.state, e.tracked])).toEqual([['alice', pa, 'running', true], ['bob', pb, 'running', true]]);
    const shown = JSON.parse((await s.run(['show', 'alice', '--json'])).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ port: pa, adopted: true, password: 'set', state: 'running', volume: { name: `${s.prefix}alice` } });
    expect((await s.get('alice', '/cgi-bin/info')).body).toMatch(/tenant=\nuid=1000[\s\S]*home:\nfrom-tenant-sh/);
    expect((await s.get('bob', '/cgi-bin/info')).body).toContain('from-tenant-sh');
    // The container itself was kept as tenant.sh made it (no secret: tenant.sh had none).
    expect((await s.get('alice', '/cgi-bin/info')).body).toContain('password_file=missing');

    // A second run has nothing to do, even with --adopt.
    expect((await s.run(['reconcile', '--adopt'])).stdout).toContain('nothing to do');
    // A new tenant never takes an adopted port.
    const added = JSON.parse((await s.run(['add', 'carol', '--json'])).stdout) as { port: number };
    expect([pa, pb]).not.toContain(added.port);
  });

  it('passwd moves an adopted user onto our secure container, keeping port and data', async () => {
    const r = await s.run(['passwd', 'alice']);
    expect(r.exitCode).toBe(0);
    const pw = /\| password: (\S+)$/.exec(r.stdout.trim())?.[1] as string;
    const info = (await s.get('alice', '/cgi-bin/info')).body;
    expect(info).toContain('tenant=alice');
    expect(info).toContain('password_file=readable');
    expect(info).toContain('caps=CapEff:0000000000000000');
    expect(info).toMatch(/home:\nfrom-tenant-sh/);
    expect((await s.get('alice', '/cgi-bin/check', { method: 'POST', body: `${pw}\n` })).status).toBe(200);
    const labels = (await podman('inspect', '--format', '{{index .Config.Labels "io.feather-tenant.tenant"}}', `${s.prefix}alice`)).stdout.trim();
    expect(labels).toBe('alice');
    expect((await s.run(['reconcile'])).stdout.trim()).toBe('nothing to do');
  });

  it('takes back a container of ours whose state was lost', async () => {
    expect((await s.run(['remove', 'carol'])).exitCode).toBe(0);
    expect((await s.run(['add', 'carol'])).exitCode).toBe(0);
    // Lose carol's row, as if the state database were restored from an old backup.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(s.stateDir, 'state.db'));
    db.prepare('DELETE FROM tenants WHERE name = ?').run('carol');
    db.close();
    const r = await s.run(['reconcile', '--adopt']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('carol: adopt');
    expect((await s.get('carol', '/cgi-bin/info')).body).toContain('tenant=carol');
    expect(JSON.parse((await s.run(['show', 'carol', '--json'])).stdout)).toMatchObject({ password: 'unknown', adopted: true });
  });
});
