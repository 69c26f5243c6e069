import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { move } from '../../src/commands/move.js';
import { remove } from '../../src/commands/remove.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { fakeContext, type FakeContext, fakeSwarmContext, exitOf } from '../fakes/context.js';
import type { FakeSwarm } from '../fakes/swarm.js';

// add after remove on the swarm backend (issue 14): remove records the node that keeps the
// volume, add goes back there (core/kept-volume.ts, store/kept-volumes.ts); fake cluster and
// Caddy, real SQLite. The same story through the built CLI: test/behaviour/suite.ts and
// test/swarm/swarm-backend.test.ts.
let ctx: FakeContext;
let swarm: FakeSwarm;
afterEach(() => ctx.close());

function onSwarm(): void {
  ({ ctx, swarm } = fakeSwarmContext());
}

const errOf = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as FeatherError);

describe('add after remove on swarm: back with the kept volume (core/kept-volume.ts)', () => {
  /** alice on node 1 with data, removed; bob on node 2 and carol on node 1, so by count alice would go to 2. */
  async function keptOnNode1(): Promise<void> {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    await add(ctx, { name: 'bob', node: '2' });
    await add(ctx, { name: 'carol', node: '1' });
    ctx.lines.length = 0;
    swarm.calls.length = 0;
  }
  const nothingChanged = () => {
    expect(swarm.calls).toEqual([]);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ volume: 'fake-alice', node: '1' });
  };

  it('remove records the node; add goes back there (not to the emptiest), says it reused the volume and where the data was; the record is consumed', async () => {
    await keptOnNode1();
    const r = await add(ctx, { name: 'alice' });
    expect(r).toMatchObject({ node: '1', volumeReused: true });
    expect(swarm.services.get('fake-alice')?.spec).toMatchObject({ node: '1', volume: { source: 'fake-alice' } });
    expect(ctx.lines).toContain("alice's data is on node 1 (volume fake-alice, kept by remove): alice goes back there");
    expect(ctx.keptVolumes().get('alice')).toBeUndefined();
    // --node with the kept node is the same
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    expect(await add(ctx, { name: 'alice', node: '1' })).toMatchObject({ node: '1', volumeReused: true });
    // a name never removed: by count, volumeReused false
    expect(await add(ctx, { name: 'dave' })).toMatchObject({ node: '2', volumeReused: false });
  });

  it('--node with another node: exit 2 naming the node that holds the data, the hint says move or --new-volume; nothing changed', async () => {
    await keptOnNode1();
    const err = await errOf(add(ctx, { name: 'alice', node: '2' }));
    expect(err).toMatchObject({ exitCode: EXIT.usage, message: "alice's data is on node 1 (volume fake-alice, kept by remove), not on node 2" });
    expect(err?.hint).toBe('add it there and move it: feather-tenant add alice --node 1 && feather-tenant move alice --node 2; or start it empty: feather-tenant add alice --node 2 --new-volume');
    expect(await exitOf(add(ctx, { name: 'alice', node: '7' }))).toBe(EXIT.usage);
    nothingChanged();
  });

  it('--new-volume: starts empty on another node (by count, or --node), says where the old data stays; never on the kept node', async () => {
    await keptOnNode1();
    expect(await exitOf(add(ctx, { name: 'alice', node: '1', newVolume: true }))).toBe(EXIT.usage);
    nothingChanged();
    swarm.nodeList.push({ host: '3', hostname: 'n3', ready: true });
    // by count node 3 (empty) would win anyway; --node 2 is taken as asked
    expect(await add(ctx, { name: 'alice', node: '2', newVolume: true })).toMatchObject({ node: '2', volumeReused: false });
    expect(ctx.lines).toContain("alice starts with a new, empty volume on node 2; the data kept by remove stays on node 1 as volume fake-alice (docker volume rm it there when no longer needed)");
    expect(ctx.keptVolumes().get('alice')).toBeUndefined();
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    swarm.nodeList.length = 2;
    // kept on 2 now; without --node, --new-volume leaves 2 out even when it is the emptiest
    await add(ctx, { name: 'dave', node: '1' });
    expect(await add(ctx, { name: 'alice', newVolume: true })).toMatchObject({ node: '1', volumeReused: false });
  });

  it('the kept node not ready or no longer labelled: exit 4 naming it, hint --new-volume; nothing changed', async () => {
    await keptOnNode1();
    swarm.nodeList = [{ host: '1', hostname: 'n1', ready: false }, { host: '2', hostname: 'n2', ready: true }];
    const down = await errOf(add(ctx, { name: 'alice' }));
    expect(down).toMatchObject({ exitCode: EXIT.conflict, message: "node 1, which holds alice's data (volume fake-alice), is not ready" });
    expect(down?.hint).toContain('feather-tenant add alice --node N --new-volume');
    swarm.nodeList = [{ host: '2', hostname: 'n2', ready: true }];
    expect(await errOf(add(ctx, { name: 'alice' }))).toMatchObject({ exitCode: EXIT.conflict, message: "node 1, which holds alice's data (volume fake-alice), is no longer labelled for tenants" });
    nothingChanged();
  });

  it('an add that fails after the service ran puts the record back', async () => {
    await keptOnNode1();
    ctx.caddy.failOn.add('insertRoute');
    expect(await exitOf(add(ctx, { name: 'alice' }))).toBe(EXIT.failed);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(swarm.services.has('fake-alice')).toBe(false);
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ node: '1' });
  });

  it("a service already gone: remove records no node, and add wants --node; a remove run again never forgets a known node", async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    swarm.services.delete('fake-alice');
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ node: null });
    const err = await errOf(add(ctx, { name: 'alice' }));
    expect(err).toMatchObject({ exitCode: EXIT.usage, message: "alice's data (volume fake-alice) was kept by remove on a node not known (its service was already gone when it was removed)" });
    expect(await add(ctx, { name: 'alice', node: '2' })).toMatchObject({ node: '2', volumeReused: false });
    // a remove interrupted after its record and the service went, run again
    ctx.keptVolumes().keep({ name: 'alice', volume: 'fake-alice', node: '2', removedAt: ctx.now() });
    swarm.services.delete('fake-alice');
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ node: '2' });
    // an add that died before it made a service made no volume: nothing to record
    ctx.keptVolumes().forget('alice');
    ctx.store().reserve({ name: 'bob', image: ctx.config.image, volume: 'fake-bob', range: ctx.config.ports, alsoUsed: new Set(), now: ctx.now() });
    await remove(ctx, { name: 'bob', purge: false, yes: false });
    expect(ctx.keptVolumes().get('bob')).toBeUndefined();
  });

  it('move: a record follows the live data to the new node; remove after a move records the new node', async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    ctx.keptVolumes().keep({ name: 'alice', volume: 'fake-alice', node: '1', removedAt: ctx.now() });
    await move(ctx, 'alice', '2');
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ node: '2' });
    ctx.keptVolumes().forget('alice');
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ node: '2' });
    expect(await add(ctx, { name: 'alice' })).toMatchObject({ node: '2', volumeReused: true });
  });

  it('--new-volume on podman: exit 2, nothing made', async () => {
    ctx = fakeContext();
    expect(await exitOf(add(ctx, { name: 'alice', newVolume: true }))).toBe(EXIT.usage);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(ctx.podman.calls).toEqual([]);
  });
});

