import { describe, expect, it } from 'vitest';
import type { TarEntry } from '../../src/transfer/tar-scanner.js';
import { FREE_SPACE_RESERVE, VolumeTarPolicy, normalizePath, spaceProblem } from '../../src/transfer/volume-tar-policy.js';

// The rules an imported volume.tar is held to, one entry at a time (the scanner's output).

type Spec = Partial<TarEntry> & { name: string };
const KIND: Record<string, TarEntry['kind']> = { 0: 'file', 1: 'hardlink', 2: 'symlink', 3: 'char', 4: 'block', 5: 'dir', 6: 'fifo' };
const entry = (s: Spec): TarEntry => {
  const typeflag = s.typeflag ?? '0';
  return { linkname: '', kind: KIND[typeflag] ?? 'other', mode: typeflag === '5' ? 0o755 : 0o644, size: 0, sparse: false, xattrs: [], ...s, typeflag };
};
const dir = (name: string, mode = 0o755) => entry({ name, typeflag: '5', mode });
const file = (name: string, extra: Partial<TarEntry> = {}) => entry({ name, ...extra });
const sym = (name: string, linkname: string) => entry({ name, typeflag: '2', linkname, mode: 0o777 });
const hard = (name: string, linkname: string) => entry({ name, typeflag: '1', linkname });

/** The first refusal of a sequence of entries, or 'ok'. */
function judge(entries: TarEntry[], limits = { maxEntries: 1000, maxNameBytes: 1 << 20 }): string {
  const p = new VolumeTarPolicy(limits);
  for (const e of entries) {
    const r = p.check(e);
    if (r !== undefined) return r;
  }
  return 'ok';
}

