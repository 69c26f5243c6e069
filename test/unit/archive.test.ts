import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { UsageError } from '../../src/core/errors.js';
import { readArchive } from '../../src/transfer/archive-reader.js';
import { archiveChunks } from '../../src/transfer/archive-writer.js';
import { FORMAT, FORMAT_VERSION, parseManifest, renderManifest, type Manifest } from '../../src/transfer/manifest.js';
import { END_OF_ARCHIVE, fileHeader, padding } from '../../src/transfer/tar-format.js';

const dir = mkdtempSync(join(tmpdir(), 'ft-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const volume = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 251));
const volumeFile = join(dir, 'volume.tar');
writeFileSync(volumeFile, volume);

const manifest: Manifest = {
  format: FORMAT,
  formatVersion: FORMAT_VERSION,
  tenant: 'alice',
  image: 'localhost/feather-work:latest',
  limits: { cpus: '2', memory: '4g', pids: 512 },
  passwordHash: 'scrypt$16384$8$1$BwcHBwcHBwcHBwcHBwcHBw==$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=',
  createdAt: '2024-01-01T00:00:00.000Z',
  exportedAt: '2024-02-01T00:00:00.000Z',
  sourceHost: 'old-server',
  live: false,
  volume: { bytes: volume.length, sha256: createHash('sha256').update(volume).digest('hex') },
  exporter: 'feather-tenant test',
};

async function build(m = manifest): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of archiveChunks(m, volumeFile, 1_700_000_000)) parts.push(c);
  return Buffer.concat(parts);
}

/** Reads an archive given in chunks of `chunk` bytes; returns the manifest and the volume bytes. */
async function read(archive: Buffer, chunk = 700): Promise<{ m: Manifest; vol: Buffer }> {
  const pieces = Array.from({ length: Math.ceil(archive.length / chunk) }, (_, i) => archive.subarray(i * chunk, (i + 1) * chunk));
  const got: Buffer[] = [];
  const m = await readArchive(Readable.from(pieces), { onManifest: () => {}, writeVolume: (c) => void got.push(Buffer.from(c)) });
  return { m, vol: Buffer.concat(got) };
}

function entry(name: string, data: Buffer): Buffer {
  return Buffer.concat([fileHeader(name, data.length, 0), data, padding(data.length)]);
}

