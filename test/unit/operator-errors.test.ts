import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJwtKey, SECRET_FILE } from '../../src/auth/secret.js';
import { OperationError } from '../../src/core/errors.js';
import { archiveChunks } from '../../src/transfer/archive-writer.js';
import { FORMAT, FORMAT_VERSION, type Manifest } from '../../src/transfer/manifest.js';
import { BatchedWriter } from '../../src/transfer/spool.js';

// Failures an operator can fix are OperationErrors (a message and a hint, exit 1), not plain
// Errors: the CLI prints those as "internal error (a bug)" with a stack trace.
const dir = mkdtempSync(join(tmpdir(), 'ftt-unit-operr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('errors an operator can fix', () => {
  it('a JWT key file too short to use', () => {
    const state = join(dir, 'state');
    loadJwtKey(state, undefined); // creates it
    writeFileSync(join(state, SECRET_FILE), 'short\n');
    const err = (() => { try { loadJwtKey(state, undefined); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toContain('holds no usable key');
    expect((err as OperationError).hint).toMatch(/delete it/);
  });

  it('a short write to the spool file (a full disk)', async () => {
    const handle = { writev: (parts: Buffer[]) => Promise.resolve({ bytesWritten: Math.max(0, parts.reduce((n, p) => n + p.length, 0) - 1), buffers: parts }) };
    const w = new BatchedWriter(handle as unknown as FileHandle, 4);
    await w.write(Buffer.from('12345678'));
    await expect(w.flush()).rejects.toBeInstanceOf(OperationError);
  });

  it('a spool file whose size changed under the export', async () => {
    const volumeFile = join(dir, 'volume.tar');
    writeFileSync(volumeFile, Buffer.alloc(100));
    const manifest: Manifest = {
      format: FORMAT, formatVersion: FORMAT_VERSION, tenant: 'alice', image: 'localhost/feather-work:latest',
      limits: { cpus: '2', memory: '4g', pids: 512 }, passwordHash: null, createdAt: '2024-01-01T00:00:00.000Z',
      exportedAt: '2024-02-01T00:00:00.000Z', sourceHost: 'old-server', live: false,
      volume: { bytes: 200, sha256: '0'.repeat(64) }, exporter: 'feather-tenant test',
    };
    const drain = async () => { for await (const chunk of archiveChunks(manifest, volumeFile, 1_700_000_000)) void chunk; };
    await expect(drain()).rejects.toBeInstanceOf(OperationError);
  });
});
