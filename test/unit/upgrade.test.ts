import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { upgrade } from '../../src/commands/upgrade.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { LABEL_SECRET, tenantLabels } from '../../src/core/tenant.js';
import { canaryFirst, outOfDate, planUpgrade, recoveryOf, type UpgradeCandidate } from '../../src/core/upgrade-plan.js';
import type { UpgradeStep } from '../../src/core/tenant-row.js';
import { containerTenant, planReconcile } from '../../src/reconcile/plan.js';
import { tenantRoute } from '../../src/caddy/routes.js';
import { runCanary } from '../../src/tenant/canary.js';
import { awaitSwitch } from '../../src/wake/switch-wait.js';
import { fakeContext, type FakeContext } from '../fakes/context.js';

// upgrade's decisions (plan, the canary order, reconcile's recovery, the wake's hold through a
// switch) and the command against fake podman with real SQLite; a real loopback HTTP server
// plays "the container answers". The same paths run for real in test/e2e/upgrade.test.ts.
// Over 200 lines: one file for the one command's decisions, so its fakes are set up once.

const NEW = 'localhost/feather-work:v2';

describe('planUpgrade', () => {
  const cand = (o: Partial<UpgradeCandidate['row']> & { state?: string; imageId?: string; missing?: boolean }): UpgradeCandidate => ({
    row: { name: 'alice', image: 'img', status: 'active', asleepAt: null, secret: 's', upgrade: null, ...o },
    container: o.missing ? undefined : { state: o.state ?? 'running', imageId: o.imageId ?? 'old' },
    target: { image: 'img', id: 'new' },
  });
  it('switches running tenants live, recreates asleep and stopped ones, skips what is up to date or broken', () => {
    const plan = planUpgrade([
      cand({ name: 'a' }), cand({ name: 'b', state: 'exited', asleepAt: 5 }), cand({ name: 'c', state: 'exited' }),
      cand({ name: 'd', imageId: 'new' }), cand({ name: 'e', missing: true }), cand({ name: 'f', upgrade: { image: 'x', step: 'starting', startedAt: 1 } }),
      cand({ name: 'g', secret: null }), cand({ name: 'h', status: 'removing' }),
    ]);
    expect(plan.map((p) => `${p.name} ${p.action} ${p.mode}`)).toEqual([
      'a upgrade running', 'b upgrade asleep', 'c upgrade stopped', 'd skip running', 'e skip stopped', 'f skip running', 'g skip running', 'h skip running',
    ]);
    expect(plan.find((p) => p.name === 'd')?.why).toBe('up to date');
    expect(plan.find((p) => p.name === 'f')?.why).toContain('reconcile');
  });
  it('a new --image with the same ID still moves the row to it; out-of-date needs both IDs', () => {
    expect(planUpgrade([{ ...cand({ imageId: 'new' }), target: { image: 'other', id: 'new' } }])[0]?.action).toBe('upgrade');
    expect([outOfDate('a', 'b'), outOfDate('a', 'a'), outOfDate(undefined, 'a'), outOfDate('a', undefined)]).toEqual([true, false, undefined, undefined]);
  });
  it('an interrupted upgrade is finished from answered on, rolled back before', () => {
    expect((['stopping', 'starting', 'answered'] as UpgradeStep[]).map(recoveryOf)).toEqual(['rollback', 'rollback', 'finish']);
  });
});

describe('--all: the canary, then the rest', () => {
  const ok = (r: string) => r !== 'ok';
  it('a failing canary leaves every other tenant untouched', async () => {
    const ran: string[] = [];
    const out = await runCanary(['a', 'b', 'c'], 4, (t) => (ran.push(t), Promise.resolve(t === 'a' ? 'bad' : 'ok')), ok);
    expect(ran).toEqual(['a']);
    expect(out).toEqual(['bad', 'untouched', 'untouched']);
  });
  it('one at a time by default: the first failure stops the rest', async () => {
    const out = await runCanary(['a', 'b', 'c', 'd'], 1, (t) => Promise.resolve(t === 'b' ? 'bad' : 'ok'), ok);
    expect(out).toEqual(['ok', 'bad', 'untouched', 'untouched']);
  });
  it('--parallel N: never more than N at once after the canary', async () => {
    let now = 0;
    let peak = 0;
    const out = await runCanary([1, 2, 3, 4, 5, 6], 2, async () => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, 5));
      now -= 1;
      return 'ok';
    }, ok);
    expect(peak).toBe(2);
    expect(out.every((r) => r === 'ok')).toBe(true);
    expect(canaryFirst([{ action: 'skip' }, { action: 'upgrade', n: 1 }, { action: 'upgrade', n: 2 }]).canary).toEqual({ action: 'upgrade', n: 1 });
  });
});

