import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { archiveChunks } from '../../src/transfer/archive-writer.js';
import { FORMAT, FORMAT_VERSION, type Manifest } from '../../src/transfer/manifest.js';
import { TEST_IMAGE } from './stack.js';

/**
 * A valid export archive around any volume.tar (correct sizes, sha256 and SHA256SUMS), so that
 * every outer check passes and only what is inside volume.tar, or the manifest patch, is judged.
 */
export async function exportArchive(file: string, volumeTar: Buffer, patch: Partial<Manifest> = {}): Promise<void> {
  const volumeFile = `${file}.volume`;
  await writeFile(volumeFile, volumeTar);
  const manifest: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    tenant: 'victim',
    image: TEST_IMAGE,
    limits: { cpus: '2', memory: '4g', pids: 512 },
    passwordHash: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    exportedAt: '2024-02-01T00:00:00.000Z',
    sourceHost: 'crafted',
    live: false,
    volume: { bytes: volumeTar.length, sha256: createHash('sha256').update(volumeTar).digest('hex') },
    exporter: 'a test',
    ...patch,
  };
  await pipeline(Readable.from(archiveChunks(manifest, volumeFile, 1_700_000_000)), createWriteStream(file, { mode: 0o600 }));
}