describe('export archive', () => {
  it('round-trips manifest and volume, whatever the chunking', async () => {
    const archive = await build();
    for (const chunk of [1, 100, 512, 4096, archive.length]) {
      const { m, vol } = await read(archive, chunk);
      expect(m).toEqual(manifest);
      expect(vol.equals(volume)).toBe(true);
    }
  });

  it('shows the manifest before any volume byte, so a preflight can refuse early', async () => {
    const events: string[] = [];
    await expect(readArchive(Readable.from([await build()]), {
      onManifest: () => {
        events.push('manifest');
        throw new Error('name taken');
      },
      writeVolume: () => void events.push('volume'),
    })).rejects.toThrow('name taken');
    expect(events).toEqual(['manifest']);
  });

  it('catches every single flipped byte (or the flip changes nothing that is used)', async () => {
    const archive = await build();
    for (let i = 0; i < archive.length; i++) {
      const bad = Buffer.from(archive);
      bad[i] = (bad[i] as number) ^ 0x10;
      const r: { m: Manifest; vol: Buffer } | Error = await read(bad).catch((e: Error) => e);
      if (r instanceof UsageError) continue;
      if (r instanceof Error) throw new Error(`flip at ${i}: unexpected ${r.stack}`);
      // Only bytes no reader looks at (after the checksum field's terminator) may flip unnoticed.
      expect({ at: i, m: r.m, same: r.vol.equals(volume) }).toEqual({ at: i, m: manifest, same: true });
    }
  });

  it('refuses an archive cut short anywhere', async () => {
    const archive = await build();
    for (let len = 0; len < archive.length; len += 97) {
      await expect(read(archive.subarray(0, len)), `cut at ${len}`).rejects.toThrow(len === 0 ? /input is empty/ : /ends early|truncated/);
    }
    await expect(read(archive.subarray(0, archive.length - 1))).rejects.toThrow(/ends early/);
  });

  it('refuses a wrong format version, a foreign manifest, a missing manifest and extra entries', async () => {
    const v2 = renderManifest({ ...manifest, formatVersion: 2 });
    await expect(read(Buffer.concat([entry('manifest.json', v2), END_OF_ARCHIVE]))).rejects.toThrow(/format version 2 is not supported/);
    const foreign = Buffer.from('{"name":"some-npm-package"}');
    await expect(read(Buffer.concat([entry('manifest.json', foreign), END_OF_ARCHIVE]))).rejects.toThrow(/not a feather-tenant-export manifest/);
    await expect(read(Buffer.concat([entry('volume.tar', volume), END_OF_ARCHIVE]))).rejects.toThrow(/does not start with manifest.json/);
    await expect(read(Buffer.alloc(4096, 0x41))).rejects.toThrow(/ustar magic missing/);
    const archive = await build();
    const extra = Buffer.concat([archive.subarray(0, archive.length - 1024), entry('evil.sh', Buffer.from('rm -rf /')), END_OF_ARCHIVE]);
    await expect(read(extra)).rejects.toThrow(/unexpected entry "evil.sh"/);
  });

  it('validates manifests field by field', () => {
    const ok = renderManifest(manifest);
    expect(parseManifest(ok)).toEqual(manifest);
    const bad = (patch: Record<string, unknown>) => () => parseManifest(Buffer.from(JSON.stringify({ ...manifest, ...patch })));
    expect(bad({ tenant: 'Bad Name' })).toThrow(/bad tenant name/);
    expect(bad({ passwordHash: 'plaintext' })).toThrow(/not a scrypt hash/);
    // Only the parameters this code writes: anything else would be computed at every login.
    const [salt, key] = ['BwcHBwcHBwcHBwcHBwcHBw==', 'CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk='];
    expect(bad({ passwordHash: `scrypt$1073741824$8$1$${salt}$${key}` })).toThrow(/N=1073741824 r=8 p=1 are not the ones feather-tenant writes \(N=16384 r=8 p=1\)/);
    expect(bad({ passwordHash: `scrypt$16384$8$1000000$${salt}$${key}` })).toThrow(/p=1000000 are not the ones/);
    expect(bad({ passwordHash: `scrypt$16384$64$1$${salt}$${key}` })).toThrow(/r=64 p=1 are not the ones/);
    expect(bad({ passwordHash: `scrypt$016384$8$1$${salt}$${key}` })).toThrow(/are not the ones/);
    expect(bad({ passwordHash: `scrypt$16384$8$1$${salt}$${key.slice(4)}` })).toThrow(/base64 of 16 and 32 bytes/);
    expect(bad({ passwordHash: `scrypt$16384$8$1$c2FsdA==$${key}` })).toThrow(/base64 of 16 and 32 bytes/);
    expect(bad({ passwordHash: `scrypt$16384$8$1$${salt}$${key}$extra` })).toThrow(/not a scrypt hash/);
    expect(bad({ volume: { bytes: -1, sha256: manifest.volume.sha256 } })).toThrow(/volume.bytes/);
    expect(bad({ volume: { bytes: 1, sha256: 'abc' } })).toThrow(/volume.sha256/);
    expect(bad({ createdAt: 'yesterday' })).toThrow(/createdAt is not a date/);
    // The image becomes a podman argument on import: an archive must not smuggle in an option.
    expect(bad({ image: '--privileged' })).toThrow(/image "--privileged" is not an image reference: it must not start with "-"/);
    expect(bad({ image: 'oci-archive:/etc/shadow' })).toThrow(/image .* is not an image reference/);
    expect(() => parseManifest(Buffer.from('not json'))).toThrow(UsageError);
    expect(parseManifest(Buffer.from(JSON.stringify({ ...manifest, passwordHash: null }))).passwordHash).toBeNull();
  });
});