describe('an add not meant to reuse a volume never mounts one holding data (review of issue 14)', () => {
  it("--new-volume on the node a move left the old copy on, or a first add onto a name's leftover: exit 4, nothing made; the kept volume's own node is not checked", async () => {
    onSwarm();
    await add(ctx, { name: 'alice', node: '1' });
    await move(ctx, 'alice', '2');
    // the fake's move copies nothing: the old copy the real move leaves on node 1
    swarm.volumes.set('1/fake-alice', 'the old copy');
    swarm.volumes.set('2/fake-alice', 'the live data');
    await remove(ctx, { name: 'alice', purge: false, yes: false });
    const err = await errOf(add(ctx, { name: 'alice', node: '1', newVolume: true }));
    expect(err).toMatchObject({ exitCode: EXIT.conflict });
    expect(swarm.services.has('fake-alice')).toBe(false);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(ctx.keptVolumes().get('alice')).toMatchObject({ node: '2' });
    // back to the kept volume: reused, not checked
    swarm.calls.length = 0;
    expect(await add(ctx, { name: 'alice' })).toMatchObject({ node: '2', volumeReused: true });
    expect(swarm.calls.some((c) => c.startsWith('requireEmptyVolume'))).toBe(false);
    // a name with no record whose volume is on the node anyway
    swarm.volumes.set('1/fake-dave', 'someone else');
    expect(await exitOf(add(ctx, { name: 'dave', node: '1' }))).toBe(EXIT.conflict);
    expect(swarm.services.has('fake-dave')).toBe(false);
  });
});
