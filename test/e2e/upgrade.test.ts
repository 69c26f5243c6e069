import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { DOMAIN, NODE_IMAGE, waitFor } from '../helpers/stack.js';
import { SESSION_COOKIE, startGatedStack, type GatedStack } from '../helpers/gated.js';
import { steadyLoad, type LoadReport } from '../helpers/steady-load.js';
import { buildVariant, imageIdOf, type VariantImage } from '../helpers/variant-image.js';
import { podman, state } from '../helpers/podman.js';
import { NOW, sleepAll, sweepJson } from '../helpers/wake.js';
import { wsOpen } from '../helpers/websocket.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';

// `upgrade` through the real stack (Caddy, the login gate, the watchdog's wake server, podman):
// under a steady load of GETs and POSTs with bodies (one every 50 ms, clients following
// redirects), a running tenant moves to a new image and every request succeeds; an image whose
// app never answers is rolled back, again with every request answered; `--all` stops at a
// failing canary. The "new images" are the Node stand-in with another label, and one that never listens.
// Over 200 lines: the tests share one gated stack and its images (a stack and two builds cost ~10 s).

let g: GatedStack;
let good: VariantImage;
let broken: VariantImage;
/** Answers like the stand-in, then exits 2 s after it started (`timeout` sends SIGTERM). */
let crashy: VariantImage;
let cookie: string;
const LOAD_MS = 50;
/**
 * Short, so a rollback's held requests wait seconds, not the default 45 s; the watchdog has the
 * same: a rollback holds requests longer than one ready timeout (the new container's, then the
 * old one's start), which a plain wake's hold (up to one ready timeout) would answer with 503.
 */
const READY = { FEATHER_TENANT_READY_TIMEOUT: '4' };

beforeAll(async () => {
  [good, broken, crashy] = await Promise.all([
    buildVariant(NODE_IMAGE), buildVariant(NODE_IMAGE, { cmd: ['/bin/sleep', '3600'] }), buildVariant(NODE_IMAGE, { cmd: ['/bin/timeout', '2', '/usr/bin/node', '/srv/server.mjs'] }),
  ]);
  g = await startGatedStack({ secret: 'upgrade-test-secret-0123456789abcdef', tenants: ['alice'], ports: 6, env: { FEATHER_TENANT_IMAGE: NODE_IMAGE, ...READY } });
  cookie = await login('alice', g.pw.alice as string);
  expect(cookie).toBeTruthy();
});
afterAll(async () => {
  await g?.cleanup();
  await Promise.all([good?.remove(), broken?.remove(), crashy?.remove()]);
});

/**
 * A session for the tenant (its cookie value). Retried until the gate answers 303: right after the
 * watchdog starts, its Redis connection may still be coming up (503, try again).
 */
async function login(name: string, password: string): Promise<string> {
  let set = '';
  await waitFor(async () => {
    const r = await g.s.get(name, '/_feather/login', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password, next: '/' }).toString(),
    });
    set = String(r.headers['set-cookie']);
    return r.status === 303;
  }, 20_000, `a session for ${name}`);
  return new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(set)?.[1] as string;
}

const obj = (name: string) => `${g.s.prefix}${name}`;
const authed = () => ({ cookie: `${SESSION_COOKIE}=${cookie}` });

/** Runs `fn` under the steady load on `name` and returns the load's report once every request has ended. */
async function underLoad<T>(name: string, fn: () => Promise<T>): Promise<{ out: T; load: LoadReport }> {
  const load = steadyLoad({ port: g.s.httpPort, host: `${name}.${DOMAIN}`, everyMs: LOAD_MS, headers: authed() });
  await new Promise((r) => setTimeout(r, 500));
  const out = await fn();
  await new Promise((r) => setTimeout(r, 500));
  return { out, load: await load.stop() };
}

const exec = async (name: string, cmd: string) => (await podman('exec', obj(name), 'sh', '-c', cmd)).stdout;

