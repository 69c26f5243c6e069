// upgrade on the swarm backend (issue 14) against the fake cluster (test/fakes/swarm.ts): the
// shared plan, canary and summary with the swarm switch behind the backend port; the app's
// answer (the direct server's probe on a real cluster, test/swarm/swarm-upgrade.test.ts) is a
// function of the image the service's task runs.
import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { lifecycle } from '../../src/commands/lifecycle.js';
import { list } from '../../src/commands/list.js';
import { reconcile } from '../../src/commands/reconcile.js';
import { show } from '../../src/commands/show.js';
import { upgrade } from '../../src/commands/upgrade.js';
import { SwarmBackend } from '../../src/backend/swarm.js';
import { EXIT } from '../../src/core/errors.js';
import { type FakeContext, fakeSwarmContext, exitOf } from '../fakes/context.js';
import type { FakeSwarm } from '../fakes/swarm.js';

const OLD = 'localhost/feather-work:v1';
const NEW = 'localhost/feather-work:v2';
const MUTE = 'localhost/feather-work:mute';
const wakeEnv = { FEATHER_TENANT_WAKE_LISTEN: 'unix:/run/ft/watchdog.sock', FEATHER_TENANT_SWARM_DIRECT: 'unix:/run/ft/direct.sock' };

let ctx: FakeContext;
let swarm: FakeSwarm;
/** Steps the row said while the switch ran: what the watchdog saw. */
let steps: (string | undefined)[];
afterEach(() => ctx.close());

function onSwarm(env: Record<string, string> = wakeEnv): void {
  ({ ctx, swarm } = fakeSwarmContext({ FEATHER_TENANT_IMAGE: OLD, FEATHER_TENANT_READY_TIMEOUT: '1', FEATHER_TENANT_UPGRADE_SETTLE: '0', ...env }));
  const s = swarm;
  steps = [];
  // Every image answers but MUTE; the probe runs while the row says where the switch is.
  ctx.backend = new SwarmBackend(s, (c, sw, row) => {
    steps.push(c.store().get(row.name)?.upgrade?.step);
    return sw.task(`fake-${row.name}`).then((t) => t !== undefined && t.image !== MUTE);
  });
}


describe('upgrade on swarm', () => {
  it('a running tenant: its service gets the new image (stop-first), answered while the row said starting; state takes the image', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    expect((await list(ctx)).find((t) => t.name === 'alice')?.outOfDate).toBe(false);
    swarm.calls.length = 0;
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false });
    expect(r.tenants[0]).toMatchObject({ outcome: 'upgraded', mode: 'running', fromId: OLD, toId: NEW, detail: 'serving on the new image' });
    expect(swarm.calls).toEqual([`setImage fake-alice ${NEW}`]);
    expect(steps).toEqual(['starting']);
    expect(swarm.services.get('fake-alice')?.spec.image).toBe(NEW);
    expect(ctx.store().get('alice')).toMatchObject({ image: NEW, upgrade: null });
    expect(await show(ctx, 'alice')).toMatchObject({ image: NEW, outOfDate: false, upgrading: null });
    // Up to date now: nothing to do.
    expect((await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false })).tenants[0]).toMatchObject({ outcome: 'skipped', detail: 'up to date' });
  });

  it('out of date is the spec reference against the configured image; --dry-run changes nothing', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    swarm.services.get('fake-alice')!.spec.image = NEW;
    expect((await list(ctx)).find((t) => t.name === 'alice')?.outOfDate).toBe(true);
    swarm.calls.length = 0;
    const r = await upgrade(ctx, { names: ['alice'], all: false, dryRun: true });
    expect(r.tenants[0]).toMatchObject({ outcome: 'upgraded', fromId: NEW, toId: OLD });
    expect(swarm.calls).toEqual([]);
  });

  it('an image that never answers: rolled back to the old image, exit 1 with the new task\'s last log lines; --all stops at the canary', async () => {
    onSwarm();
    for (const n of ['alice', 'bob']) await add(ctx, { name: n });
    swarm.logs.set('fake-alice', [{ time: '2026-12-01T00:00:00Z', stream: 'stderr', text: 'mute: not listening' }]);
    swarm.calls.length = 0;
    const r = await upgrade(ctx, { names: [], all: true, image: MUTE, dryRun: false });
    expect(r.failed).toBe(1);
    expect(r.tenants.map((t) => t.outcome)).toEqual(['rolled back', 'untouched']);
    expect(r.tenants[0]?.error).toMatch(/alice: the new task of service fake-alice did not answer HTTP within 1 s; rolled back to the old one\nlast log lines of the new container:\nmute: not listening/);
    expect(swarm.calls).toEqual([`setImage fake-alice ${MUTE}`, 'readLogs fake-alice', `setImage fake-alice ${OLD}`]);
    expect(swarm.services.get('fake-alice')?.spec.image).toBe(OLD);
    expect(ctx.store().get('alice')).toMatchObject({ image: OLD, upgrade: null });
  });

  it('a stopped (scaled to 0) tenant: the spec takes the image, it stays at 0 and nothing is probed', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    await lifecycle(ctx, 'stop', 'alice');
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false });
    expect(r.tenants[0]).toMatchObject({ outcome: 'upgraded', mode: 'stopped' });
    expect(swarm.services.get('fake-alice')).toMatchObject({ replicas: 0, spec: { image: NEW } });
    expect(steps).toEqual([]);
  });

  it('needs the watchdog on a unix socket and the direct server (its ready check): exit 2, nothing changed', async () => {
    onSwarm({});
    await add(ctx, { name: 'alice' });
    swarm.calls.length = 0;
    expect(await exitOf(upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false }))).toBe(EXIT.usage);
    expect(swarm.calls).toEqual([]);
  });
});

describe('reconcile on swarm after a killed upgrade', () => {
  it('before the new task answered: the old image goes back into the spec; after: the upgrade is only marked over', async () => {
    onSwarm();
    for (const n of ['alice', 'bob']) await add(ctx, { name: n });
    // alice died while stopping (spec already on NEW); bob after answered (state took NEW).
    await ctx.swarm!.setImage('fake-alice', NEW);
    ctx.store().setUpgrade('alice', NEW, 'stopping', ctx.now());
    await ctx.swarm!.setImage('fake-bob', NEW);
    ctx.store().setUpgrade('bob', NEW, 'starting', ctx.now());
    ctx.store().upgradeAnswered('bob', NEW, 'fake-bob', ctx.now());
    const dry = await reconcile(ctx, { dryRun: true, adopt: false });
    expect(dry.changes.filter((c) => c.action.includes('upgrade')).map((c) => [c.target, c.action])).toEqual([['alice', 'roll back upgrade'], ['bob', 'finish upgrade']]);
    expect(ctx.store().get('alice')?.upgrade).not.toBeNull();
    swarm.calls.length = 0;
    const r = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(r.failed).toBe(0);
    expect(swarm.calls).toContain(`setImage fake-alice ${OLD}`);
    expect(swarm.calls.filter((c) => c.startsWith('setImage fake-bob'))).toEqual([]);
    expect(swarm.services.get('fake-alice')?.spec.image).toBe(OLD);
    expect(swarm.services.get('fake-bob')?.spec.image).toBe(NEW);
    expect(ctx.store().get('alice')).toMatchObject({ image: OLD, upgrade: null });
    expect(ctx.store().get('bob')).toMatchObject({ image: NEW, upgrade: null });
  });
});
