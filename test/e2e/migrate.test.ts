import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyPassword } from '../../src/core/password.js';
import { CLI, startStack, type Stack } from '../helpers/stack.js';
import { objectsOf, podman, state } from '../helpers/podman.js';
import { listVolume, mountpoint } from '../helpers/volume-listing.js';

// Export and import against real podman and Caddy: the data survives byte for byte (modes,
// owners, symlinks, hard links), bad archives change nothing, and the pipe works.

let s: Stack;
let archive: string;
let aliceFiles: string[];
let alicePassword: string;
let aliceHash: string;
let aliceCreated: number;

beforeAll(async () => {
  s = await startStack({ ports: 6 });
  archive = join(s.dir, 'alice.tar');
});
afterAll(async () => {
  await s?.cleanup();
});

const row = (name: string) => {
  const db = new Database(join(s.stateDir, 'state.db'), { readonly: true });
  try {
    return db.prepare('SELECT password_hash, created_at FROM tenants WHERE name = ?').get(name) as { password_hash: string; created_at: number } | undefined;
  } finally {
    db.close();
  }
};
const startedAt = async (name: string) => (await podman('inspect', '--format', '{{.State.StartedAt}}', `${s.prefix}${name}`)).stdout;
const spoolFiles = async () => readdir(join(s.stateDir, 'spool')).catch(() => []);
const check = async (name: string, password: string) => (await s.get(name, '/cgi-bin/check', { method: 'POST', body: `${password}\n` })).status;

/** Files of every kind the volume must carry across: modes, owners, links, odd names, a larger file. */
async function populate(name: string): Promise<void> {
  expect((await s.get(name, '/cgi-bin/write?from-the-app')).body).toContain('wrote from-the-app');
  const root = await mountpoint(`${s.prefix}${name}`);
  await writeFile(join(root, 'plain.txt'), 'plain\n');
  await writeFile(join(root, 'secret'), 'only the user\n', { mode: 0o600 });
  await chown(join(root, 'secret'), 1000, 1000);
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'run.sh'), 0o755); // setuid would be refused: see import-check.test.ts
  await writeFile(join(root, 'empty'), '');
  await writeFile(join(root, 'name with spaces é.txt'), 'unicode\n');
  await writeFile(join(root, 'big.bin'), randomBytes(3 * 1024 * 1024 + 17));
  await mkdir(join(root, 'dir/deep'), { recursive: true });
  await writeFile(join(root, 'dir/deep/file'), 'deep\n');
  await chown(join(root, 'dir/deep/file'), 4321, 4321);
  await chmod(join(root, 'dir/deep/file'), 0o640);
  await chown(join(root, 'dir'), 1234, 5678);
  await chmod(join(root, 'dir'), 0o2750);
  await mkdir(join(root, 'shared'));
  await chmod(join(root, 'shared'), 0o1777);
  await symlink('plain.txt', join(root, 'link'));
  await symlink('/nonexistent/target', join(root, 'dangling'));
  await symlink('../plain.txt', join(root, 'dir/up'));
  await link(join(root, 'plain.txt'), join(root, 'hardlink'));
}

/** Nothing of tenant `name` anywhere: no podman object, no route, no row, no spool file. */
async function expectNothingOf(name: string): Promise<void> {
  expect(await objectsOf(`${s.prefix}${name}`)).toEqual([]);
  expect((await s.routes()).map((r) => r['@id'])).not.toContain(`${s.prefix}${name}`);
  expect(row(name)).toBeUndefined();
  expect(await spoolFiles()).toEqual([]);
}