describe('upgrade a running tenant under load', () => {
  it('moves it to the new image with every request answered; data, password and session intact', async () => {
    await exec('alice', 'echo precious > /home/user/data');
    const secretBefore = await exec('alice', 'cat /run/secrets/feather-password');
    // A token rotated before the upgrade (a new secret, its container recreated) goes with it too.
    const rotated = await g.s.run(['rotate-ingest-token', 'alice']);
    expect(rotated.exitCode, rotated.stderr).toBe(0);
    const tokenBefore = await exec('alice', 'cat /run/secrets/feather-ingest-token');
    expect(tokenBefore.length).toBeGreaterThan(20);
    const caddyChanges = g.s.configChanges();
    const { out: r, load } = await underLoad('alice', () => g.s.run(['upgrade', 'alice', '--image', good.ref, '--json']));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ failed: 0, tenants: [{ name: 'alice', outcome: 'upgraded', mode: 'running', toId: good.id }] });
    expect(load.failures).toEqual([]);
    expect(load.sent).toBeGreaterThan(10);
    expect(g.s.configChanges()).toBe(caddyChanges);
    expect(await imageIdOf(obj('alice'))).toBe(good.id);
    expect(await exec('alice', 'cat /home/user/data')).toBe('precious');
    expect(await exec('alice', 'cat /run/secrets/feather-password')).toBe(secretBefore);
    expect(await exec('alice', 'cat /run/secrets/feather-ingest-token')).toBe(tokenBefore);
    expect(await exec('alice', 'echo "$FEATHER_INGEST_TOKEN_FILE"')).toBe('/run/secrets/feather-ingest-token');
    const page = await g.s.get('alice', '/', { headers: authed() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('tenant=alice');
    const shown = JSON.parse((await g.s.run(['show', 'alice', '--json'])).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ image: good.ref, imageId: good.id, outOfDate: false, upgrading: null, state: 'running' });
    // Nothing of the switch is left: one container of alice's, no upgrade in state.
    expect((await podman('ps', '-a', '--format', '{{.Names}}')).stdout.split('\n').filter((n) => n.startsWith(obj('alice')))).toEqual([obj('alice')]);
  });

  it('rolls back an image whose app never answers, every request answered by the old one; exit 1 with its logs', async () => {
    const before = await imageIdOf(obj('alice'));
    const db = new Database(join(g.s.stateDir, 'state.db'), { readonly: true, timeout: 5000 });
    const switching = () => (db.prepare('SELECT upgrade_step AS s FROM tenants WHERE name = ?').get('alice') as { s: string | null }).s !== null;
    // A sweep that would stop anything idle, run while the switch is on: it leaves alice alone.
    const sweepDuring = async () => {
      await waitFor(() => Promise.resolve(switching()), 20_000, 'the switch to begin');
      return sweepJson(g.s, NOW.idle, { env: NOW.env });
    };
    const { out: [r, swept], load } = await underLoad('alice', () => Promise.all([g.s.run(['upgrade', 'alice', '--image', broken.ref], READY), sweepDuring()]));
    db.close();
    // Nothing stopped, and alice is not marked asleep afterwards (checked below with list).
    expect(swept.stopped).toEqual([]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/alice\s+rolled back/);
    expect(r.stderr).toContain('did not answer HTTP');
    expect(r.stderr).toContain('rolled back to the old one');
    expect(load.failures).toEqual([]);
    expect(await imageIdOf(obj('alice'))).toBe(before);
    expect(await state(g.s, 'alice')).toBe('running');
    expect(await exec('alice', 'cat /home/user/data')).toBe('precious');
    expect(JSON.parse((await g.s.run(['show', 'alice', '--json'])).stdout)).toMatchObject({ image: good.ref, upgrading: null });
    expect((JSON.parse((await g.s.run(['list', '--json'])).stdout) as { name: string; state: string }[]).find((e) => e.name === 'alice')?.state).toBe('running');
    expect(await podman('container', 'exists', `${obj('alice')}.next`).then((x) => x.exitCode)).toBe(1);
  });

  it("keeps another tenant's WebSocket open; one opened during the switch is held, then spliced to the new container", async () => {
    const added = await g.s.run(['add', 'erin', '--json']);
    expect(added.exitCode, added.stderr).toBe(0);
    const erin = await wsOpen(g.s.httpPort, `erin.${DOMAIN}`, '/ws', { cookie: `${SESSION_COOKIE}=${await login('erin', (JSON.parse(added.stdout) as { password: string }).password)}` });
    expect(erin.status).toBe(101);
    const db = new Database(join(g.s.stateDir, 'state.db'), { readonly: true, timeout: 5000 });
    const step = () => (db.prepare('SELECT upgrade_step AS s FROM tenants WHERE name = ?').get('alice') as { s: string | null }).s;
    try {
      const upgrading = g.s.run(['upgrade', 'alice', '--image', NODE_IMAGE]);
      // Opened while the old container is going and the new one is not up yet.
      while (step() === null) await new Promise((r) => setTimeout(r, 5));
      const during = await wsOpen(g.s.httpPort, `alice.${DOMAIN}`, '/during', authed());
      expect(during.status).toBe(101);
      expect(during.first).toContain('"path":"/during"');
      expect(await during.send('hi')).toBe('echo:hi');
      during.close();
      expect((await upgrading).exitCode).toBe(0);
      expect(await erin.send('still here')).toBe('echo:still here');
    } finally {
      db.close();
      erin.close();
    }
    expect((await g.s.run(['remove', 'erin', '--purge', '--yes'])).exitCode).toBe(0);
  });

  it('refuses an image podman does not have before changing anything (exit 1, podman load hint); bad input is exit 2', async () => {
    const before = await imageIdOf(obj('alice'));
    const r = await g.s.run(['upgrade', 'alice', '--image', 'localhost/feather-no-such-image:v9']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("not in podman's storage");
    expect(r.stderr).toContain('podman load');
    expect((await g.s.run(['upgrade'])).exitCode).toBe(2);
    expect((await g.s.run(['upgrade', 'alice', '--all'])).exitCode).toBe(2);
    expect((await g.s.run(['upgrade', 'alice', '--parallel', '0'])).exitCode).toBe(2);
    expect((await g.s.run(['upgrade', 'Alice'])).exitCode).toBe(2);
    expect((await g.s.run(['upgrade', 'nobody'])).exitCode).toBe(3);
    expect(await imageIdOf(obj('alice'))).toBe(before);
  });
});

