import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { podman, state } from '../helpers/podman.js';

// reconcile against a real Caddy and podman: every kind of drift, then a second run that is a no-op.

let s: Stack;
beforeAll(async () => {
  s = await startStack({ ports: 4 });
  for (const n of ['alice', 'bob', 'carol']) expect((await s.run(['add', n])).exitCode).toBe(0);
});
afterAll(async () => {
  await s?.cleanup();
});

const ROUTES = () => `${s.adminUrl}/config/apps/http/servers/tenants/routes`;
const served = async (name: string) => (await s.get(name, '/cgi-bin/info')).body.includes(`tenant=${name}`);
const ids = async () => (await s.routes()).map((r) => r['@id'] ?? '(catch-all)');

async function reconcileIsNoop(): Promise<void> {
  const before = s.configChanges();
  const again = await s.run(['reconcile', '--json']);
  expect(again.exitCode).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ changes: [], failed: 0 });
  expect(s.configChanges()).toBe(before);
}

describe('reconcile', () => {
  it('with nothing drifted does nothing', async () => {
    const r = await s.run(['reconcile']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('nothing to do');
    await reconcileIsNoop();
  });

  it('after Caddy restarts from its base config, restores every route in one config change', async () => {
    await s.stopCaddy();
    await s.startCaddy();
    expect((await s.get('alice', '/')).body).toBe('no such tenant\n');
    const before = s.configChanges();

    const dry = await s.run(['reconcile', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`alice: would add route (${s.prefix}alice to port ${s.ports.first})`);
    expect(dry.stdout).toContain('3 change(s) would be made');
    expect(s.configChanges()).toBe(before);
    expect(await served('alice')).toBe(false);

    const r = await s.run(['reconcile']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('3 change(s) made');
    for (const n of ['alice', 'bob', 'carol']) expect(await served(n)).toBe(true);
    expect(s.configChanges() - before).toBe(1);
    expect((await ids()).at(-1)).toBe('(catch-all)');
    await reconcileIsNoop();
  });

  it('two reconciles at once converge without duplicating anything', async () => {
    await s.stopCaddy();
    await s.startCaddy();
    await podman('stop', '-t', '1', `${s.prefix}carol`);
    const [a, b] = await Promise.all([s.run(['reconcile', '--json']), s.run(['reconcile', '--json'])]);
    expect([a.exitCode, b.exitCode], a.stderr + b.stderr).toEqual([0, 0]);
    // Each change was made by exactly one of them; the other refused a stale route change or skipped.
    type Out = { changes: { target: string; action: string; skipped?: string }[] };
    const made = [a, b].flatMap((r) => (JSON.parse(r.stdout) as Out).changes.filter((c) => !c.skipped).map((c) => `${c.target} ${c.action}`));
    expect(made.filter((m) => m.endsWith('add route')).sort()).toEqual(['alice add route', 'bob add route', 'carol add route']);
    expect((await ids()).filter((i) => i.startsWith(s.prefix)).sort()).toEqual(['alice', 'bob', 'carol'].map((n) => `${s.prefix}${n}`));
    for (const n of ['alice', 'bob', 'carol']) expect(await served(n)).toBe(true);
    await reconcileIsNoop();
  });

  it('fixes a route edited to a wrong port, restores a deleted one, removes a stray one of ours', async () => {
    const alice = `${s.adminUrl}/id/${s.prefix}alice`;
    const wrong = { '@id': `${s.prefix}alice`, match: [{ host: ['alice.test.local'] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:1' }] }], terminal: true };
    expect((await fetch(alice, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrong) })).ok).toBe(true);
    expect((await fetch(`${s.adminUrl}/id/${s.prefix}bob`, { method: 'DELETE' })).ok).toBe(true);
    const stray = { '@id': `${s.prefix}ghost`, match: [{ host: ['ghost.test.local'] }], handle: [{ handler: 'static_response', body: 'stray' }] };
    expect((await fetch(`${ROUTES()}/0`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(stray) })).ok).toBe(true);
    // A route that is not ours (no @id of our prefix) must survive untouched.
    const foreign = { '@id': 'operator-static', match: [{ host: ['static.test.local'] }], handle: [{ handler: 'static_response', body: 'mine' }] };
    expect((await fetch(`${ROUTES()}/0`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(foreign) })).ok).toBe(true);
    expect(await served('alice')).toBe(false);
    expect(await served('bob')).toBe(false);

    const before = s.configChanges();
    const r = await s.run(['reconcile', '--json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { changes: { target: string; action: string; detail: string }[] };
    expect(out.changes.map((c) => `${c.target} ${c.action}`).sort()).toEqual(['alice fix route', 'bob add route', 'ghost remove route']);
    expect(out.changes.find((c) => c.target === 'alice')?.detail).toContain(`port 1 -> ${s.ports.first}`);
    expect(s.configChanges() - before).toBe(1);
    expect(await served('alice')).toBe(true);
    expect(await served('bob')).toBe(true);
    expect((await s.get('ghost', '/')).body).toBe('no such tenant\n');
    expect((await s.get('static', '/')).body).toBe('mine');
    expect((await ids()).filter((i) => i.startsWith(s.prefix)).sort()).toEqual(['alice', 'bob', 'carol'].map((n) => `${s.prefix}${n}`));
    await reconcileIsNoop();
  });

  it('recreates a removed container with its data, starts one stopped by hand, leaves one stopped by the operator', async () => {
    await s.get('alice', '/cgi-bin/write?precious');
    await podman('rm', '-f', '-t', '0', `${s.prefix}alice`);
    await podman('stop', '-t', '1', `${s.prefix}bob`);
    expect((await s.run(['stop', 'carol'])).exitCode).toBe(0);

    const r = await s.run(['reconcile']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('alice: create and start container (its container is missing)');
    expect(r.stdout).toContain('bob: start container (it was exited)');
    expect(r.stdout).not.toContain('carol');
    expect((await s.get('alice', '/cgi-bin/info')).body).toMatch(/home:\nprecious/);
    expect(await served('bob')).toBe(true);
    expect(await state(s, 'carol')).toBe('exited');
    await reconcileIsNoop();
    expect((await s.run(['start', 'carol'])).exitCode).toBe(0);
  });

  it('reports a container of ours with no tenant and never deletes it; volumes are never touched', async () => {
    const orphan = `${s.prefix}orphan`;
    expect((await podman('create', '--name', orphan, '--label', `io.feather-tenant.prefix=${s.prefix}`, '--label', 'io.feather-tenant.tenant=orphan', 'localhost/feather-work-test:latest')).exitCode).toBe(0);
    expect((await podman('volume', 'create', '--label', `io.feather-tenant.prefix=${s.prefix}`, `${s.prefix}lonely`)).exitCode).toBe(0);
    const r = await s.run(['reconcile']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`orphan: note: container ${orphan} is ours but no tenant orphan is in state; left alone`);
    expect(r.stdout).toContain('nothing to do');
    expect((await podman('container', 'exists', orphan)).exitCode).toBe(0);
    expect((await podman('volume', 'exists', `${s.prefix}lonely`)).exitCode).toBe(0);
    await podman('rm', '-f', orphan);
  });
});
