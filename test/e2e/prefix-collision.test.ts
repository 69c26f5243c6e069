import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startStack, type Stack } from '../helpers/stack.js';
import { podman } from '../helpers/podman.js';

// Two installations on one podman whose prefixes nest: A (prefix X-) and B (prefix X-user-).
// A's tenant user-a and B's tenant a are both named X-user-a. Objects are found by the prefix
// label, so neither installation sees the other's tenants; only the names collide, and B must
// refuse a name A holds rather than take over (or hand its user) A's container, volume or data.

let a: Stack;
let b: Stack;
beforeAll(async () => {
  a = await startStack({ ports: 2 });
  b = await startStack({ ports: 2, prefix: `${a.prefix}user-` });
  expect((await a.run(['add', 'user-a'])).exitCode).toBe(0);
  expect((await b.run(['add', 'b'])).exitCode).toBe(0);
});
afterAll(async () => {
  await b?.cleanup();
  await a?.cleanup();
});

const KINDS = ['container', 'volume', 'network', 'secret'] as const;
const shared = () => `${a.prefix}user-a`;

/** Each object named X-user-a: its id, creation time and labels, or absent. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of KINDS) {
    const fmt = kind === 'secret' ? '{{.ID}} {{.CreatedAt}} {{json .Spec.Labels}}' : kind === 'network' ? '{{.ID}} {{.Created}} {{json .Labels}}' : kind === 'volume' ? '{{.CreatedAt}} {{json .Labels}}' : '{{.Id}} {{.State.Status}} {{.State.StartedAt}} {{json .Config.Labels}}';
    const r = await podman(kind, 'inspect', '--format', fmt, '--', shared());
    out[kind] = r.exitCode === 0 ? r.stdout.trim() : 'absent';
  }
  return out;
}

const names = async (s: Stack) => {
  const r = await s.run(['list', '--json']);
  expect(r.exitCode).toBe(0);
  return (JSON.parse(r.stdout) as { name: string }[]).map((t) => t.name);
};

describe('two installations whose prefixes nest', () => {
  it('each lists and reconciles only its own tenants', async () => {
    expect(await names(a)).toEqual(['user-a']);
    expect(await names(b)).toEqual(['b']);
    for (const s of [a, b]) {
      const r = await s.run(['reconcile', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ changes: [], failed: 0 });
    }
    // B's tenant b (X-user-b) starts with A's prefix: A's reconcile left it alone.
    expect((await b.get('b', '/cgi-bin/info')).body).toContain('tenant=b');
  });

  it('B cannot add a while A\'s user-a runs: exit 4, and none of A\'s objects changes', async () => {
    const before = await snapshot();
    expect(before.container).not.toBe('absent');
    const r = await b.run(['add', 'a']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`container ${shared()} belongs to another feather-tenant installation (prefix ${a.prefix})`);
    // The old hint pointed at `remove a`, which would have removed A's container.
    expect(r.stderr).not.toContain('feather-tenant remove');
    expect(await snapshot()).toEqual(before);
    expect((await a.get('user-a', '/cgi-bin/info')).body).toContain('tenant=user-a');
    expect(await names(b)).toEqual(['b']);

    // Nor does B's remove of a name it does not hold reach A's objects, purge or not.
    for (const args of [['remove', 'a'], ['remove', 'a', '--purge', '--yes']]) {
      const rm = await b.run(args);
      expect(rm.exitCode, rm.stderr).toBe(4);
      expect(rm.stderr).toContain(`container ${shared()} belongs to another feather-tenant installation (prefix ${a.prefix})`);
    }
    expect(await snapshot()).toEqual(before);
    expect((await a.get('user-a', '/cgi-bin/info')).body).toContain('tenant=user-a');
  });

  it('B cannot take the volume A kept after removing user-a: the user\'s data stays A\'s', async () => {
    expect((await a.get('user-a', '/cgi-bin/write?keepme')).body).toContain('wrote keepme');
    expect((await a.run(['remove', 'user-a'])).exitCode).toBe(0);
    const before = await snapshot();
    expect(before).toMatchObject({ container: 'absent', network: 'absent', secret: 'absent' });
    expect(before.volume).toContain(`"io.feather-tenant.prefix":"${a.prefix}"`);

    const r = await b.run(['add', 'a']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`volume ${shared()} belongs to another feather-tenant installation (prefix ${a.prefix})`);
    expect(await snapshot()).toEqual(before);
    expect(await names(b)).toEqual(['b']);
    const purge = await b.run(['remove', 'a', '--purge', '--yes']);
    expect(purge.exitCode, purge.stderr).toBe(4);
    expect(purge.stderr).toContain(`volume ${shared()} belongs to another feather-tenant installation (prefix ${a.prefix})`);
    expect(await snapshot()).toEqual(before);
    // import --force replaces a volume's contents: never another installation's.
    const archive = join(b.dir, 'b.tar');
    expect((await b.run(['export', 'b', '-o', archive])).exitCode).toBe(0);
    const imported = await b.run(['import', archive, '--name', 'a', '--force']);
    expect(imported.exitCode, imported.stderr).toBe(4);
    expect(imported.stderr).toContain(`volume ${shared()} belongs to another feather-tenant installation (prefix ${a.prefix})`);
    expect(await snapshot()).toEqual(before);
    expect(await names(b)).toEqual(['b']);

    // A gets its user back, data and all.
    expect((await a.run(['add', 'user-a'])).stderr).toContain(`reusing existing volume ${shared()}`);
    expect((await a.get('user-a', '/cgi-bin/info')).body).toContain('tenant=user-a');
  });
});