describe('reconcile and an upgrade that died', () => {
  it('keeps the route, plans the recovery, and never takes the .next container for the tenant', () => {
    const row = { name: 'alice', port: 1, status: 'active' as const, image: 'img', volume: 'p-alice', containerId: 'x', passwordHash: 'h', createdAt: 1, updatedAt: 1,
      secret: 'p-alice', secretPending: null, desired: 'running' as const, adoptedAt: null, lastActiveAt: null, pinned: false, asleepAt: null,
      stopStartedAt: null, wakeStartedAt: null, upgrade: { image: NEW, step: 'answered' as const, startedAt: 1 },
      lastActiveKind: null, lastActiveDetail: null, ingestHash: null, ingestSecret: null, ingestPending: null };
    const labels = { 'io.feather-tenant.managed': 'true', 'io.feather-tenant.prefix': 'p-', 'io.feather-tenant.tenant': 'alice' };
    const k = (name: string) => ({ id: name, name, state: 'running', image: 'img', labels, hostPorts: [1], startedAt: undefined, createdAt: undefined, pid: 1 });
    const routeFor = () => tenantRoute({ id: 'p-alice', host: 'alice.example', port: 1 });
    const plan = planReconcile({ prefix: 'p-', rows: [row], busy: new Map(), containers: [k('p-alice.next')], routes: [], routeFor });
    expect(plan.actions).toEqual([{ kind: 'finish-upgrade', name: 'alice', image: NEW, start: true }]);
    expect(plan.routeChanges.map((c) => c.change)).toEqual(['add']);
    expect(plan.notes).toEqual([]);
    // list and --adopt see no second (untracked) alice in it either.
    expect(containerTenant('p-', k('p-alice.next'))).toBeUndefined();
    expect(containerTenant('p-', k('p-alice'))).toEqual({ name: 'alice', labelled: true });
    const back = planReconcile({ prefix: 'p-', rows: [{ ...row, upgrade: { ...row.upgrade, step: 'stopping' } }], busy: new Map([['alice', 'upgrade (pid 1)']]), containers: [], routes: [], routeFor });
    expect(back.actions).toEqual([]);
  });
});

describe('the wake holds through a switch', () => {
  const run = (steps: (UpgradeStep | undefined)[], answers: boolean[], deadline = 1_000) => {
    let t = 0;
    let i = 0;
    return awaitSwitch({
      switching: () => steps[Math.min(i, steps.length - 1)],
      probe: () => Promise.resolve(answers[Math.min(i, answers.length - 1)] ?? false),
      now: () => t,
      sleep: () => ((t += 100), (i += 1), Promise.resolve()),
      pollMs: 100,
    }, 'alice', 1, deadline);
  };
  it('no switch: the usual wake', async () => expect(await run([undefined], [true])).toBe(false));
  it('ignores the draining old container, answers once the one that stays does', async () => {
    expect(await run(['stopping', 'stopping', 'starting', 'starting'], [true, true, false, true])).toBe(true);
  });
  it('a switch that ends with nothing answering (asleep, stopped) hands over to the usual wake', async () => {
    expect(await run(['stopping', undefined], [false])).toBe(false);
  });
  it('gives up at its deadline', async () => {
    await expect(run(['starting'], [false], 300)).rejects.toThrow('still switching');
  });
});