describe('export and import against real podman and Caddy', () => {
  it('round trip: export, remove --purge, import gives identical files, modes, owners and links, and keeps the password hash', async () => {
    const added = await s.run(['add', 'alice']);
    expect(added.exitCode).toBe(0);
    alicePassword = /password: (\S+)/.exec(added.stdout)?.[1] as string;
    await populate('alice');
    aliceFiles = await listVolume(`${s.prefix}alice`);
    expect(aliceFiles.join('\n')).toMatch(/^run.sh 755 0:0 file/m);
    expect(aliceFiles.join('\n')).toMatch(/^dir 2750 1234:5678 dir$/m);
    expect(aliceFiles.join('\n')).toMatch(/^dangling 777 0:0 link -> \/nonexistent\/target$/m);
    ({ password_hash: aliceHash, created_at: aliceCreated } = row('alice')!);
    const before = await startedAt('alice');

    const exported = await s.run(['export', 'alice', '-o', archive]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect(exported.stdout).toBe('');
    expect(exported.stderr).toContain('stopping alice for a consistent copy');
    expect(exported.stderr).toMatch(/started alice again/);
    // It was stopped and started again, and is serving.
    expect(await state(s, 'alice')).toBe('running');
    expect(await startedAt('alice')).not.toBe(before);
    expect((await s.get('alice', '/cgi-bin/info')).status).toBe(200);
    expect((await stat(archive)).mode & 0o777).toBe(0o600);
    expect((await execa('tar', ['-tf', archive])).stdout.split('\n')).toEqual(['manifest.json', 'volume.tar', 'SHA256SUMS']);
    const manifest = JSON.parse((await execa('tar', ['-xOf', archive, 'manifest.json'])).stdout) as Record<string, unknown>;
    expect(manifest).toMatchObject({ format: 'feather-tenant-export', formatVersion: 1, tenant: 'alice', passwordHash: aliceHash, live: false });
    expect(manifest).toMatchObject({ limits: { cpus: '2', memory: '4g', pids: 512 }, image: 'localhost/feather-work-test:latest' });

    expect((await s.run(['remove', 'alice', '--purge', '--yes'])).exitCode).toBe(0);
    await expectNothingOf('alice');

    const imported = await s.run(['import', archive]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.stdout).toBe('http://alice.test.local'); // no new password: the user's is kept
    expect(imported.stderr).toContain('verified the archive: alice');
    expect(await listVolume(`${s.prefix}alice`)).toEqual(aliceFiles);
    const info = await s.get('alice', '/cgi-bin/info');
    expect(info.body).toContain('tenant=alice');
    expect(info.body).toMatch(/home:\n(.*\n)*from-the-app/);
    // The state keeps the user's password (the login gate checks it) and the creation time;
    // the container's own copy is a new random value (only the hash travels).
    const after = row('alice')!;
    expect(after.password_hash).toBe(aliceHash);
    expect(after.created_at).toBe(aliceCreated);
    expect(await verifyPassword(alicePassword, after.password_hash)).toBe(true);
    expect(await check('alice', alicePassword)).toBe(403);
    expect(await spoolFiles()).toEqual([]);
  });

  it('refuses a name that exists, imports under a new one, and --live exports without stopping', async () => {
    const taken = await s.run(['import', archive]);
    expect(taken.exitCode).toBe(4);
    expect(taken.stderr).toContain('tenant alice already exists here; nothing was changed');

    const bob = await s.run(['import', archive, '--name', 'bob', '--json']);
    expect(bob.exitCode, bob.stderr).toBe(0);
    expect(JSON.parse(bob.stdout)).toMatchObject({ name: 'bob', url: 'http://bob.test.local', password: null, passwordKept: true, from: { tenant: 'alice' } });
    expect(await listVolume(`${s.prefix}bob`)).toEqual(aliceFiles);
    expect((await s.get('bob', '/cgi-bin/info')).body).toContain('tenant=bob');
    expect(row('bob')!.password_hash).toBe(aliceHash);

    const before = await startedAt('bob');
    const live = await s.run(['export', 'bob', '--live', '-o', join(s.dir, 'bob.tar')]);
    expect(live.exitCode, live.stderr).toBe(0);
    expect(live.stderr).toContain('warning: --live');
    expect(await startedAt('bob')).toBe(before);
    expect(JSON.parse((await execa('tar', ['-xOf', join(s.dir, 'bob.tar'), 'manifest.json'])).stdout)).toMatchObject({ tenant: 'bob', live: true });
  });

  it('works as a pipe: export | import - between two processes, with --new-password', async () => {
    const env = { ...s.env };
    const r = await execa('sh', ['-c', `node ${CLI} export bob | node ${CLI} import - --name carol --new-password`], { env, extendEnv: false, reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const m = /^http:\/\/carol\.test\.local \| password: ([2-9a-zA-Z]{24})$/.exec(String(r.stdout));
    expect(m).not.toBeNull();
    const password = m![1] as string;
    expect(await listVolume(`${s.prefix}carol`)).toEqual(aliceFiles);
    expect(await check('carol', password)).toBe(200);
    expect(await verifyPassword(password, row('carol')!.password_hash)).toBe(true);
    expect(await verifyPassword(alicePassword, row('carol')!.password_hash)).toBe(false);
    expect((await s.run(['remove', 'carol', '--purge', '--yes'])).exitCode).toBe(0);
  });

  it('a flipped byte, a truncated stream, a wrong format version or a missing manifest fail and create nothing', async () => {
    const good = await readFile(archive);
    const flipped = Buffer.from(good);
    const mid = Math.floor(good.length / 2);
    flipped[mid] = (good[mid] as number) ^ 0x01;
    await writeFile(join(s.dir, 'flipped.tar'), flipped);
    const unpacked = join(s.dir, 'unpacked');
    await mkdir(unpacked);
    await execa('tar', ['-xf', archive, '-C', unpacked]);
    await execa('tar', ['-cf', join(s.dir, 'no-manifest.tar'), '-C', unpacked, 'volume.tar', 'SHA256SUMS']);
    const manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(unpacked, 'manifest.json'), JSON.stringify({ ...manifest, formatVersion: 2 }));
    await execa('tar', ['-cf', join(s.dir, 'v2.tar'), '-C', unpacked, 'manifest.json', 'volume.tar', 'SHA256SUMS']);

    const cases: [string, string[], string | undefined, RegExp][] = [
      ['flipped byte', ['import', join(s.dir, 'flipped.tar'), '--name', 'victim'], undefined, /volume\.tar is corrupted: its sha256 is [0-9a-f]{64}, the manifest says/],
      ['truncated stream', ['import', '-', '--name', 'victim'], `head -c ${Math.floor(good.length * 0.6)} ${archive}`, /ends early \(truncated\?\): volume\.tar has \d+ of its \d+ bytes/],
      ['format version 2', ['import', join(s.dir, 'v2.tar'), '--name', 'victim'], undefined, /archive format version 2 is not supported/],
      ['no manifest', ['import', join(s.dir, 'no-manifest.tar'), '--name', 'victim'], undefined, /does not start with manifest\.json \(the first entry is "volume\.tar"\)/],
      ['not an archive', ['import', join(s.dir, 'unpacked', 'manifest.json'), '--name', 'victim'], undefined, /ustar magic missing/],
      ['a directory', ['import', unpacked, '--name', 'victim'], undefined, /cannot read the archive: EISDIR/],
      ['empty input', ['import', '-', '--name', 'victim'], 'true', /the input is empty/],
    ];
    for (const [what, args, feed, message] of cases) {
      const r = feed
        ? await execa('sh', ['-c', `${feed} | node ${CLI} ${args.join(' ')}`], { env: s.env, extendEnv: false, reject: false })
        : await s.run(args);
      expect(r.exitCode, `${what}: ${String(r.stderr)}`).toBe(2);
      expect(String(r.stderr), what).toMatch(message);
      expect(String(r.stderr), what).toContain('nothing was changed');
      await expectNothingOf('victim');
    }
  });

  it('export refuses an unknown tenant and never leaves a partial file', async () => {
    const r = await s.run(['export', 'nobody', '-o', join(s.dir, 'nobody.tar')]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('no tenant named nobody');
    expect((await readdir(s.dir)).filter((f) => f.includes('nobody'))).toEqual([]);
    const bad = await s.run(['export', 'alice', '-o', join(s.dir, 'no/such/dir/alice.tar')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('cannot write');
    expect(await state(s, 'alice')).toBe('running');
  });

  it('starts the tenant again when the copy fails, and rolls an import back when podman fails after verification', async () => {
    // A podman that fails at one subcommand and is the real podman for everything else.
    const failing = (words: string) => {
      const f = join(s.dir, `podman-failing-${words.replace(' ', '-')}`);
      return writeFile(f, `#!/bin/sh\nif [ "$1 $2" = "${words}" ]; then echo "injected failure" >&2; exit 125; fi\nexec podman "$@"\n`, { mode: 0o755 }).then(() => f);
    };
    const before = await startedAt('alice');
    const r = await s.run(['export', 'alice', '-o', join(s.dir, 'failed.tar')], { FEATHER_TENANT_PODMAN: await failing('volume export') });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('volume export failed: injected failure');
    expect(r.stderr).toContain('started alice again');
    expect(await state(s, 'alice')).toBe('running');
    expect(await startedAt('alice')).not.toBe(before);
    expect((await readdir(s.dir)).filter((f) => f.includes('failed.tar'))).toEqual([]);
    expect(await spoolFiles()).toEqual([]);

    const i = await s.run(['import', archive, '--name', 'frank'], { FEATHER_TENANT_PODMAN: await failing('volume import') });
    expect(i.exitCode).toBe(1);
    expect(i.stderr).toContain('volume import failed: injected failure');
    expect(i.stderr).toContain('rolling back');
    await expectNothingOf('frank');
  });

  it('refuses to import over a volume that holds data unless --force, which replaces its contents', async () => {
    expect((await s.run(['import', archive, '--name', 'dave'])).exitCode).toBe(0);
    await writeFile(join(await mountpoint(`${s.prefix}dave`), 'newer-data'), 'written on the new server\n');
    expect((await s.run(['remove', 'dave'])).exitCode).toBe(0); // the volume stays
    const kept = await listVolume(`${s.prefix}dave`);

    const refused = await s.run(['import', archive, '--name', 'dave']);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain(`volume ${s.prefix}dave already holds data; an import never merges into it, so nothing was changed`);
    expect(await listVolume(`${s.prefix}dave`)).toEqual(kept);
    expect(await objectsOf(`${s.prefix}dave`)).toEqual([`volume:${s.prefix}dave`]);
    expect(row('dave')).toBeUndefined();

    const forced = await s.run(['import', archive, '--name', 'dave', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`replaced volume ${s.prefix}dave`);
    expect(await listVolume(`${s.prefix}dave`)).toEqual(aliceFiles);
    expect((await s.get('dave', '/cgi-bin/info')).body).toContain('tenant=dave');

    // An existing empty volume is simply used.
    expect((await podman('volume', 'create', '--label', `io.feather-tenant.prefix=${s.prefix}`, `${s.prefix}erin`)).exitCode).toBe(0);
    const erin = await s.run(['import', archive, '--name', 'erin']);
    expect(erin.exitCode, erin.stderr).toBe(0);
    expect(erin.stderr).toContain(`reusing existing volume ${s.prefix}erin`);
    expect(await listVolume(`${s.prefix}erin`)).toEqual(aliceFiles);
  });
});
