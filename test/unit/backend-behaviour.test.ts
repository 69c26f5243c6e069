import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { lifecycle } from '../../src/commands/lifecycle.js';
import { list } from '../../src/commands/list.js';
import { logLines, logs } from '../../src/commands/logs.js';
import { remove } from '../../src/commands/remove.js';
import { show } from '../../src/commands/show.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { fakeContext, type FakeContext, exitOf } from '../fakes/context.js';

// The unit half of the shared behaviour suite (issue 14): the same command-level tests against
// both backends' fakes (podman: test/fakes/podman.ts; swarm: test/fakes/swarm.ts), for what is
// meant to behave the same whichever engine runs the tenant. The commands never ask which.
let ctx: FakeContext;
afterEach(() => ctx.close());


const BACKENDS = {
  podman: {
    env: {},
    /** Makes the next create of the tenant's container fail. */
    breakCreate: (c: FakeContext) => void c.podman.failOn.add('run'),
    /** What the engine still holds of the tenant (the volume counts apart). */
    objects: (c: FakeContext) => [...c.podman.containers.keys(), ...c.podman.networks.keys(), ...c.podman.secrets.keys()],
  },
  swarm: {
    env: { FEATHER_TENANT_BACKEND: 'swarm' },
    breakCreate: (c: FakeContext) => void c.swarm?.failOn.add('ensure'),
    objects: (c: FakeContext) => [...(c.swarm?.services.keys() ?? []), ...(c.swarm?.secrets.keys() ?? [])],
  },
} as const;

