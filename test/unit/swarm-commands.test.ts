import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { lifecycle } from '../../src/commands/lifecycle.js';
import { move } from '../../src/commands/move.js';
import { list } from '../../src/commands/list.js';
import { remove } from '../../src/commands/remove.js';
import { show } from '../../src/commands/show.js';
import { sweep } from '../../src/commands/sweep.js';
import { reconcile } from '../../src/commands/reconcile.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { fakeContext, type FakeContext, fakeSwarmContext, exitOf } from '../fakes/context.js';
import { FakeSwarm } from '../fakes/swarm.js';
import { tarArchive } from '../helpers/tar-build.js';

// The swarm backend's commands against a fake cluster (test/fakes/swarm.ts) and fake Caddy, real
// SQLite. The same paths run for real on the two-node harness in test/swarm/.
let ctx: FakeContext;
let swarm: FakeSwarm;
afterEach(() => ctx.close());

function onSwarm(env: Record<string, string> = {}): void {
  ({ ctx, swarm } = fakeSwarmContext(env));
}

/** sha256 of the fake's tar: an empty archive, 1,024 zero bytes. */
const EMPTY_TAR_SHA = '5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';


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

  it('bad input changes nothing: an unknown node, --node on podman, the login gate without a wake socket', async () => {
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

describe('the login gate and wake on swarm', () => {
  const wakeEnv = { FEATHER_TENANT_WAKE_LISTEN: 'unix:/run/ft/watchdog.sock', FEATHER_TENANT_SWARM_DIRECT: 'unix:/run/ft/direct.sock' };

  it('with a unix wake socket the gate works: the route asks the watchdog on it, and the direct server is set up once', async () => {
    onSwarm({ FEATHER_TENANT_AUTH: 'jwt', ...wakeEnv });
    await add(ctx, { name: 'alice' });
    const route = JSON.stringify(ctx.caddy.routes.find((r) => r['@id'] === 'fake-alice'));
    expect(route).toContain('"dial":"unix//run/ft/watchdog.sock"');
    expect(route).toContain('"uri":"/_feather/verify"');
    expect(route).toContain('"dial":"fake-alice:8080"');
    expect(ctx.store().get('alice')?.passwordHash).toMatch(/^scrypt/);
    const direct = JSON.stringify(await ctx.caddy.getJson('/config/apps/http/servers/fake-direct'));
    expect(direct).toContain('"listen":["unix//run/ft/direct.sock"]');
    expect(direct).toContain('"dial":"fake-{http.request.header.X-Feather-Tenant}:8080"');
    const wake = JSON.stringify(await ctx.caddy.routeById('fake-wake'));
    expect(wake).toContain('"dial":"unix//run/ft/watchdog.sock"');
    const before = JSON.stringify(ctx.caddy.config);
    await add(ctx, { name: 'bob' });
    expect(JSON.stringify(await ctx.caddy.getJson('/config/apps/http/servers/fake-direct'))).toBe(direct);
    expect(before).not.toBe(JSON.stringify(ctx.caddy.config)); // bob's route only
  });

  it('without the gate a swarm route still takes summaries on the watchdog, as on podman', async () => {
    onSwarm(wakeEnv);
    await add(ctx, { name: 'alice' });
    const route = JSON.stringify(ctx.caddy.routes.find((r) => r['@id'] === 'fake-alice'));
    expect(route).toContain('"path":["/_feather/summary"]');
    expect(route).not.toContain('/_feather/verify');
  });

  it('sweep: an idle tenant is scaled to 0 and recorded asleep; an active one and a pinned one stay; podman is never asked', async () => {
    onSwarm({ FEATHER_TENANT_IDLE_MINUTES: '20', FEATHER_TENANT_ACCESS_LOG: '/nonexistent/access.log' });
    await add(ctx, { name: 'alice' });
    await add(ctx, { name: 'bob' });
    await add(ctx, { name: 'carol' });
    ctx.sleep().setPinned('carol', true, ctx.now());
    ctx.advance(30 * 60_000);
    ctx.sleep().recordActivity([{ name: 'bob', at: ctx.now(), kind: 'request', detail: '{}' }], [], undefined);
    const podmanCalls = ctx.podman.calls.length;
    swarm.calls.length = 0;
    const r = await sweep(ctx, { dryRun: false });
    expect(r.stopped.map((s) => s.name)).toEqual(['alice']);
    expect(r.kept.map((k) => [k.name, k.reason])).toEqual([['bob', 'active'], ['carol', 'pinned']]);
    expect(swarm.calls).toEqual(['scale fake-alice=0']);
    expect(swarm.services.get('fake-alice')?.replicas).toBe(0);
    expect(ctx.store().get('alice')?.asleepAt).not.toBeNull();
    expect(r.states).toMatchObject({ running: 2, asleep: 1 });
    expect(ctx.podman.calls.length).toBe(podmanCalls);
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

describe('a tenant whose service is gone', () => {
  it('stop: already stopped; start and restart: exit 1, saying to remove and add it again', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    swarm.services.delete('fake-alice');
    swarm.calls.length = 0;
    expect(await lifecycle(ctx, 'stop', 'alice')).toMatchObject({ action: 'none', message: 'alice is already stopped' });
    for (const verb of ['start', 'restart'] as const) {
      const err = await lifecycle(ctx, verb, 'alice').catch((e: unknown) => e as FeatherError);
      expect(err).toMatchObject({ exitCode: EXIT.failed, message: 'tenant alice has no service', hint: 'recreate it with: feather-tenant remove alice && feather-tenant add alice' });
    }
    expect(swarm.calls).toEqual([]);
  });
});

describe('move on swarm', () => {
  it('stops, copies, re-pins and starts again; the same node again is nothing to do', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.calls.length = 0;
    expect(await move(ctx, 'alice', '2')).toMatchObject({ from: '1', to: '2', action: 'moved', state: 'running' });
    expect(swarm.calls).toEqual(['scale fake-alice=0', 'exportVolume fake-alice 1', `importVolume fake-alice 2 ${EMPTY_TAR_SHA}`, 'pin fake-alice 2', 'scale fake-alice=1']);
    expect((await move(ctx, 'alice', '2')).action).toBe('none');
  });

  it('a failed copy leaves the tenant pinned where it was, started again', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.failOn.add('importVolume');
    swarm.calls.length = 0;
    expect(await exitOf(move(ctx, 'alice', '2'))).toBe(EXIT.failed);
    expect(swarm.calls).toEqual(['scale fake-alice=0', 'exportVolume fake-alice 1', `importVolume fake-alice 2 ${EMPTY_TAR_SHA}`, 'scale fake-alice=1']);
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

describe('reconcile on swarm', () => {
  it("puts a lost route back, dialling the service, in front of a catch-all; a second run changes nothing", async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.calls.length = 0;
    await ctx.caddy.deleteById('fake-alice');
    ctx.caddy.routes.unshift({ handle: [{ handler: 'static_response', body: 'catch-all' }] });
    const dry = await reconcile(ctx, { dryRun: true, adopt: false });
    expect(dry.changes.map((c) => c.action)).toEqual(['add route']);
    expect(ctx.caddy.routes.some((r) => r['@id'] === 'fake-alice')).toBe(false);
    const first = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(first).toMatchObject({ failed: 0, notes: [] });
    expect(ctx.caddy.routes[0]?.['@id']).toBe('fake-alice');
    expect(JSON.stringify(ctx.caddy.routes[0])).toContain('"dial":"fake-alice:8080"');
    expect((await reconcile(ctx, { dryRun: false, adopt: false })).changes).toEqual([]);
    expect(swarm.calls.filter((c) => !/^(ensure|createSecret fake-alice\.ingest-)/.test(c))).toEqual([]);
    expect(ctx.podman.calls).toEqual([]);
  });

  it('reports a row without a service and a service without a row, and changes neither', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    await add(ctx, { name: 'bob', node: '2' });
    swarm.services.delete('fake-alice');
    ctx.store().delete('bob');
    const r = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(r.notes.map((n) => [n.target, n.message])).toEqual([
      ['alice', 'its service fake-alice is missing; make it again with: feather-tenant remove alice && feather-tenant add alice'],
      ['bob', 'service fake-bob is ours but no tenant bob is in state; left alone (delete it with feather-tenant remove bob)'],
    ]);
    // bob's route goes with his row, as on podman; alice's stays (her row says she is a tenant)
    expect(r.changes.map((c) => [c.target, c.action])).toEqual([['bob', 'remove route']]);
    expect(swarm.services.has('fake-bob')).toBe(true);
    expect(await exitOf(reconcile(ctx, { dryRun: false, adopt: true }))).toBe(EXIT.usage);
  });
});
