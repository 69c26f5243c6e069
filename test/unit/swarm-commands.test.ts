import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { lifecycle } from '../../src/commands/lifecycle.js';
import { move } from '../../src/commands/move.js';
import { list } from '../../src/commands/list.js';
import { remove } from '../../src/commands/remove.js';
import { show } from '../../src/commands/show.js';
import { passwd } from '../../src/commands/passwd.js';
import { reconcile } from '../../src/commands/reconcile.js';
import { sweep } from '../../src/commands/sweep.js';
import { upgrade } from '../../src/commands/upgrade.js';
import { rotateIngestToken } from '../../src/commands/rotate-ingest-token.js';
import { adminSwap } from '../../src/commands/admin.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { fakeContext, type FakeContext } from '../fakes/context.js';
import { FakeSwarm } from '../fakes/swarm.js';
import { tarArchive } from '../helpers/tar-build.js';

// The swarm backend's commands against a fake cluster (test/fakes/swarm.ts) and fake Caddy, real
// SQLite. The same paths run for real on the two-node harness in test/swarm/.
let ctx: FakeContext;
let swarm: FakeSwarm;
afterEach(() => ctx.close());

function onSwarm(env: Record<string, string> = {}): void {
  ctx = fakeContext({ FEATHER_TENANT_BACKEND: 'swarm', ...env });
  swarm = new FakeSwarm();
  ctx.swarm = swarm;
}

const exitOf = async (p: Promise<unknown>) => p.then(() => 0, (e: unknown) => (e instanceof FeatherError ? e.exitCode : -1));

describe('add on swarm', () => {
  it('places a tenant on the node with the fewest tenants, routes Caddy to <service>:8080', async () => {
    onSwarm();
    expect((await add(ctx, { name: 'alice', node: '1' })).node).toBe('1');
    expect((await add(ctx, { name: 'bob' })).node).toBe('2');
    expect((await add(ctx, { name: 'carol' })).node).toBe('1');
    const route = JSON.stringify(ctx.caddy.routes.find((r) => r['@id'] === 'fake-bob'));
    expect(route).toContain('"dial":"fake-bob:8080"');
    expect(swarm.services.get('fake-bob')?.spec).toMatchObject({ node: '2', user: '1000:1000', init: true, capDrop: ['ALL'] });
    expect((await list(ctx)).map((e) => [e.name, e.node, e.state])).toEqual([['alice', '1', 'running'], ['bob', '2', 'running'], ['carol', '1', 'running']]);
  });

  it('a failing service: the row, service and secret go (rolled back)', async () => {
    onSwarm();
    swarm.failOn.add('ensure');
    expect(await exitOf(add(ctx, { name: 'alice' }))).toBe(EXIT.failed);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(swarm.calls).toContain('remove fake-alice');
  });

  it('bad input changes nothing: an unknown node, --node on podman, the login gate on swarm', async () => {
    onSwarm();
    expect(await exitOf(add(ctx, { name: 'alice', node: '7' }))).toBe(EXIT.usage);
    expect(swarm.calls).toEqual([]);
    ctx.close();
    onSwarm({ FEATHER_TENANT_AUTH: 'jwt' });
    expect(await exitOf(add(ctx, { name: 'alice' }))).toBe(EXIT.usage);
    expect(swarm.calls).toEqual([]);
    ctx.close();
    ctx = fakeContext();
    expect(await exitOf(add(ctx, { name: 'alice', node: '1' }))).toBe(EXIT.usage);
    expect(ctx.store().get('alice')).toBeUndefined();
  });
});

describe('start, stop, remove on swarm', () => {
  it('stop scales to 0 and start to 1; remove keeps the volume and refuses --purge', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    expect((await lifecycle(ctx, 'stop', 'alice')).action).toBe('stopped');
    expect((await lifecycle(ctx, 'stop', 'alice')).action).toBe('none');
    expect(swarm.services.get('fake-alice')?.replicas).toBe(0);
    expect((await lifecycle(ctx, 'start', 'alice')).action).toBe('started');
    expect(swarm.services.get('fake-alice')?.replicas).toBe(1);
    expect(await exitOf(remove(ctx, { name: 'alice', purge: true, yes: true }))).toBe(EXIT.usage);
    expect(swarm.services.has('fake-alice')).toBe(true);
    const r = await remove(ctx, { name: 'alice', purge: false, yes: false });
    expect(r).toMatchObject({ volumeKept: true });
    expect(swarm.services.has('fake-alice')).toBe(false);
    expect(swarm.secrets.size).toBe(0);
    expect(ctx.caddy.routes.some((x) => x['@id'] === 'fake-alice')).toBe(false);
  });
});

