import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, startStack, type Stack } from '../helpers/stack.js';
import { exists, podman } from '../helpers/podman.js';
import { buildVariant, imageIdOf, type VariantImage } from '../helpers/variant-image.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { hashIngestToken } from '../../src/core/summary.js';

// A feather-tenant SIGKILLed at each named step of add, remove, passwd, upgrade and rotate-ingest-token (the test-only
// FEATHER_TENANT_TEST_DIE_AT), then `reconcile`: the tenant is either fully there and served or
// fully gone, no volume is lost, no route is duplicated, and a second reconcile changes nothing.

let s: Stack;
beforeAll(async () => {
  s = await startStack({ ports: 4 });
});
afterAll(async () => {
  await s?.cleanup();
});

const PASSWORD = /\| password: (\S+)$/;

const containerToken = async (name: string) => (await podman('exec', `${s.prefix}${name}`, 'cat', '/run/secrets/feather-ingest-token')).stdout.trim();
function ingestHash(name: string): string | null {
  const db = new Database(join(s.stateDir, 'state.db'), { readonly: true });
  try {
    return (db.prepare('SELECT ingest_hash AS h FROM tenants WHERE name = ?').get(name) as { h: string | null }).h;
  } finally {
    db.close();
  }
}

async function killedAt(step: string, args: string[]): Promise<void> {
  const r = await s.run(args, { FEATHER_TENANT_TEST_DIE_AT: step });
  expect(r.exitCode, `${args.join(' ')} should have died at ${step}: ${r.stderr}`).toBe(-1);
}