describe('upgrade --all', () => {
  let tagged: VariantImage | undefined;
  afterAll(async () => {
    await tagged?.remove();
  });

  it('sees a new image loaded under the same tag, plans it with --dry-run, and moves asleep and stopped tenants leaving them so', async () => {
    // The operator's image, then a new one loaded under the same tag (podman load would do the same).
    const ref = `localhost/feather-upgrade-tag-${g.s.prefix.replace(/[^a-z0-9]/g, '')}:latest`;
    await execa('podman', ['tag', NODE_IMAGE, ref]);
    const pw: Record<string, string> = {};
    for (const n of ['bob', 'carol', 'dave']) {
      const added = await g.s.run(['add', n, '--image', ref, '--json']);
      expect(added.exitCode, added.stderr).toBe(0);
      pw[n] = (JSON.parse(added.stdout) as { password: string }).password;
    }
    // bob runs (pinned: upgraded like any other), carol asleep, dave stopped by the operator.
    for (const n of ['alice', 'bob', 'dave']) expect((await g.s.run(['pin', n])).exitCode).toBe(0);
    await sleepAll(g.s, ['carol']);
    expect((await g.s.run(['stop', 'dave'])).exitCode).toBe(0);
    tagged = await buildVariant(NODE_IMAGE, { tag: ref });
    const listed = JSON.parse((await g.s.run(['list', '--json'])).stdout) as { name: string; outOfDate: boolean | null; state: string }[];
    expect(Object.fromEntries(listed.map((e) => [e.name, e.outOfDate]))).toEqual({ alice: false, bob: true, carol: true, dave: true });
    expect((await g.s.run(['list'])).stdout).toMatch(/bob .*running, pinned, out of date/);

    const dry = await g.s.run(['upgrade', '--all', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as { tenants: { name: string; outcome: string; mode: string }[] }).tenants.map((t) => `${t.name} ${t.outcome} ${t.mode}`))
      .toEqual(['alice skipped running', 'bob upgraded running', 'carol upgraded asleep', 'dave upgraded stopped']);
    expect(await imageIdOf(obj('bob'))).not.toBe(tagged.id);

    const r = await g.s.run(['upgrade', '--all']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 upgraded, 0 rolled back, 0 failed, 1 skipped, 0 untouched');
    for (const n of ['bob', 'carol', 'dave']) expect(await imageIdOf(obj(n))).toBe(tagged.id);
    const after = JSON.parse((await g.s.run(['list', '--json'])).stdout) as { name: string; state: string; outOfDate: boolean }[];
    // Asleep stays asleep and stopped stays stopped (its new container created, not started).
    expect(after.map((e) => `${e.name} ${e.state} ${e.outOfDate}`)).toEqual(['alice running false', 'bob running false', 'carol asleep false', 'dave created false']);
    // The asleep one wakes on the new image, its password unchanged.
    const carolCookie = await login('carol', pw.carol as string);
    const woken = await g.s.get('carol', '/', { headers: { cookie: `${SESSION_COOKIE}=${carolCookie}` } });
    expect(woken.body).toContain('tenant=carol');
    expect(await state(g.s, 'carol')).toBe('running');
    expect(await imageIdOf(obj('carol'))).toBe(tagged.id);
  });

  it('stops at a failing canary: it is rolled back, the rest untouched (exit 1, summary)', async () => {
    const names = ['alice', 'bob', 'carol', 'dave'];
    const ids = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await imageIdOf(obj(n))] as const)));
    const states = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await state(g.s, n)] as const)));
    const r = await g.s.run(['upgrade', '--all', '--image', broken.ref, '--parallel', '2'], READY);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/alice\s+rolled back/);
    expect(r.stdout).toMatch(/bob\s+untouched/);
    expect(r.stdout).toContain('0 upgraded, 1 rolled back, 0 failed, 0 skipped, 3 untouched');
    for (const n of names) {
      expect(await imageIdOf(obj(n))).toBe(ids[n]);
      expect(await state(g.s, n)).toBe(states[n]);
    }
  });
  it('a canary whose new app answers, then crashes 2 s later, is rolled back under load and stops --all (every request answered)', async () => {
    const names = ['alice', 'bob', 'carol', 'dave'];
    const ids = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await imageIdOf(obj(n))] as const)));
    const { out: r, load } = await underLoad('alice', () => g.s.run(['upgrade', '--all', '--image', crashy.ref], READY));
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/alice\s+rolled back/);
    expect(r.stdout).toContain('0 upgraded, 1 rolled back, 0 failed, 0 skipped, 3 untouched');
    expect(r.stderr).toContain('answered HTTP, then exited');
    expect(load.failures).toEqual([]);
    for (const n of names) expect(await imageIdOf(obj(n))).toBe(ids[n]);
    expect(await state(g.s, 'alice')).toBe('running');
    expect((await g.s.get('alice', '/', { headers: authed() })).status).toBe(200);
  });
});
