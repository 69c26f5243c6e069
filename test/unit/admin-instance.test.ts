import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { adminSwap, adminStatus } from '../../src/commands/admin.js';
import { reconcile } from '../../src/commands/reconcile.js';
import { adminRoute } from '../../src/caddy/admin-route.js';
import { adminContainer, adminLabels, adminRunSpec, planAdmin, planSwap, type Colour } from '../../src/core/admin.js';
import { resolveConfig } from '../../src/core/config.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { runArgv } from '../../src/podman/run-args.js';
import { freePort } from '../helpers/net.js';
import { fakeContext, type FakeContext } from '../fakes/context.js';

// The admin instance against fake podman and Caddy (real SQLite, real loopback ports for the
// "answers HTTP" wait): the swap's plan and order, the refusals, and reconcile's admin step. The
// same paths run through a real Caddy in test/e2e/admin-swap.test.ts.

let ctx: FakeContext | undefined;
let servers: Server[] = [];
afterEach(async () => {
  ctx?.close();
  ctx = undefined;
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

const HOST = 'admin.example.test';

async function adminContext(extra: Record<string, string> = {}): Promise<FakeContext> {
  const ports = [await freePort(), await freePort()];
  ctx = fakeContext({ FEATHER_TENANT_ADMIN_HOST: HOST, FEATHER_TENANT_ADMIN_PORTS: ports.join(','), FEATHER_TENANT_READY_TIMEOUT: '0.5', ANTHROPIC_API_KEY: 'sk-unit', ...extra });
  return ctx;
}

/** An app answering HTTP on the colour's port, as a started container would. */
async function answering(c: FakeContext, colour: Colour): Promise<void> {
  const server = createServer((_q, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((r) => server.listen(c.config.adminPorts[colour === 'blue' ? 0 : 1], '127.0.0.1', r));
}

function running(c: FakeContext, colour: Colour, state = 'running'): void {
  const name = adminContainer(c.config, colour);
  c.podman.containers.set(name, { id: `id-${colour}`, name, state, image: c.config.image, labels: adminLabels(c.config, colour), hostPorts: [] });
}

const adminRoutePort = (c: FakeContext) => {
  const r = c.caddy.routes.find((x) => x['@id'] === 'fake-admin');
  return JSON.stringify(r?.handle).match(/127\.0\.0\.1:(\d+)/)?.[1];
};

/** Another live process's `admin swap` holds the lock (the fake's probe takes our pid for alive). */
function holdAdminLock(c: FakeContext): void {
  c.db.prepare("INSERT INTO locks (key, pid, pid_start, command, acquired_at) VALUES ('admin', ?, NULL, 'admin swap', 0)").run(process.pid);
}

async function failure(p: Promise<unknown>): Promise<FeatherError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FeatherError);
  return err as FeatherError;
}

describe('the admin plans (pure)', () => {
  const c = resolveConfig({ FEATHER_TENANT_PREFIX: 'p-', FEATHER_TENANT_ADMIN_PORTS: '7001,7002' });

  it('swap: the standby is the other colour on the other port; blue when none ran yet', () => {
    expect(planSwap(c, { live: 'blue', image: 'i', existing: new Set() })).toEqual({ live: 'blue', standby: 'green', port: 7002, image: 'i', removeStandby: false });
    expect(planSwap(c, { live: 'green', image: 'i', existing: new Set(['p-admin.blue']) })).toMatchObject({ standby: 'blue', port: 7001, removeStandby: true });
    expect(planSwap(c, { live: undefined, image: 'i', existing: new Set() })).toMatchObject({ standby: 'blue', port: 7001 });
  });

  it('reconcile: creates, starts and routes the recorded colour, stops the other one', () => {
    const world = (live: Colour | undefined, containers: [Colour, string][], routed?: Colour) => ({
      live: live && { colour: live, image: 'img' }, containers: new Map(containers), routeOk: (x: Colour) => x === routed,
    });
    expect(planAdmin(c, world(undefined, []))).toEqual([{ kind: 'create', colour: 'blue', image: c.image }, { kind: 'route', colour: 'blue', port: 7001 }]);
    expect(planAdmin(c, world('green', [['green', 'exited'], ['blue', 'running']], 'blue'))).toEqual([
      { kind: 'start', colour: 'green' }, { kind: 'route', colour: 'green', port: 7002 }, { kind: 'stop', colour: 'blue' },
    ]);
    expect(planAdmin(c, world('green', [['green', 'running'], ['blue', 'exited']], 'green'))).toEqual([]);
  });

  it('runs secure by default, with the API keys as secrets named, never valued, in argv', () => {
    const spec = adminRunSpec(c, 'green', 'img', ['ANTHROPIC_API_KEY']);
    const argv = runArgv('run', spec).join(' ');
    for (const part of [
      '--cap-drop ALL', '--security-opt no-new-privileges', '--user 1000:1000', '--publish 127.0.0.1:7002:8080',
      '--volume feather-admin-home:/home/user', '--secret p-admin.green.key-ANTHROPIC_API_KEY,type=env,target=ANTHROPIC_API_KEY',
    ]) expect(argv).toContain(part);
  });

  it('settings: bad ports, host or volume exit 2', () => {
    for (const env of [{ FEATHER_TENANT_ADMIN_PORTS: '8080' }, { FEATHER_TENANT_ADMIN_PORTS: '8080,8080' }, { FEATHER_TENANT_ADMIN_PORTS: '8080,70000' },
      { FEATHER_TENANT_ADMIN_HOST: 'bad host' }, { FEATHER_TENANT_ADMIN_VOLUME: 'a:b' }, { FEATHER_TENANT_ADMIN_VOLUME: '../x' }]) {
      expect(() => resolveConfig(env), JSON.stringify(env)).toThrow(FeatherError);
    }
    expect(resolveConfig({ FEATHER_TENANT_ADMIN_VOLUME: '/srv/admin' }).adminVolume).toBe('/srv/admin');
  });
});

describe('admin swap', () => {
  it('starts the standby, waits for it, records it, switches the route in one change, stops the old colour', async () => {
    const c = await adminContext();
    c.admin().setLive('blue', c.config.image, c.now());
    running(c, 'blue');
    await answering(c, 'green');
    const r = await adminSwap(c, { drainSeconds: '0' });
    expect(r).toMatchObject({ from: 'blue', to: 'green', port: c.config.adminPorts[1], stopped: 'fake-admin.blue' });
    const order = c.podman.calls.filter((x) => /^(run|stopContainer|createSecret)/.test(x));
    expect(order).toEqual(['createSecret fake-admin.green.key-ANTHROPIC_API_KEY', 'run fake-admin.green', 'stopContainer fake-admin.blue']);
    expect(c.podman.secrets.get('fake-admin.green.key-ANTHROPIC_API_KEY')).toBe('sk-unit');
    expect(adminRoutePort(c)).toBe(String(c.config.adminPorts[1]));
    expect(c.admin().live()?.colour).toBe('green');
    expect((await adminStatus(c)).containers.map((k) => k.state)).toEqual(['exited', 'running']);
  });

  it('without a record (a lost state), the colour the route dials is the live one: it keeps serving', async () => {
    const c = await adminContext();
    running(c, 'green');
    await c.caddy.insertRoute('srv0', adminRoute(c.config, HOST, c.config.adminPorts[1]));
    await answering(c, 'blue');
    const r = await adminSwap(c, { drainSeconds: '0' });
    expect(r).toMatchObject({ from: 'green', to: 'blue', stopped: 'fake-admin.green' });
    expect(c.podman.calls).not.toContain('removeContainer fake-admin.green');
    expect(adminRoutePort(c)).toBe(String(c.config.adminPorts[0]));
  });

  it('after a swap killed between its record and its switch (record green, route blue), the colour the route dials keeps serving', async () => {
    const c = await adminContext();
    c.admin().setLive('green', c.config.image, c.now());
    running(c, 'blue');
    running(c, 'green');
    await c.caddy.insertRoute('srv0', adminRoute(c.config, HOST, c.config.adminPorts[0]));
    await answering(c, 'green');
    const r = await adminSwap(c, { drainSeconds: '0' });
    // Blue serves every request until the route leaves it: never removed under them.
    expect(c.podman.calls).not.toContain('removeContainer fake-admin.blue');
    expect(r).toMatchObject({ from: 'blue', to: 'green', stopped: 'fake-admin.blue' });
    expect(adminRoutePort(c)).toBe(String(c.config.adminPorts[1]));
    expect(c.admin().live()?.colour).toBe('green');
  });

  it('a standby that never answers is removed with its secrets; nothing is switched or recorded; exit 1', async () => {
    const c = await adminContext();
    c.admin().setLive('blue', c.config.image, c.now());
    running(c, 'blue');
    await answering(c, 'blue');
    const routesBefore = structuredClone(c.caddy.routes);
    const err = await failure(adminSwap(c, { drainSeconds: '0' }));
    expect(err.exitCode).toBe(EXIT.failed);
    expect(err.message).toContain('did not answer HTTP');
    expect(err.message).toContain('the admin route was not switched');
    expect(c.podman.containers.has('fake-admin.green')).toBe(false);
    expect(c.podman.secrets.size).toBe(0);
    expect(c.caddy.routes).toEqual(routesBefore);
    expect(c.admin().live()?.colour).toBe('blue');
    expect(c.podman.containers.get('fake-admin.blue')?.state).toBe('running');
  });

  it('an image podman does not have: exit 1 before anything, with the hint to podman load', async () => {
    const c = await adminContext();
    const err = await failure(adminSwap(c, { image: 'localhost/absent:1', drainSeconds: '0' }));
    expect(err.exitCode).toBe(EXIT.failed);
    expect(err.hint).toContain('podman load');
    expect(c.podman.calls.filter((x) => !x.startsWith('imageExists'))).toEqual([]);
  });

  it('without FEATHER_TENANT_ADMIN_HOST, or with a bad --drain: exit 2, nothing touched', async () => {
    const bare = fakeContext();
    expect((await failure(adminSwap(bare, { drainSeconds: '0' }))).exitCode).toBe(EXIT.usage);
    bare.close();
    const c = await adminContext();
    expect((await failure(adminSwap(c, { drainSeconds: '-1' }))).exitCode).toBe(EXIT.usage);
    expect(c.podman.calls).toEqual([]);
  });

  it('takes the admin lock: a second swap meanwhile gives up with a conflict (exit 4)', async () => {
    const c = await adminContext({ FEATHER_TENANT_LOCK_TIMEOUT: '0' });
    holdAdminLock(c);
    const err = await failure(adminSwap(c, { drainSeconds: '0' }));
    expect(err.exitCode).toBe(EXIT.conflict);
  });
});

describe("reconcile's admin step", () => {
  it('after a restart: starts and routes the recorded colour and stops the other', async () => {
    const c = await adminContext();
    c.admin().setLive('green', c.config.image, c.now());
    running(c, 'green', 'exited');
    running(c, 'blue', 'running');
    await answering(c, 'green');
    const r = await reconcile(c, { dryRun: false, adopt: false });
    expect(r.failed).toBe(0);
    expect(r.changes.filter((x) => x.target === 'admin').map((x) => x.action)).toEqual(['start admin', 'route admin', 'stop admin']);
    expect(c.podman.containers.get('fake-admin.green')?.state).toBe('running');
    expect(c.podman.containers.get('fake-admin.blue')?.state).toBe('exited');
    expect(adminRoutePort(c)).toBe(String(c.config.adminPorts[1]));
    const again = await reconcile(c, { dryRun: false, adopt: false });
    expect(again.changes).toEqual([]);
  });

  it('without a record, keeps the colour the route dials, and records it', async () => {
    const c = await adminContext();
    running(c, 'green');
    await c.caddy.insertRoute('srv0', adminRoute(c.config, HOST, c.config.adminPorts[1]));
    const r = await reconcile(c, { dryRun: false, adopt: false });
    expect(r.changes.filter((x) => x.target === 'admin')).toEqual([]);
    running(c, 'green', 'exited');
    await answering(c, 'green');
    await reconcile(c, { dryRun: false, adopt: false });
    expect(c.admin().live()?.colour).toBe('green');
    expect(c.podman.containers.has('fake-admin.blue')).toBe(false);
  });

  it('skips the admin while a swap holds its lock', async () => {
    const c = await adminContext();
    holdAdminLock(c);
    const r = await reconcile(c, { dryRun: false, adopt: false });
    expect(r.changes.filter((x) => x.target === 'admin').every((x) => x.skipped !== undefined)).toBe(true);
    expect(c.podman.calls.some((x) => x.startsWith('run'))).toBe(false);
  });
});
