import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { lifecycle } from '../../src/commands/lifecycle.js';
import { passwd } from '../../src/commands/passwd.js';
import { reconcile } from '../../src/commands/reconcile.js';
import { remove } from '../../src/commands/remove.js';
import { rotateIngestToken } from '../../src/commands/rotate-ingest-token.js';
import { hashIngestToken } from '../../src/core/summary.js';
import { nextSecretName } from '../../src/core/tenant.js';
import { type FakeContext, fakeSwarmContext } from '../fakes/context.js';
import type { FakeSwarm } from '../fakes/swarm.js';

// The tenant's secrets on swarm (issue 14): the ingest token at add, passwd and
// rotate-ingest-token as one service update, reconcile after a swap that died. Fake cluster and
// Caddy, real SQLite; the same paths on the two-node harness in test/swarm/swarm-secrets.test.ts.
let ctx: FakeContext;
let swarm: FakeSwarm;
afterEach(() => ctx.close());

function onSwarm(): void {
  ({ ctx, swarm } = fakeSwarmContext());
}

const spec = (name: string) => swarm.services.get(`fake-${name}`)?.spec;
const secretsOf = (name: string) => spec(name)?.secrets.map((x) => x.name) ?? [];

describe('the summary ingest token on swarm', () => {
  it('add makes it a Swarm secret mounted 0400 for the tenant user; only its hash is in state; the spec names no value', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    const row = ctx.store().get('alice');
    expect(row?.ingestSecret).toMatch(/^fake-alice\.ingest-/);
    expect(row?.ingestPending).toBeNull();
    const token = swarm.secrets.get(row?.ingestSecret ?? '') ?? '';
    expect(row?.ingestHash).toBe(hashIngestToken(token));
    expect(spec('alice')?.secrets).toContainEqual({ name: row?.ingestSecret, target: 'feather-ingest-token', uid: '1000', gid: '1000', mode: '0400' });
    expect(spec('alice')?.env).toMatchObject({ FEATHER_INGEST_TOKEN_FILE: '/run/secrets/feather-ingest-token', FEATHER_SUMMARY_URL: 'https://alice.users.inceptel.ai/_feather/summary' });
    expect(JSON.stringify(spec('alice'))).not.toContain(token);
    // the secret's name was in state before it existed: created after the row named it
    expect(swarm.calls.indexOf(`createSecret ${row?.ingestSecret}`)).toBeLessThan(swarm.calls.indexOf('ensure fake-alice'));
  });

  it("a failed add removes the ingest token's secret after the service; remove removes every secret", async () => {
    onSwarm();
    swarm.failOn.add('ensure');
    await expect(add(ctx, { name: 'alice' })).rejects.toThrow();
    expect(swarm.secrets.size).toBe(0);
    swarm.failOn.clear();
    await add(ctx, { name: 'bob' });
    expect(swarm.secrets.size).toBe(2);
    await remove(ctx, { name: 'bob', purge: false, yes: true });
    expect(swarm.secrets.size).toBe(0);
  });
});