for (const [backend, b] of Object.entries(BACKENDS)) {
  describe(`on ${backend}`, () => {
    function setup(): void {
      ctx = fakeContext(b.env);
      ctx.podman.serveHttp = true;
    }
    const state = async (name: string) => (await list(ctx)).find((e) => e.name === name)?.state;

    it('add: the tenant runs, list and show say so, and Caddy dials the backend', async () => {
      setup();
      const r = await add(ctx, { name: 'alice' });
      expect(r).toMatchObject({ name: 'alice', container: 'fake-alice', volume: 'fake-alice', volumeReused: false });
      expect(r.password.length).toBeGreaterThan(10);
      expect(await state('alice')).toBe('running');
      expect(await show(ctx, 'alice')).toMatchObject({ name: 'alice', status: 'active', desired: 'running', state: 'running', password: 'set' });
      const row = ctx.store().get('alice');
      if (!row) throw new Error('no row');
      const route = ctx.caddy.routes.find((x) => x['@id'] === 'fake-alice');
      expect(JSON.stringify(route)).toContain(`"dial":"${ctx.backend.dial(ctx, row)}"`);
      expect(await exitOf(add(ctx, { name: 'alice' }))).toBe(EXIT.conflict);
    });

    it('stop, start, restart are idempotent and say what they did', async () => {
      setup();
      await add(ctx, { name: 'alice' });
      const act = async (verb: 'start' | 'stop' | 'restart') => (await lifecycle(ctx, verb, 'alice')).action;
      expect(await act('stop')).toBe('stopped');
      expect(await act('stop')).toBe('none');
      expect(await state('alice')).not.toBe('running');
      expect(ctx.store().get('alice')?.desired).toBe('stopped');
      expect(await act('start')).toBe('started');
      expect(await act('start')).toBe('none');
      expect(await state('alice')).toBe('running');
      expect(await act('restart')).toBe('restarted');
      expect(await state('alice')).toBe('running');
    });

    it('a failing create rolls back: no row, no route, nothing left in the engine', async () => {
      setup();
      b.breakCreate(ctx);
      expect(await exitOf(add(ctx, { name: 'alice' }))).toBe(EXIT.failed);
      expect(ctx.store().get('alice')).toBeUndefined();
      expect(ctx.caddy.routes.some((x) => x['@id'] === 'fake-alice')).toBe(false);
      expect(b.objects(ctx)).toEqual([]);
    });

    it('remove: the objects and the row go, the volume stays; again: no tenant named (exit 3)', async () => {
      setup();
      await add(ctx, { name: 'alice' });
      expect(await remove(ctx, { name: 'alice', purge: false, yes: false })).toMatchObject({ name: 'alice', volume: 'fake-alice', volumeKept: true });
      expect(ctx.store().get('alice')).toBeUndefined();
      expect(b.objects(ctx)).toEqual([]);
      expect(ctx.caddy.routes.some((x) => x['@id'] === 'fake-alice')).toBe(false);
      expect(await exitOf(remove(ctx, { name: 'alice', purge: false, yes: false }))).toBe(EXIT.notFound);
    });

    it('add after remove finds the kept volume (another tenant added meanwhile) and says so', async () => {
      setup();
      await add(ctx, { name: 'alice' });
      await add(ctx, { name: 'bob' });
      for (const name of ['alice', 'bob']) await remove(ctx, { name, purge: false, yes: false });
      // on swarm carol takes alice's node (the emptiest, lowest label): by count alice would go elsewhere
      await add(ctx, { name: 'carol' });
      expect(await add(ctx, { name: 'alice' })).toMatchObject({ name: 'alice', volume: 'fake-alice', volumeReused: true });
      expect(await add(ctx, { name: 'dave' })).toMatchObject({ volumeReused: false });
    });

    it("logs: the tenant's last lines as data, streamed; a tenant with nothing running them: exit 3", async () => {
      setup();
      await add(ctx, { name: 'alice' });
      const lines = [{ time: '2026-12-01T10:00:00Z', stream: 'stdout' as const, text: 'one' }, { time: '2026-12-01T10:00:01Z', stream: 'stderr' as const, text: 'two' }];
      (ctx.swarm?.logs ?? ctx.podman.logs).set('fake-alice', lines);
      expect(await logLines(ctx, { name: 'alice', lines: '1' })).toEqual({ name: 'alice', lines: lines.slice(1) });
      expect(await logs(ctx, { name: 'alice', follow: true, lines: '5', since: '10m' })).toBe(0);
      expect(await exitOf(logs(ctx, { name: 'alice', follow: false, lines: 'x' }))).toBe(EXIT.usage);
      expect(await exitOf(logs(ctx, { name: 'bob', follow: false }))).toBe(EXIT.notFound);
      await remove(ctx, { name: 'alice', purge: false, yes: false });
      ctx.store().reserve({ name: 'alice', image: ctx.config.image, volume: 'fake-alice', range: ctx.config.ports, alsoUsed: new Set(), now: ctx.now() });
      const lost = await logs(ctx, { name: 'alice', follow: false }).catch((e: unknown) => e as FeatherError);
      expect(lost).toMatchObject({ exitCode: EXIT.notFound, message: `tenant alice has no ${backend === 'swarm' ? 'service' : 'container'}, so no logs` });
    });

    it('bad input changes nothing: a bad name, an unknown tenant', async () => {
      setup();
      expect(await exitOf(add(ctx, { name: 'Not-A-Name!' }))).toBe(EXIT.usage);
      expect(await exitOf(lifecycle(ctx, 'start', 'bob'))).toBe(EXIT.notFound);
      expect(await exitOf(show(ctx, 'bob'))).toBe(EXIT.notFound);
      expect(b.objects(ctx)).toEqual([]);
      expect(ctx.store().list()).toEqual([]);
    });

    if (backend === 'swarm') {
      it("never speaks to this server's podman", async () => {
        setup();
        await add(ctx, { name: 'alice' });
        await lifecycle(ctx, 'restart', 'alice');
        await list(ctx);
        await show(ctx, 'alice');
        await logLines(ctx, { name: 'alice' });
        await logs(ctx, { name: 'alice', follow: false });
        await remove(ctx, { name: 'alice', purge: false, yes: false });
        expect(ctx.podman.calls).toEqual([]);
      });
    }
  });
}