describe('move on swarm', () => {
  it('stops, copies, re-pins and starts again; the same node again is nothing to do', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.calls.length = 0;
    expect(await move(ctx, 'alice', '2')).toMatchObject({ from: '1', to: '2', action: 'moved', state: 'running' });
    expect(swarm.calls).toEqual(['scale fake-alice=0', 'exportVolume fake-alice 1', 'importVolume fake-alice 2 fake', 'pin fake-alice 2', 'scale fake-alice=1']);
    expect((await move(ctx, 'alice', '2')).action).toBe('none');
  });

  it('a failed copy leaves the tenant pinned where it was, started again', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.failOn.add('importVolume');
    swarm.calls.length = 0;
    expect(await exitOf(move(ctx, 'alice', '2'))).toBe(EXIT.failed);
    expect(swarm.calls).toEqual(['scale fake-alice=0', 'exportVolume fake-alice 1', 'importVolume fake-alice 2 fake', 'scale fake-alice=1']);
    expect(swarm.services.get('fake-alice')?.spec.node).toBe('1');
  });

  it("a volume import's policy would refuse never reaches the new node: exit 2, started again where it was", async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    // what a node that lies could send: a name that climbs out of the volume, a device
    for (const bad of [[{ name: '../outside', data: 'x' }], [{ name: 'dev', type: '3', devmajor: 1, devminor: 3 }]]) {
      swarm.tar = tarArchive(bad);
      swarm.calls.length = 0;
      expect(await exitOf(move(ctx, 'alice', '2'))).toBe(EXIT.usage);
      expect(swarm.calls).toEqual(['scale fake-alice=0', 'exportVolume fake-alice 1', 'scale fake-alice=1']);
      expect(swarm.imported.size).toBe(0);
      expect(swarm.services.get('fake-alice')?.spec.node).toBe('1');
    }
  });

  it('bad input changes nothing: no --node, an unknown node, no tenant, the podman backend', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.calls.length = 0;
    expect(await exitOf(move(ctx, 'alice', undefined))).toBe(EXIT.usage);
    expect(await exitOf(move(ctx, 'alice', '9'))).toBe(EXIT.usage);
    expect(await exitOf(move(ctx, 'bob', '2'))).toBe(EXIT.notFound);
    expect(swarm.calls).toEqual([]);
    ctx.close();
    ctx = fakeContext();
    expect(await exitOf(move(ctx, 'alice', '2'))).toBe(EXIT.usage);
  });
});

describe('show on swarm', () => {
  it("says the node and the service's limits", async () => {
    onSwarm({ FEATHER_TENANT_CPUS: '0.5', FEATHER_TENANT_PIDS: '64' });
    await add(ctx, { name: 'alice', node: '2' });
    expect(await show(ctx, 'alice')).toMatchObject({ node: '2', state: 'running', limits: { cpus: 0.5, pids: 64 } });
    await lifecycle(ctx, 'stop', 'alice');
    expect((await show(ctx, 'alice')).state).toBe('stopped');
  });
});

describe('commands that still speak to podman alone', () => {
  it('refuse on swarm (exit 2) before touching anything', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.calls.length = 0;
    const podmanCalls = ctx.podman.calls.length;
    expect(await exitOf(reconcile(ctx, { dryRun: false, adopt: false }))).toBe(EXIT.usage);
    expect(await exitOf(passwd(ctx, 'alice'))).toBe(EXIT.usage);
    expect(await exitOf(sweep(ctx, { dryRun: false }))).toBe(EXIT.usage);
    expect(await exitOf(upgrade(ctx, { names: ['alice'], all: false, dryRun: false }))).toBe(EXIT.usage);
    expect(await exitOf(rotateIngestToken(ctx, 'alice'))).toBe(EXIT.usage);
    expect(await exitOf(adminSwap(ctx, { drainSeconds: undefined }))).toBe(EXIT.usage);
    expect(ctx.podman.calls.length).toBe(podmanCalls);
    expect(swarm.calls).toEqual([]);
  });
});