describe('passwd and rotate-ingest-token on swarm', () => {
  it('passwd: a new secret swapped into the service in one update, the old secret removed, a new hash', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    const before = ctx.store().get('alice');
    swarm.calls.length = 0;
    const r = await passwd(ctx, 'alice');
    const row = ctx.store().get('alice');
    expect(r.running).toBe(true);
    expect(row?.secret).not.toBe(before?.secret);
    expect(row?.passwordHash).not.toBe(before?.passwordHash);
    expect(row?.secretPending).toBeNull();
    expect(swarm.secrets.get(row?.secret ?? '')).toBe(r.password);
    expect(secretsOf('alice')).toEqual([before?.ingestSecret, row?.secret]);
    expect(spec('alice')?.labels['io.feather-tenant.secret']).toBe(row?.secret);
    expect(swarm.secrets.has(before?.secret ?? '')).toBe(false);
    expect(swarm.calls.filter((c) => c.startsWith('updateSecrets'))).toEqual([`updateSecrets fake-alice -fake-alice +${row?.secret}`]);
    // the ingest token stays
    expect(row?.ingestSecret).toBe(before?.ingestSecret);
  });

  it('a stopped tenant stays stopped through both; rotate-ingest-token swaps the token, the old one stops matching', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    await lifecycle(ctx, 'stop', 'alice');
    const before = ctx.store().get('alice');
    expect((await passwd(ctx, 'alice')).running).toBe(false);
    const r = await rotateIngestToken(ctx, 'alice');
    expect(r).toEqual({ name: 'alice', file: '/run/secrets/feather-ingest-token', replaced: true, running: false });
    expect(swarm.services.get('fake-alice')?.replicas).toBe(0);
    const row = ctx.store().get('alice');
    expect(row?.ingestSecret).not.toBe(before?.ingestSecret);
    expect(row?.ingestHash).toBe(hashIngestToken(swarm.secrets.get(row?.ingestSecret ?? '') ?? ''));
    expect(swarm.secrets.has(before?.ingestSecret ?? '')).toBe(false);
    expect([...swarm.secrets.keys()].sort()).toEqual([row?.ingestSecret, row?.secret].sort());
  });

  it('a tenant added before swarm had tokens gets its first one (env, label, secret in one update)', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    // as add made it before issue 14's ingest token: no secret, env or label
    const s = swarm.services.get('fake-alice');
    const old = ctx.store().get('alice')?.ingestSecret ?? '';
    if (s) s.spec = { ...s.spec, secrets: s.spec.secrets.filter((x) => x.name !== old), env: { FEATHER_TENANT: 'alice' }, labels: Object.fromEntries(Object.entries(s.spec.labels).filter(([k]) => k !== 'io.feather-tenant.ingest')) };
    ctx.db.prepare('UPDATE tenants SET ingest_secret = NULL, ingest_hash = NULL WHERE name = ?').run('alice');
    expect((await rotateIngestToken(ctx, 'alice')).replaced).toBe(false);
    const row = ctx.store().get('alice');
    expect(spec('alice')?.env.FEATHER_INGEST_TOKEN_FILE).toBe('/run/secrets/feather-ingest-token');
    expect(spec('alice')?.labels['io.feather-tenant.ingest']).toBe(row?.ingestSecret);
  });

  it('a failing update: the row, the service and the secrets are as before, the new secret gone', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    const before = ctx.store().get('alice');
    const secrets = [...swarm.secrets.keys()];
    swarm.failOn.add('updateSecrets');
    await expect(passwd(ctx, 'alice')).rejects.toThrow();
    const row = ctx.store().get('alice');
    expect([row?.secret, row?.passwordHash, row?.secretPending]).toEqual([before?.secret, before?.passwordHash, null]);
    expect([...swarm.secrets.keys()]).toEqual(secrets);
    expect(secretsOf('alice')).toContain(before?.secret);
  });
});

describe('reconcile on swarm after a swap that died', () => {
  it('killed after the update, before the switch: the service is put back on the old password, the new secret goes', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    const before = ctx.store().get('alice');
    if (!before) throw new Error('no alice');
    // what passwd leaves when killed at passwd:recreated
    const next = nextSecretName(ctx.config, 'alice', ctx.now());
    ctx.store().setPendingSecret('alice', next, ctx.now());
    await ctx.backend.createSecret(ctx, 'alice', next, 'half-way');
    await ctx.backend.useSecrets(ctx, before, { start: true, secret: next });
    const dry = await reconcile(ctx, { dryRun: true, adopt: false });
    expect(dry.changes.map((c) => c.action)).toEqual(['put service back on its secrets', 'remove secret']);
    const r = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(r).toMatchObject({ failed: 0 });
    expect(secretsOf('alice')).toContain(before.secret);
    expect(swarm.secrets.has(next)).toBe(false);
    expect(ctx.store().get('alice')?.secretPending).toBeNull();
    expect((await reconcile(ctx, { dryRun: false, adopt: false })).changes).toEqual([]);
  });

  it('killed after the switch: the old secret, left pending, is removed', async () => {
    onSwarm();
    await add(ctx, { name: 'alice' });
    await passwd(ctx, 'alice');
    const row = ctx.store().get('alice');
    // what passwd leaves when killed at passwd:stored: the old name pending, its secret still there
    swarm.secrets.set('fake-alice', 'old');
    ctx.store().setPendingSecret('alice', 'fake-alice', ctx.now());
    const r = await reconcile(ctx, { dryRun: false, adopt: false });
    expect(r.changes.map((c) => [c.action, c.error])).toEqual([['remove secret', undefined]]);
    expect(swarm.secrets.has('fake-alice')).toBe(false);
    expect(secretsOf('alice')).toContain(row?.secret);
  });
});
