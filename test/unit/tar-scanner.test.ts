import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFile, link, mkdir, mkdtemp, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TarFormatError } from '../../src/transfer/tar-fields.js';
import { TarScanner, type TarEntry } from '../../src/transfer/tar-scanner.js';
import { END, header, paxData, tarArchive, tarEntry } from '../helpers/tar-build.js';

// The scanner must see exactly the entries Go's archive/tar (podman) sees, however the bytes
// are chunked: a reader that disagrees about names or sizes can be shown one archive while
// podman extracts another.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function scan(archive: Buffer, chunk = archive.length): TarEntry[] {
  const got: TarEntry[] = [];
  const s = new TarScanner((e) => got.push(e));
  for (let i = 0; i < archive.length; i += chunk) s.push(archive.subarray(i, i + chunk));
  s.end();
  return got;
}

const names = (es: TarEntry[]) => es.map((e) => `${e.kind} ${e.name}${e.linkname ? ` -> ${e.linkname}` : ''}`);

/** A directory GNU tar will pack: long names, links of both kinds, a FIFO, a sparse file. */
async function tree(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ft-scan-'));
  dirs.push(d);
  const long = `${'a'.repeat(60)}/${'b'.repeat(70)}`;
  await mkdir(join(d, 'src', long), { recursive: true });
  await writeFile(join(d, 'src', long, `${'c'.repeat(90)}.txt`), 'deep\n');
  await mkdir(join(d, 'src/venv/bin'), { recursive: true });
  await symlink('/usr/bin/python3', join(d, 'src/venv/bin/python'));
  await symlink(`../${'x'.repeat(120)}`, join(d, 'src/longlink'));
  await writeFile(join(d, 'src/f'), 'f\n');
  await link(join(d, 'src/f'), join(d, 'src/h'));
  execFileSync('mkfifo', [join(d, 'src/fifo')]);
  await writeFile(join(d, 'src/holey'), '');
  await truncate(join(d, 'src/holey'), 5 * 1024 * 1024);
  await appendFile(join(d, 'src/holey'), 'end\n');
  return d;
}