describe('volume.tar policy', () => {
  it("accepts a venv-like home: absolute and relative symlinks are data, hard links inside, FIFOs, setgid and sticky directories", () => {
    expect(judge([
      dir('./'), dir('venv/'), dir('venv/bin/'), sym('venv/bin/python', '/usr/bin/python3'), sym('venv/bin/python3', 'python'),
      sym('venv/lib64', 'lib'), dir('venv/lib/'), file('venv/lib/site.py'), sym('dangling', '/nonexistent/target'),
      sym('venv/include', '../venv/lib/../lib'), file('a/deep/file'), hard('a/deep/hard', 'a/deep/file'), hard('./hard2', 'a/deep/hard'),
      entry({ name: 'fifo', typeflag: '6' }), dir('shared/', 0o1777), dir('group/', 0o2770), file('group/x', { mode: 0o1644 }),
      file('sticky', { mode: 0o1755 }), file('attrs', { xattrs: ['user.mime_type'] }), file('big', { size: 5e9 }),
    ])).toBe('ok');
  });

  it('refuses an entry written through an earlier symlink, however it is spelled', () => {
    for (const through of ['escape/cron.d/x', './escape/cron.d/x', 'escape//cron.d/x', 'escape/./cron.d/x', 'escape/x']) {
      expect(judge([sym('escape', '/etc'), file(through)]), through).toMatch(/would be written through the symlink "escape"/);
    }
    expect(judge([sym('up', 'a/../..'), dir('up/dir/')])).toMatch(/symlink pointing above the volume/);
    expect(judge([dir('a/'), sym('a/up', '..'), dir('a/up/dir/')])).toMatch(/through the symlink "a\/up"/);
    expect(judge([dir('a/'), sym('a/b', '/'), sym('a/b/c', '/etc')])).toMatch(/through the symlink "a\/b"/);
    expect(judge([sym('escape', '/tmp'), dir('escape/')])).toMatch(/appears twice/); // replacing a symlink: still "once a symlink"
    expect(judge([sym('escape', '/tmp'), sym('escape', '/etc')])).toMatch(/appears twice/);
    expect(judge([sym('escape', '/tmp'), file('./escape')])).toMatch(/appears twice/);
  });

  it('refuses replacing a directory that entries were written into (podman would delete it and follow the symlink later)', () => {
    expect(judge([file('d/f'), sym('d', '/etc')])).toMatch(/"d" would replace a directory that earlier entries were written into/);
    expect(judge([dir('d/'), sym('d', '/etc')])).toMatch(/"d" appears twice/);
    expect(judge([dir('d/e/'), sym('d', '/etc')])).toMatch(/replace a directory/);
    expect(judge([file('d/f'), dir('d/')])).toBe('ok'); // a parent named explicitly later is just a directory
    expect(judge([file('f'), file('f/x')])).toMatch(/inside "f", which is not a directory/);
  });

  it('treats ./x, x and x/ as one name', () => {
    expect(judge([file('x'), file('./x')])).toMatch(/appears twice/);
    expect(judge([dir('x/'), dir('./x')])).toMatch(/appears twice/);
    expect(judge([file('a/b'), file('a//b/')])).toMatch(/appears twice/);
  });

  it('refuses relative symlinks that climb above the volume (podman stops half-way on them), and only those', () => {
    expect(judge([sym('up', '../../../../etc')])).toMatch(/"up" is a relative symlink pointing above the volume \("..\/..\/..\/..\/etc"\)/);
    expect(judge([dir('a/'), dir('a/b/'), sym('a/b/c', '../../../x')])).toMatch(/pointing above the volume/);
    expect(judge([dir('a/'), dir('a/b/'), sym('a/b/c', '../../x'), sym('a/d', './../e'), sym('abs', '/../../..')])).toBe('ok');
  });

  it('refuses absolute names and .. components', () => {
    expect(judge([file('/etc/cron.d/x')])).toMatch(/absolute name "\/etc\/cron.d\/x"/);
    expect(judge([file('../x')])).toMatch(/".." component/);
    expect(judge([file('a/../../x')])).toMatch(/".." component/);
    expect(judge([dir('a/..')])).toMatch(/".." component/);
    expect(judge([sym('/abs-link', 'x')])).toMatch(/absolute name/);
    expect(judge([file(`${'x'.repeat(256)}`)])).toMatch(/too long/);
  });

  it('accepts hard links only to a regular file an earlier entry created', () => {
    expect(judge([file('f'), hard('h', 'f')])).toBe('ok');
    expect(judge([hard('h', 'etc/passwd')])).toMatch(/hard link to "etc\/passwd", which is not a regular file earlier in the archive/);
    expect(judge([sym('escape', '/etc'), hard('h', 'escape/passwd')])).toMatch(/not a regular file earlier/);
    expect(judge([dir('d/'), hard('h', 'd')])).toMatch(/not a regular file earlier/);
    expect(judge([sym('s', 'f'), hard('h', 's')])).toMatch(/not a regular file earlier/);
    expect(judge([hard('h', '/etc/passwd')])).toMatch(/hard link that has an absolute name/);
    expect(judge([file('f'), hard('h', '../../f')])).toMatch(/hard link that has a ".." component/);
    expect(judge([hard('h', 'h')])).toMatch(/not a regular file earlier/);
  });

  it('refuses device nodes, setuid and setgid files, privileged xattrs, and what podman cannot extract', () => {
    expect(judge([entry({ name: 'null', typeflag: '3' })])).toMatch(/"null" is a char device node/);
    expect(judge([entry({ name: 'sda', typeflag: '4' })])).toMatch(/block device node/);
    expect(judge([file('run.sh', { mode: 0o4755 })])).toMatch(/"run.sh" is setuid \(mode 4755\)/);
    expect(judge([file('g', { mode: 0o2755 })])).toMatch(/is setgid \(mode 2755\)/);
    expect(judge([file('f'), entry({ name: 'h', typeflag: '1', linkname: 'f', mode: 0o4755 })])).toMatch(/setuid/);
    expect(judge([file('f', { mode: -1 })])).toMatch(/setuid/);
    expect(judge([file('cap', { xattrs: ['security.capability'] })])).toMatch(/extended attribute "security.capability"/);
    expect(judge([file('t', { xattrs: ['user.ok', 'trusted.overlay.opaque'] })])).toMatch(/"trusted.overlay.opaque"/);
    expect(judge([entry({ name: 'old', typeflag: 'S', kind: 'gnu-sparse' })])).toMatch(/old GNU sparse file/);
    expect(judge([entry({ name: 'x/../../y', typeflag: 'g', kind: 'pax-global' })])).toMatch(/pax global header/);
    expect(judge([entry({ name: 'c', typeflag: '7' })])).toMatch(/tar type "7"/);
    expect(judge([dir('./'), sym('.', '/etc')])).toMatch(/replace the volume's own directory/);
  });

  it('caps the entry count and the memory its names take', () => {
    const many = Array.from({ length: 11 }, (_, i) => file(`f${i}`));
    expect(judge(many.slice(0, 10), { maxEntries: 10, maxNameBytes: 1 << 20 })).toBe('ok');
    expect(judge(many, { maxEntries: 10, maxNameBytes: 1 << 20 })).toMatch(/more than 10 entries/);
    expect(judge([file('a'.repeat(200)), file('b'.repeat(200))], { maxEntries: 10, maxNameBytes: 300 })).toMatch(/names take more than/);
  });

  it('sums the extracted size (sparse files at their full length) and refuses what does not fit', () => {
    const p = new VolumeTarPolicy({ maxEntries: 100, maxNameBytes: 1 << 20 });
    for (const e of [dir('d/'), file('d/a', { size: 1 }), file('b', { size: 4097 }), file('bomb', { size: 2 ** 50, sparse: true }), hard('h', 'b'), sym('s', '/x')]) {
      expect(p.check(e)).toBeUndefined();
    }
    expect(p.totals).toEqual({ entries: 6, bytes: 1 + 4097 + 2 ** 50, diskBytes: 4096 + 4096 + 8192 + 2 ** 50 });
    const fs = { path: '/var/lib/containers/storage/volumes', availableBytes: 100 * 1024 ** 3, totalInodes: 1e6, freeInodes: 1e5 };
    expect(spaceProblem(p.totals, fs)).toMatch(/about 1048576\.0 GiB once extracted .* but \/var\/lib\/containers\/storage\/volumes has 100\.0 GiB free and 1\.0 GiB must stay free/);
    const small = { entries: 10, bytes: 10, diskBytes: 99 * 1024 ** 3 };
    expect(spaceProblem(small, fs)).toBeUndefined();
    expect(spaceProblem({ ...small, diskBytes: fs.availableBytes - FREE_SPACE_RESERVE + 1 }, fs)).toMatch(/must stay free/);
    expect(spaceProblem({ ...small, entries: 100_001 }, fs)).toMatch(/100,001 entries but .* has 100,000 free inodes/);
    expect(spaceProblem({ ...small, entries: 100_001 }, { ...fs, totalInodes: 0 })).toBeUndefined();
  });

  it('normalizes paths as podman (filepath.Clean) does, refusing what would climb out', () => {
    expect(normalizePath('./a//b/./c/')).toEqual({ path: 'a/b/c' });
    expect(normalizePath('.')).toEqual({ path: '' });
    expect(normalizePath('a\\..\\b')).toEqual({ path: 'a\\..\\b' }); // a backslash is part of a name on Linux
    expect(normalizePath('a/../b')).toHaveProperty('problem');
    for (const plain of ['.hidden', '..foo', 'a/.b/c', 'dir/', '']) expect(normalizePath(plain)).toEqual({ path: plain.replace(/\/$/, '') });
    expect(normalizePath('/')).toHaveProperty('problem');
    expect(normalizePath(`${'d/'.repeat(200)}f`)).toEqual({ path: `${'d/'.repeat(200)}f` });
  });
});