/** reconcile, then the tenant must be whole (served, one route, one password secret, one ingest token secret) or wholly absent. */
async function reconcileAndCheck(name: string): Promise<'present' | 'absent'> {
  const obj = `${s.prefix}${name}`;
  const r = await s.run(['reconcile']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  const routes = (await s.routes()).filter((x) => x['@id'] === obj);
  const secrets = (await podman('secret', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((n) => n === obj || n.startsWith(`${obj}.`));
  const shown = await s.run(['show', name, '--json']);
  let outcome: 'present' | 'absent';
  if (shown.exitCode === 0) {
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'active', state: 'running' });
    expect(routes).toHaveLength(1);
    expect(secrets.filter((n) => !n.startsWith(`${obj}.ingest-`))).toHaveLength(1);
    expect(secrets.filter((n) => n.startsWith(`${obj}.ingest-`))).toHaveLength(1);
    // The token the container holds is the one the state accepts.
    expect(hashIngestToken(await containerToken(name))).toBe(ingestHash(name));
    expect((await s.get(name, '/cgi-bin/info')).body).toContain(`tenant=${name}`);
    outcome = 'present';
  } else {
    expect(shown.exitCode).toBe(3);
    expect(routes).toHaveLength(0);
    expect(secrets).toEqual([]);
    expect(await exists('container', obj)).toBe(false);
    expect(await exists('network', obj)).toBe(false);
    expect((await s.get(name, '/')).body).toBe('no such tenant\n');
    outcome = 'absent';
  }
  const before = s.configChanges();
  const again = await s.run(['reconcile', '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ changes: [], failed: 0 });
  expect(s.configChanges()).toBe(before);
  return outcome;
}

describe('killed mid-command, then reconcile', () => {
  it.each(['add:reserved', 'add:objects', 'add:started', 'add:ready', 'add:routed'])('add killed at %s is rolled back; add again works', async (step) => {
    const name = step.replace(':', '-');
    await killedAt(step, ['add', name]);
    expect(await reconcileAndCheck(name)).toBe('absent');
    // The volume, if the add got as far as making it, is kept and reused.
    const again = await s.run(['add', name]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await reconcileAndCheck(name)).toBe('present');
    expect((await s.run(['remove', name, '--purge', '--yes'])).exitCode).toBe(0);
  });

  it.each(['remove:marked', 'remove:unrouted', 'remove:container'])('remove killed at %s is finished; the data volume stays', async (step) => {
    const name = step.replace(':', '-');
    expect((await s.run(['add', name])).exitCode).toBe(0);
    await s.get(name, '/cgi-bin/write?precious');
    await killedAt(step, ['remove', name]);
    expect(await reconcileAndCheck(name)).toBe('absent');
    expect(await exists('volume', `${s.prefix}${name}`)).toBe(true);
    expect((await s.run(['add', name])).exitCode).toBe(0);
    expect((await s.get(name, '/cgi-bin/info')).body).toMatch(/home:\nprecious/);
    expect((await s.run(['remove', name, '--purge', '--yes'])).exitCode).toBe(0);
  });

  it.each(['passwd:begun', 'passwd:secret', 'passwd:recreated', 'passwd:stored'])('passwd killed at %s leaves a served tenant with one password', async (step) => {
    const name = step.replace(':', '-');
    const added = await s.run(['add', name]);
    const old = PASSWORD.exec(added.stdout.trim())?.[1] as string;
    await s.get(name, '/cgi-bin/write?precious');
    await killedAt(step, ['passwd', name]);
    expect(await reconcileAndCheck(name)).toBe('present');
    // Before the switch is stored, the old password still holds; after it, the (never shown)
    // new one does, and the operator runs passwd again.
    const oldWorks = (await s.get(name, '/cgi-bin/check', { method: 'POST', body: `${old}\n` })).status;
    expect(oldWorks).toBe(step === 'passwd:stored' ? 403 : 200);
    expect((await s.get(name, '/cgi-bin/info')).body).toMatch(/home:\nprecious/);
    const next = await s.run(['passwd', name]);
    expect(next.exitCode).toBe(0);
    expect((await s.get(name, '/cgi-bin/check', { method: 'POST', body: `${PASSWORD.exec(next.stdout.trim())?.[1]}\n` })).status).toBe(200);
    expect((await s.run(['remove', name, '--purge', '--yes'])).exitCode).toBe(0);
  });

  describe('upgrade', () => {
    let next: VariantImage;
    beforeAll(async () => {
      next = await buildVariant(TEST_IMAGE);
    });
    afterAll(async () => {
      await next?.remove();
    });

    // Before `answered` the new container never served: rolled back. From it on: finished.
    it.each([
      ['upgrade:begun', 'old'], ['upgrade:stopped', 'old'], ['upgrade:started', 'old'], ['upgrade:answered', 'new'], ['upgrade:removed', 'new'],
    ])('a running tenant whose upgrade is killed at %s serves again on the %s image after reconcile', async (step, which) => {
      const name = step.replace(':', '-');
      expect((await s.run(['add', name])).exitCode).toBe(0);
      await s.get(name, '/cgi-bin/write?precious');
      const old = await imageIdOf(`${s.prefix}${name}`);
      await killedAt(step, ['upgrade', name, '--image', next.ref]);
      expect(await reconcileAndCheck(name)).toBe('present');
      expect(await imageIdOf(`${s.prefix}${name}`)).toBe(which === 'new' ? next.id : old);
      expect(await exists('container', `${s.prefix}${name}.next`)).toBe(false);
      expect((await s.get(name, '/cgi-bin/info')).body).toMatch(/home:\nprecious/);
      expect(JSON.parse((await s.run(['show', name, '--json'])).stdout)).toMatchObject({ upgrading: null, image: which === 'new' ? next.ref : TEST_IMAGE });
      // And the upgrade can be run (again): it goes through.
      const again = await s.run(['upgrade', name, '--image', next.ref, '--json']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(await imageIdOf(`${s.prefix}${name}`)).toBe(next.id);
      expect((await s.run(['remove', name, '--purge', '--yes'])).exitCode).toBe(0);
    });

    it('a tenant whose upgrade was killed (its new container running) is removed whole by remove --purge, before any reconcile', async () => {
      const name = 'upgrade-gone';
      const obj = `${s.prefix}${name}`;
      expect((await s.run(['add', name])).exitCode).toBe(0);
      await killedAt('upgrade:started', ['upgrade', name, '--image', next.ref]);
      expect(await exists('container', `${obj}.next`)).toBe(true);
      const r = await s.run(['remove', name, '--purge', '--yes']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      for (const [kind, what] of [['container', obj], ['container', `${obj}.next`], ['volume', obj], ['network', obj]] as const) {
        expect(await exists(kind, what), `${kind} ${what}`).toBe(false);
      }
      expect((await s.run(['show', name])).exitCode).toBe(3);
    });

    it('a stopped tenant whose upgrade is killed at upgrade:created stays stopped on its old image after reconcile', async () => {
      const name = 'upgrade-created';
      expect((await s.run(['add', name])).exitCode).toBe(0);
      expect((await s.run(['stop', name])).exitCode).toBe(0);
      const old = await imageIdOf(`${s.prefix}${name}`);
      await killedAt('upgrade:created', ['upgrade', name, '--image', next.ref]);
      const r = await s.run(['reconcile']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('roll back upgrade');
      expect(await imageIdOf(`${s.prefix}${name}`)).toBe(old);
      expect(await exists('container', `${s.prefix}${name}.next`)).toBe(false);
      expect(JSON.parse((await s.run(['show', name, '--json'])).stdout)).toMatchObject({ state: 'exited', desired: 'stopped', upgrading: null });
      expect(JSON.parse((await s.run(['reconcile', '--json'])).stdout)).toMatchObject({ changes: [], failed: 0 });
      expect((await s.run(['remove', name, '--purge', '--yes'])).exitCode).toBe(0);
    });
  });

  it.each(['rotate-ingest:begun', 'rotate-ingest:secret', 'rotate-ingest:recreated', 'rotate-ingest:stored'])('rotate-ingest-token killed at %s leaves a served tenant holding the token the state accepts', async (step) => {
    const name = step.replace(':', '-').replace('rotate-ingest', 'rot');
    expect((await s.run(['add', name])).exitCode).toBe(0);
    const old = await containerToken(name);
    await killedAt(step, ['rotate-ingest-token', name]);
    expect(await reconcileAndCheck(name)).toBe('present');
    // Before the switch is stored the old token holds; from it on, the new one.
    expect((await containerToken(name)) === old).toBe(step !== 'rotate-ingest:stored');
    expect((await s.run(['rotate-ingest-token', name])).exitCode).toBe(0);
    expect(hashIngestToken(await containerToken(name))).toBe(ingestHash(name));
    expect((await s.run(['remove', name, '--purge', '--yes'])).exitCode).toBe(0);
  });
});