describe('tar scanner', () => {
  it('sees what GNU tar wrote, in every format and however the bytes are chunked', async () => {
    const d = await tree();
    for (const format of ['gnu', 'pax', 'ustar']) {
      const args = ['--format', format, '--sort=name', '-C', join(d, 'src'), '-cf', '-', '.'];
      if (format === 'ustar') args.splice(0, 0, '--exclude', './longlink', '--exclude', './aaaa*');
      const archive = execFileSync('tar', args, { maxBuffer: 64 * 2 ** 20 });
      const listed = execFileSync('tar', ['-tf', '-'], { input: archive }).toString().trim().split('\n');
      const whole = scan(archive);
      expect(whole.map((e) => e.name), format).toEqual(listed);
      for (const chunk of [1, 7, 511, 512, 4096]) expect(scan(archive, chunk), `${format} in ${chunk}-byte chunks`).toEqual(whole);
      expect(names(whole)).toEqual(expect.arrayContaining([
        'symlink ./venv/bin/python -> /usr/bin/python3', 'hardlink ./h -> ./f', 'fifo ./fifo', 'file ./holey',
      ]));
      if (format !== 'ustar') {
        expect(names(whole)).toContain(`symlink ./longlink -> ../${'x'.repeat(120)}`);
        expect(whole.map((e) => e.name)).toContain(`./${'a'.repeat(60)}/${'b'.repeat(70)}/${'c'.repeat(90)}.txt`);
      }
      expect(whole.find((e) => e.name === './holey')?.size).toBe(5 * 1024 * 1024 + 4);
    }
  });

  it('reads sparse files at their full length: PAX (GNU.sparse.*, renamed by GNU.sparse.name) and old GNU (type S)', async () => {
    const d = await tree();
    const pax = scan(execFileSync('tar', ['--sparse', '--format', 'pax', '-C', join(d, 'src'), '-cf', '-', 'holey']));
    expect(pax).toMatchObject([{ name: 'holey', kind: 'file', sparse: true, size: 5 * 1024 * 1024 + 4 }]);
    const gnu = scan(execFileSync('tar', ['--sparse', '--format', 'gnu', '-C', join(d, 'src'), '-cf', '-', 'holey']));
    expect(gnu).toMatchObject([{ name: 'holey', kind: 'gnu-sparse', sparse: true, size: 5 * 1024 * 1024 + 4 }]);
    // A sparse header whose map needs extension blocks: they sit between header and data.
    const many = join(d, 'many');
    const fh = await open(many, 'w');
    for (let i = 1; i <= 30; i++) await fh.write('x'.repeat(4096), i * 64 * 1024);
    await fh.close();
    const ext = execFileSync('tar', ['--sparse', '--format', 'gnu', '-C', d, '-cf', '-', 'many', 'src/f'], { maxBuffer: 64 * 2 ** 20 });
    expect(ext.length).toBeLessThan(300 * 1024); // the holes were not written: a real sparse map
    expect(names(scan(ext))).toEqual(['gnu-sparse many', 'file src/f']);
  });

  it('resolves names as Go does: GNU long name over pax path over header; an empty pax value keeps the header', () => {
    const archive = tarArchive([
      { name: 'header-name', pax: { path: 'pax-name' }, longName: 'long-name' },
      { name: 'kept', pax: { path: '' } },
      { name: 'plain', type: '2', linkname: 'short', pax: { linkpath: 'pax-target' } },
      { name: 'sparse-stub', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'real-name', 'GNU.sparse.realsize': '1125899906842624' }, data: '0\n'.padEnd(512, '\0') },
      { name: 'unknown-sparse-version', pax: { 'GNU.sparse.major': '2', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'ignored' } },
      { name: 'dir/', type: '\0' },
      { name: 'in', prefix: 'pre/fix' },
    ]);
    expect(scan(archive).map((e) => [e.kind, e.name, e.linkname, e.size, e.sparse])).toEqual([
      ['file', 'long-name', '', 0, false],
      ['file', 'kept', '', 0, false],
      ['symlink', 'plain', 'pax-target', 0, false],
      ['file', 'real-name', '', 1125899906842624, true],
      ['file', 'unknown-sparse-version', '', 0, false],
      ['dir', 'dir/', '', 0, false],
      ['file', 'pre/fix/in', '', 0, false],
    ]);
  });

  it('reads no data for links, directories, devices and FIFOs, whatever their size field says (as Go)', () => {
    // The symlink claims 1024 bytes of data; those bytes are really two headers. A reader that
    // skipped them would miss "hidden" and see "after" only.
    const hidden = Buffer.concat([tarEntry({ name: 'hidden', data: 'x' }), tarEntry({ name: 'after' })]);
    expect(hidden.length).toBe(1536);
    const archive = Buffer.concat([header({ name: 'link', type: '2', linkname: 'x', size: 1024 }), hidden, END]);
    expect(names(scan(archive))).toEqual(['symlink link -> x', 'file hidden', 'file after']);
  });

  it('reads numbers as Go does: octal with leading NULs or spaces, and base-256', () => {
    const e = tarEntry({ name: 'f', data: 'x'.repeat(15), patch: [[124, Buffer.from('\0\0\0 0000017 ', 'latin1')]] });
    expect(scan(Buffer.concat([e, END]))).toMatchObject([{ name: 'f', size: 15 }]);
    const b256 = Buffer.alloc(12);
    b256[0] = 0x80;
    b256.writeUIntBE(3, 6, 6);
    expect(scan(Buffer.concat([tarEntry({ name: 'g', data: 'abc', patch: [[124, b256]] }), END]))).toMatchObject([{ name: 'g', size: 3 }]);
    expect(scan(Buffer.concat([tarEntry({ name: 'm', patch: [[100, Buffer.from('0004755\0')]] }), END]))[0]?.mode).toBe(0o4755);
  });

  it('turns a pax global header into an entry of its own, named by its path record, as Go does', () => {
    const p = paxData({ path: 'escape/global' });
    const archive = Buffer.concat([header({ name: 'pax_global_header', type: 'g', size: p.length }), p, Buffer.alloc(512 - p.length), tarEntry({ name: 'f' }), END]);
    expect(names(scan(archive))).toEqual(['pax-global escape/global', 'file f']);
  });

  it('refuses what Go rejects or could read differently, and ignores bytes after the end marker', () => {
    const f = tarEntry({ name: 'f', data: 'data' });
    const bad = (why: RegExp, archive: Buffer) => expect(() => scan(archive), String(why)).toThrow(why);
    bad(/zero block inside/, Buffer.concat([Buffer.alloc(512), f, END]));
    bad(/checksum/, Buffer.concat([Buffer.from(f).fill(0x41, 0, 1), END]));
    bad(/star header/, Buffer.concat([tarEntry({ name: 'f', patch: [[508, Buffer.from('tar\0', 'latin1')]] }), END]));
    bad(/neither ustar nor GNU/, Buffer.concat([tarEntry({ name: 'f', patch: [[257, Buffer.alloc(8)]] }), END]));
    bad(/atime or ctime is not a number/, Buffer.concat([tarEntry({ name: 'f', format: 'gnu', patch: [[345, Buffer.from('evil/prefix\0')]] }), END]));
    bad(/not an octal number/, Buffer.concat([tarEntry({ name: 'f', patch: [[124, Buffer.from('00000000x17\0')]] }), END]));
    bad(/not an octal number/, Buffer.concat([tarEntry({ name: 'f', patch: [[124, Buffer.from('12\u00003400000\0', 'latin1')]] }), END]));
    bad(/pax size is not a decimal/, tarArchive([{ name: 'f', pax: { size: '0x10' } }]));
    bad(/invalid pax record/, tarArchive([{ name: 'f', pax: { path: 'a\0b' } }]));
    bad(/pax record/, Buffer.concat([header({ name: 'p', type: 'x', size: 9 }), Buffer.from('9 path=x\n').subarray(0, 8), Buffer.alloc(504), f, END]));
    bad(/at most 1 MiB/, Buffer.concat([header({ name: 'p', type: 'x', size: 2 ** 20 + 1 }), END]));
    bad(/negative size/, Buffer.concat([tarEntry({ name: 'f', patch: [[124, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])]] }), END]));
    bad(/end-of-archive marker/, f);
    bad(/end-of-archive marker/, Buffer.concat([f, Buffer.alloc(512)]));
    expect(() => scan(Buffer.concat([f, END, Buffer.from('trailing garbage')]))).not.toThrow();
    expect(new TarFormatError('x')).toBeInstanceOf(Error);
  });
});
