import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { VolumeCheck } from '../../src/transfer/volume-check.js';
import { tarArchive } from '../helpers/tar-build.js';

// The glue between the streaming scanner and the policy, as import uses it: chunks in, the
// first refusal remembered (not thrown: the archive's checksum decides first), finish() decides.

const feed = (check: VolumeCheck, archive: Buffer, chunk: number) => {
  for (let i = 0; i < archive.length; i += chunk) check.push(archive.subarray(i, i + chunk));
};

describe('volume check', () => {
  it('passes a good volume.tar in any chunking and returns its totals', () => {
    const archive = tarArchive([{ name: 'd/', type: '5' }, { name: 'd/f', data: 'x'.repeat(5000) }, { name: 'l', type: '2', linkname: '/usr/bin/python3' }]);
    for (const chunk of [1, 100, 512, archive.length]) {
      const c = new VolumeCheck(10);
      feed(c, archive, chunk);
      expect(c.problem).toBeUndefined();
      expect(c.finish()).toEqual({ entries: 3, bytes: 5000, diskBytes: 4096 + 8192 });
    }
  });

  it('remembers the first refusal, stops looking, and throws it from finish() as exit 2', () => {
    const c = new VolumeCheck(10);
    feed(c, tarArchive([{ name: 'escape', type: '2', linkname: '/etc' }, { name: 'escape/x' }, { name: '/abs' }]), 7);
    expect(c.problem).toBe('entry "escape/x" would be written through the symlink "escape"');
    let err: unknown;
    try {
      c.finish();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`refusing this archive's volume.tar: entry "escape/x" would be written through the symlink "escape"; nothing was changed`);
  });

  it('refuses what is not tar, or cut short', () => {
    const notTar = new VolumeCheck(10);
    notTar.push(Buffer.alloc(1024, 0x41));
    expect(() => notTar.finish()).toThrow(/not a tar archive that podman would read as this check does: a header checksum does not match/);
    const cut = new VolumeCheck(10);
    cut.push(tarArchive([{ name: 'f', data: 'x' }]).subarray(0, 1024));
    expect(() => cut.finish()).toThrow(/ends before its end-of-archive marker/);
  });
});
