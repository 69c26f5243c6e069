import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { chmod, chown, link, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack, type Stack } from '../helpers/stack.js';
import { objectsOf } from '../helpers/podman.js';
import type { Manifest } from '../../src/transfer/manifest.js';
import { exportArchive } from '../helpers/export-archive.js';
import { tarArchive, type TarSpec } from '../helpers/tar-build.js';
import { listVolume, mountpoint } from '../helpers/volume-listing.js';

// `podman volume import` extracts volume.tar as root and follows symlinks the archive itself
// created, so import judges every entry of it before creating anything. A corpus of crafted
// volume.tar files, each wrapped in an otherwise valid export archive (sizes, sha256 and
// SHA256SUMS all correct), is refused with exit 2, leaving nothing behind: no podman object, no
// state row, no route, no spool file, and nothing written where an escape would have landed
// (a directory of this test's own, never /etc). A real venv-like volume still round-trips.

let s: Stack;
let outside: string;

beforeAll(async () => {
  // A port for every case: with the check broken, each would create a tenant.
  s = await startStack({ ports: 16 });
  outside = join(s.dir, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'host file\n');
});
afterAll(async () => {
  await s?.cleanup();
});

const rowOf = (name: string) => {
  const db = new Database(join(s.stateDir, 'state.db'), { readonly: true });
  try {
    return db.prepare('SELECT name FROM tenants WHERE name = ?').get(name);
  } finally {
    db.close();
  }
};

async function expectNothingOf(name: string): Promise<void> {
  expect(await objectsOf(`${s.prefix}${name}`)).toEqual([]);
  expect((await s.routes()).map((r) => r['@id'])).not.toContain(`${s.prefix}${name}`);
  expect(rowOf(name)).toBeUndefined();
  expect(await readdir(join(s.stateDir, 'spool')).catch(() => [])).toEqual([]);
  // Where the escapes point: untouched (the one file there still has a single link).
  expect(await readdir(outside)).toEqual(['secret']);
  expect((await stat(join(outside, 'secret'))).nlink).toBe(1);
}

/** Up from the volume's directory (/var/lib/containers/storage/volumes/NAME/_data) to / and down to `outside`. */
const climb = () => `../../../../../../..${outside}`;

/** A PAX sparse file (GNU 1.0) of 1 PiB whose archive entry holds one byte of data. */
function sparseBomb(): TarSpec {
  const real = 2 ** 50;
  const map = Buffer.alloc(512);
  map.write(`1\n${real - 1}\n1\n`);
  return {
    name: 'GNUSparseFile.0/bomb',
    pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'bomb', 'GNU.sparse.realsize': String(real) },
    data: Buffer.concat([map, Buffer.from('x')]),
  };
}

const SALT = 'BwcHBwcHBwcHBwcHBwcHBw==';
const KEY = 'CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=';

interface Case {
  what: string;
  entries: () => TarSpec[];
  message: RegExp;
  manifest?: Partial<Manifest>;
  env?: Record<string, string>;
}

const corpus: Case[] = [
  {
    what: 'a symlink escape (escape -> outside, then escape/cron.d/x)',
    entries: () => [{ name: 'escape', type: '2', linkname: outside }, { name: 'escape/cron.d/x', data: '* * * * * root sh\n' }],
    message: /entry "escape\/cron.d\/x" would be written through the symlink "escape"/,
  },
  {
    what: 'the same escape named by a pax path record behind a harmless header name',
    entries: () => [{ name: 'escape', type: '2', linkname: outside }, { name: 'harmless', pax: { path: 'escape/pax' }, data: 'x' }],
    message: /entry "escape\/pax" would be written through the symlink "escape"/,
  },
  {
    what: 'the same escape named by a GNU long name',
    entries: () => [{ name: 'escape', type: '2', linkname: outside }, { name: 'harmless', longName: './escape/long', data: 'x' }],
    message: /entry "\.\/escape\/long" would be written through the symlink "escape"/,
  },
  {
    what: 'a relative symlink escape (up -> ../../..., then up/x)',
    entries: () => [{ name: 'up', type: '2', linkname: climb() }, { name: 'up/x', data: 'x' }],
    message: /entry "up" is a relative symlink pointing above the volume/,
  },
  {
    what: 'a .. name',
    entries: () => [{ name: 'ok', data: 'fine' }, { name: `${climb()}/dotdot`, data: 'x' }],
    message: /an entry has a "\.\." component/,
  },
  {
    what: 'an absolute name',
    entries: () => [{ name: `${outside}/abs`.slice(0, 99), data: 'x' }],
    message: /an entry has an absolute name/,
  },
  {
    what: 'a hard link out, through a symlink of the archive',
    entries: () => [{ name: 'escape', type: '2', linkname: outside }, { name: 'stolen', type: '1', linkname: 'escape/secret' }],
    message: /entry "stolen" is a hard link to "escape\/secret", which is not a regular file earlier in the archive/,
  },
  {
    what: 'a hard link out, by ..',
    entries: () => [{ name: 'stolen', type: '1', linkname: `${climb()}/secret` }],
    message: /entry "stolen" is a hard link that has a "\.\." component/,
  },
  {
    what: 'a device node',
    entries: () => [{ name: 'null', type: '3', mode: 0o666, devmajor: 1, devminor: 3 }],
    message: /entry "null" is a char device node/,
  },
  {
    what: 'a setuid-root file',
    entries: () => [{ name: 'run.sh', mode: 0o4755, data: '#!/bin/sh\nid\n' }],
    message: /entry "run.sh" is setuid \(mode 4755\)/,
  },
  {
    what: 'a sparse bomb (1 PiB in a one-byte entry)',
    entries: () => [sparseBomb()],
    message: /would take about 1048576\.0 GiB once extracted \(1,125,899,906,842,624 bytes of files\), but \/.* has [\d.]+ GiB free/,
  },
  {
    what: 'more entries than FEATHER_TENANT_IMPORT_MAX_ENTRIES',
    entries: () => Array.from({ length: 51 }, (_, i) => ({ name: `f${i}`, data: 'x' })),
    message: /it holds more than 50 entries \(FEATHER_TENANT_IMPORT_MAX_ENTRIES\)/,
    env: { FEATHER_TENANT_IMPORT_MAX_ENTRIES: '50' },
  },
  {
    what: 'a slow password hash (scrypt p=1000000: hours at every login)',
    entries: () => [{ name: 'ok', data: 'fine' }],
    manifest: { passwordHash: `scrypt$16384$8$1000000$${SALT}$${KEY}` },
    message: /manifest.json: passwordHash: its scrypt parameters N=16384 r=8 p=1000000 are not the ones feather-tenant writes \(N=16384 r=8 p=1\)/,
  },
  {
    what: 'a memory-hungry password hash (scrypt N=2^30)',
    entries: () => [{ name: 'ok', data: 'fine' }],
    manifest: { passwordHash: `scrypt$1073741824$8$1$${SALT}$${KEY}` },
    message: /passwordHash: its scrypt parameters N=1073741824 r=8 p=1 are not the ones/,
  },
];

