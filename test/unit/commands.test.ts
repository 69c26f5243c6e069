import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { add } from '../../src/commands/add.js';
import { reconcile } from '../../src/commands/reconcile.js';
import { remove } from '../../src/commands/remove.js';
import { sweep } from '../../src/commands/sweep.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { tenantLabels } from '../../src/core/tenant.js';
import { SleepStore } from '../../src/store/sleep.js';
import { fakeContext, type FakeContext } from '../fakes/context.js';

// Commands against fake podman and Caddy (test/fakes/) with real SQLite: what a command decides
// and undoes, without an engine. The same paths run for real in test/e2e/.
let ctx: FakeContext;
afterEach(() => ctx.close());

/** An active tenant in state, as add leaves it (container and route are up to each test). */
function tenant(name: string, o: { desired?: 'running' | 'stopped'; lastActiveAt?: number } = {}): void {
  const store = ctx.store();
  const row = store.reserve({ name, image: ctx.config.image, volume: `fake-${name}`, range: ctx.config.ports, alsoUsed: new Set(), now: ctx.now() });
  store.activate(name, 'id-of-' + name, 'scrypt$hash', ctx.now());
  if (o.desired) store.setDesired(name, o.desired, ctx.now());
  if (o.lastActiveAt !== undefined) ctx.db.prepare('UPDATE tenants SET last_active_at = ? WHERE name = ?').run(o.lastActiveAt, name);
  void row;
}

function container(name: string, state: string): void {
  ctx.podman.containers.set(`fake-${name}`, { id: `id-of-${name}`, name: `fake-${name}`, state, image: ctx.config.image, labels: tenantLabels(ctx.config, name), hostPorts: [] });
}

async function failure(p: Promise<unknown>): Promise<FeatherError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FeatherError);
  return err as FeatherError;
}

describe('add rolls back', () => {
  it('a failing run: the container, network, secret and row go; a volume that existed before stays', async () => {
    ctx = fakeContext();
    ctx.podman.volumes.set('fake-alice', { mine: 'yes' });
    ctx.podman.failOn.add('run');
    await failure(add(ctx, { name: 'alice' }));
    expect([...ctx.podman.volumes.keys()]).toEqual(['fake-alice']);
    expect(ctx.podman.containers.size).toBe(0);
    expect(ctx.podman.networks.size).toBe(0);
    expect(ctx.podman.secrets.size).toBe(0);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(ctx.caddy.routes).toEqual([]);
  });

  it('a failing secret: the volume this add created goes too', async () => {
    ctx = fakeContext();
    ctx.podman.failOn.add('createSecret');
    await failure(add(ctx, { name: 'alice' }));
    expect(ctx.podman.calls).toContain('createVolume fake-alice');
    expect(ctx.podman.volumes.size).toBe(0);
    expect(ctx.podman.networks.size).toBe(0);
    expect(ctx.store().get('alice')).toBeUndefined();
  });
});

describe('remove', () => {
  it('treats objects already gone as removed: the row goes and it succeeds', async () => {
    ctx = fakeContext();
    tenant('alice');
    const r = await remove(ctx, { name: 'alice', purge: false, yes: false });
    expect(r.removed).toEqual(['state of alice']);
    expect(ctx.store().get('alice')).toBeUndefined();
    expect(ctx.podman.calls).toEqual(expect.arrayContaining(['removeNetwork fake-alice', 'removeSecret fake-alice']));
  });

  it('of a name nothing is known of: no tenant named (exit 3), nothing changed', async () => {
    ctx = fakeContext();
    ctx.podman.volumes.set('fake-alice', {});
    const err = await failure(remove(ctx, { name: 'alice', purge: false, yes: false }));
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.hint).toContain('volume fake-alice is kept');
    expect(ctx.podman.volumes.has('fake-alice')).toBe(true);
  });
});