describe('upgrade against fake podman', () => {
  let ctx: FakeContext;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    ctx.close();
  });
  /** Something answers HTTP on the tenant's port (the container "is ready"). */
  const answer = (port: number) => new Promise<void>((r) => {
    server = createServer((_q, res) => res.end('ok')).listen(port, '127.0.0.1', () => r());
  });

  function tenant(name: string, state: string): number {
    const store = ctx.store();
    const row = store.reserve({ name, image: ctx.config.image, volume: `fake-${name}`, range: ctx.config.ports, alsoUsed: new Set(), now: ctx.now() });
    store.activate(name, `id-${name}`, 'scrypt$hash', ctx.now());
    ctx.podman.containers.set(`fake-${name}`, { id: `id-${name}`, name: `fake-${name}`, state, image: ctx.config.image, imageId: `id:${ctx.config.image}`,
      labels: { ...tenantLabels(ctx.config, name), [LABEL_SECRET]: `fake-${name}` }, hostPorts: [row.port] });
    return row.port;
  }
  const changes = () => ctx.podman.calls.filter((c) => !/^(imageId|listContainersNamed|containerState|inspectContainer|logsTail)/.test(c));

  it('an image podman does not have: exit 1 with the podman load hint, nothing changed', async () => {
    ctx = fakeContext();
    tenant('alice', 'running');
    const err = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false }).then(() => undefined, (e: unknown) => e as FeatherError);
    expect(err?.exitCode).toBe(EXIT.failed);
    expect(err?.hint).toContain('podman load');
    expect(changes()).toEqual([]);
  });

  it('--dry-run plans and changes nothing', async () => {
    ctx = fakeContext();
    ctx.podman.images.add(NEW);
    tenant('alice', 'running');
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: true });
    expect(r.tenants).toMatchObject([{ name: 'alice', outcome: 'upgraded', mode: 'running', toId: `id:${NEW}` }]);
    expect(changes()).toEqual([]);
  });

  it('a running tenant: old stopped while the new one is created, the new one started, then the old one goes and the new one takes its name', async () => {
    ctx = fakeContext();
    ctx.podman.images.add(NEW);
    await answer(tenant('alice', 'running'));
    ctx.store().switchIngest('alice', 'fake-alice.ingest-1', 'hash', null, ctx.now());
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false });
    expect(r).toMatchObject({ failed: 0, tenants: [{ outcome: 'upgraded', mode: 'running' }] });
    // Its password and its summary ingest token go with it.
    expect(ctx.podman.containers.get('fake-alice')?.secrets).toEqual(['fake-alice', 'fake-alice.ingest-1']);
    expect(changes()).toEqual(['stopContainer fake-alice', 'create fake-alice.next', 'startContainer fake-alice.next', 'removeContainer fake-alice', 'renameContainer fake-alice.next fake-alice']);
    expect(ctx.podman.containers.get('fake-alice')).toMatchObject({ state: 'running', image: NEW });
    expect(ctx.store().get('alice')).toMatchObject({ image: NEW, upgrade: null });
  });

  it('a new container that never answers: removed, the old one started again, RolledBack (exit 1), the row as it was', async () => {
    ctx = fakeContext({ FEATHER_TENANT_READY_TIMEOUT: '1' });
    ctx.podman.images.add(NEW);
    const port = tenant('alice', 'running');
    // Only the old container answers: started again by the rollback.
    const start = ctx.podman.startContainer.bind(ctx.podman);
    ctx.podman.startContainer = async (n: string) => {
      await start(n);
      if (n === 'fake-alice') await answer(port);
    };
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false });
    expect(r).toMatchObject({ failed: 1, tenants: [{ outcome: 'rolled back' }] });
    expect(r.tenants[0]?.error).toContain('did not answer HTTP');
    expect(changes()).toEqual(['stopContainer fake-alice', 'create fake-alice.next', 'startContainer fake-alice.next', 'removeContainer fake-alice.next', 'startContainer fake-alice']);
    expect(ctx.podman.containers.get('fake-alice')).toMatchObject({ state: 'running', image: ctx.config.image });
    expect(ctx.store().get('alice')).toMatchObject({ image: ctx.config.image, upgrade: null });
  });

  it('two upgrades of one tenant at once: the second, once it has the lock, finds it up to date and switches nothing', async () => {
    // The fake clock moves 1 s a read: the second one's wait for the lock must not run out.
    ctx = fakeContext({ FEATHER_TENANT_LOCK_TIMEOUT: '100000' });
    ctx.podman.images.add(NEW);
    await answer(tenant('alice', 'running'));
    const o = { names: ['alice'], all: false, image: NEW, dryRun: false };
    const [a, b] = await Promise.all([upgrade(ctx, o), upgrade(ctx, o)]);
    expect([a.tenants[0]?.outcome, b.tenants[0]?.outcome].sort(), JSON.stringify([a, b])).toEqual(['skipped', 'upgraded']);
    expect(changes().filter((c) => c.startsWith('stopContainer'))).toEqual(['stopContainer fake-alice']);
    expect(ctx.podman.containers.get('fake-alice')).toMatchObject({ state: 'running', image: NEW });
  });

  it('a new container that answers, then exits a moment later: rolled back, not committed (a canary that dies must stop --all)', async () => {
    ctx = fakeContext({ FEATHER_TENANT_READY_TIMEOUT: '2' });
    ctx.podman.images.add(NEW);
    const port = tenant('alice', 'running');
    const start = ctx.podman.startContainer.bind(ctx.podman);
    ctx.podman.startContainer = async (n: string) => {
      await start(n);
      await answer(port);
      if (n !== 'fake-alice.next') return;
      // The new app answers, then crashes 300 ms later.
      setTimeout(() => {
        const k = ctx.podman.containers.get('fake-alice.next');
        if (k) k.state = 'exited';
        server?.close();
        server = undefined;
      }, 300);
    };
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false });
    expect(r).toMatchObject({ failed: 1, tenants: [{ outcome: 'rolled back' }] });
    expect(r.tenants[0]?.error).toContain('exited');
    expect(ctx.podman.containers.get('fake-alice')).toMatchObject({ state: 'running', image: ctx.config.image });
    expect(ctx.podman.containers.has('fake-alice.next')).toBe(false);
    expect(ctx.store().get('alice')).toMatchObject({ image: ctx.config.image, upgrade: null });
  });

  it('asleep and stopped tenants are recreated, never started', async () => {
    ctx = fakeContext();
    ctx.podman.images.add(NEW);
    tenant('bob', 'exited');
    const r = await upgrade(ctx, { names: ['bob'], all: false, image: NEW, dryRun: false });
    expect(r.tenants).toMatchObject([{ outcome: 'upgraded', mode: 'stopped' }]);
    expect(changes()).toEqual(['create fake-bob.next', 'removeContainer fake-bob', 'renameContainer fake-bob.next fake-bob']);
    expect(ctx.podman.containers.get('fake-bob')).toMatchObject({ state: 'created', image: NEW });
  });

  it('waits for a sweep that is stopping the tenant, then recreates it asleep rather than starting it', async () => {
    ctx = fakeContext({ FEATHER_TENANT_READY_TIMEOUT: '2' });
    ctx.podman.images.add(NEW);
    tenant('alice', 'running');
    ctx.db.prepare('UPDATE tenants SET stop_started_at = ? WHERE name = ?').run(ctx.now() + 1e9, 'alice');
    // The sweep's stop ends a moment later: container exited, tenant asleep, lease released.
    setTimeout(() => {
      const k = ctx.podman.containers.get('fake-alice');
      if (k) k.state = 'exited';
      ctx.db.prepare('UPDATE tenants SET stop_started_at = NULL, asleep_at = ? WHERE name = ?').run(ctx.now(), 'alice');
    }, 150);
    const r = await upgrade(ctx, { names: ['alice'], all: false, image: NEW, dryRun: false });
    expect(r.tenants).toMatchObject([{ outcome: 'upgraded', mode: 'asleep' }]);
    expect(changes()).toEqual(['create fake-alice.next', 'removeContainer fake-alice', 'renameContainer fake-alice.next fake-alice']);
  });

  it('bad input is exit 2 before anything is read', async () => {
    ctx = fakeContext();
    for (const o of [{ names: [], all: false }, { names: ['a'], all: true }, { names: ['a'], all: false, parallel: '0' }, { names: ['A'], all: false }, { names: ['a'], all: false, image: 'Bad Image' }]) {
      const err = await upgrade(ctx, { dryRun: false, ...o }).then(() => undefined, (e: unknown) => e as FeatherError);
      expect(err?.exitCode).toBe(EXIT.usage);
    }
    expect(ctx.podman.calls).toEqual([]);
  });
});