describe('import checks volume.tar before it creates anything', () => {
  // Each case imports under a name of its own, so that one failure cannot hide another.
  it.each(corpus.map((c, i) => ({ ...c, name: `case${i}` })))('refuses $what: exit 2, nothing created or written', async (c) => {
    const file = join(s.dir, 'crafted.tar');
    await exportArchive(file, tarArchive(c.entries()), c.manifest);
    // Belt and braces: should the check ever let one through, podman is not asked to extract
    // it (a 1 PiB sparse file would fill the disk), and the exit code then tells.
    const noImport = join(s.dir, 'podman-no-volume-import');
    await writeFile(noImport, '#!/bin/sh\nif [ "$1 $2" = "volume import" ]; then echo "volume import reached" >&2; exit 125; fi\nexec podman "$@"\n', { mode: 0o755 });
    const r = await s.run(['import', file, '--name', c.name], { ...c.env, ...(c.what.startsWith('a sparse bomb') ? { FEATHER_TENANT_PODMAN: noImport } : {}) });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(c.message);
    expect(r.stderr).toContain('nothing was changed');
    await expectNothingOf(c.name);
  });

  it('reports a corrupted transfer as corrupted, even where the bad byte breaks a header inside volume.tar', async () => {
    const inner = tarArchive([{ name: 'file', data: 'data' }]);
    const file = join(s.dir, 'corrupt.tar');
    await exportArchive(file, inner);
    const bytes = await readFile(file);
    const at = bytes.indexOf(inner.subarray(0, 512));
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0x41; // the first inner header's name: its checksum no longer matches
    await writeFile(file, bytes);
    const r = await s.run(['import', file, '--name', 'corrupt']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/volume\.tar is corrupted: its sha256 is [0-9a-f]{64}, the manifest says/);
    expect(r.stderr).not.toContain('refusing');
    await expectNothingOf('corrupt');
  });

  it('imports a venv-like volume exactly: absolute and relative symlinks, hard links, FIFOs, modes and owners', async () => {
    expect((await s.run(['add', 'venv'])).exitCode).toBe(0);
    const root = await mountpoint(`${s.prefix}venv`);
    await mkdir(join(root, 'venv/bin'), { recursive: true });
    await mkdir(join(root, 'venv/lib/python3.11/site-packages/pkg'), { recursive: true });
    await symlink('/usr/bin/python3', join(root, 'venv/bin/python'));
    await symlink('python', join(root, 'venv/bin/python3'));
    await symlink('lib', join(root, 'venv/lib64'));
    await symlink('lib/python3.11', join(root, 'venv/include'));
    await symlink('../missing', join(root, 'venv/bin/gone'));
    await writeFile(join(root, 'venv/pyvenv.cfg'), 'home = /usr/bin\n');
    await writeFile(join(root, 'venv/bin/activate'), '# activate\n', { mode: 0o755 });
    await writeFile(join(root, 'venv/lib/python3.11/site-packages/pkg/__init__.py'), 'x = 1\n');
    await link(join(root, 'venv/lib/python3.11/site-packages/pkg/__init__.py'), join(root, 'venv/same.py'));
    await writeFile(join(root, 'private'), 'only me\n', { mode: 0o600 });
    await chown(join(root, 'private'), 1000, 1000);
    await mkdir(join(root, 'team'));
    await chmod(join(root, 'team'), 0o2775);
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const before = await listVolume(`${s.prefix}venv`);
    expect(before.join('\n')).toMatch(/^venv\/bin\/python 777 0:0 link -> \/usr\/bin\/python3$/m);

    const archive = join(s.dir, 'venv.tar');
    const exported = await s.run(['export', 'venv', '-o', archive]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect((await s.run(['remove', 'venv', '--purge', '--yes'])).exitCode).toBe(0);
    const imported = await s.run(['import', archive]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(await listVolume(`${s.prefix}venv`)).toEqual(before);
    expect((await s.get('venv', '/cgi-bin/info')).status).toBe(200);
  });
});