describe('reconcile applies its plan', () => {
  it('creates the missing container of a stopped tenant and restores its route; a second run changes nothing', async () => {
    ctx = fakeContext();
    tenant('alice', { desired: 'stopped' });
    const first = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(first.failed).toBe(0);
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('created');
    expect(ctx.caddy.routes.map((r) => r['@id'])).toContain('fake-alice');
    const second = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(second.changes).toEqual([]);
  });

  it('--dry-run changes nothing', async () => {
    ctx = fakeContext();
    tenant('alice', { desired: 'stopped' });
    const r = await reconcile(ctx, { dryRun: true, adopt: false });
    expect(r.changes.length).toBeGreaterThan(0);
    expect(ctx.podman.containers.size).toBe(0);
    expect(ctx.caddy.routes).toEqual([]);
  });
});

describe('sweep claims each stop first', () => {
  const env = (ctxDir: string) => ({ FEATHER_TENANT_ACCESS_LOG: join(ctxDir, 'no-access.log'), FEATHER_TENANT_IDLE_MINUTES: '1' });

  it('stops an idle tenant, keeps a pinned one', async () => {
    ctx = fakeContext(env('/nonexistent'));
    tenant('idle', { lastActiveAt: 1 });
    tenant('pinned', { lastActiveAt: 1 });
    new SleepStore(ctx.db).setPinned('pinned', true, ctx.now());
    container('idle', 'running');
    container('pinned', 'running');
    ctx.advance(10 * 60_000);
    const r = await sweep(ctx, { dryRun: false });
    expect(r.stopped.map((s) => s.name)).toEqual(['idle']);
    expect(r.kept.map((k) => [k.name, k.reason])).toEqual([['pinned', 'pinned']]);
    expect(ctx.podman.containers.get('fake-idle')?.state).toBe('exited');
    expect(ctx.store().get('idle')?.asleepAt).not.toBeNull();
  });

  it('a wake that began after the plan wins: the tenant is kept as woken and not stopped', async () => {
    ctx = fakeContext(env('/nonexistent'));
    tenant('alice', { lastActiveAt: 1 });
    container('alice', 'running');
    ctx.advance(10 * 60_000);
    // The wake server claims the tenant while sweep reads podman: after sweep read the rows.
    const list = ctx.podman.listContainers.bind(ctx.podman);
    ctx.podman.listContainers = async (filter) => {
      const got = await list(filter);
      expect(new SleepStore(ctx.db).beginWake('alice', ctx.now())).toBeDefined();
      return got;
    };
    const r = await sweep(ctx, { dryRun: false });
    expect(r.stopped).toEqual([]);
    expect(r.kept.map((k) => [k.name, k.reason])).toEqual([['alice', 'woken']]);
    expect(ctx.podman.calls.some((c) => c.startsWith('stopContainers'))).toBe(false);
    expect(ctx.podman.containers.get('fake-alice')?.state).toBe('running');
  });
});

describe('sweep counts usage once', () => {
  it('a sweep that ran meanwhile (cron beside the watchdog) read the same log lines: they are not counted twice', async () => {
    const { mkdtempSync, writeFileSync, appendFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ftt-unit-log-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'access.log');
    ctx = fakeContext({ FEATHER_TENANT_ACCESS_LOG: log, FEATHER_TENANT_IDLE_MINUTES: '60' });
    tenant('alice');
    const line = (ts: number) => `${JSON.stringify({ ts, request: { host: `alice.${ctx.config.domain}`, method: 'GET', uri: '/', remote_ip: '10.0.0.1' } })}\n`;
    writeFileSync(log, line(1_700_000_000));
    await sweep(ctx, { dryRun: false });
    appendFileSync(log, line(1_700_000_001) + line(1_700_000_002));
    // The second sweep runs while the first waits for podman ps, after the first read the log position.
    const list = ctx.podman.listContainers.bind(ctx.podman);
    let inner = true;
    ctx.podman.listContainers = async (f) => {
      if (inner) {
        inner = false;
        await sweep(ctx, { dryRun: false });
      }
      return list(f);
    };
    await sweep(ctx, { dryRun: false });
    expect(ctx.usage().days('2000-01-01').map((d) => d.requests)).toEqual([3]);
  });
});
