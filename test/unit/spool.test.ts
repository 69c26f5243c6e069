import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedWriter, createSpool, SPOOL_SUBDIR } from '../../src/transfer/spool.js';

const dir = mkdtempSync(join(tmpdir(), 'ft-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spool files', () => {
  it('are 0600 in a 0700 directory, removed on request, and leftovers of dead processes are swept', async () => {
    const spoolDir = join(dir, SPOOL_SUBDIR);
    mkdirSync(spoolDir, { recursive: true });
    const dead = join(spoolDir, '999999999-abc.tar'); // no such pid
    const mine = join(spoolDir, `${process.pid}-keep.tar`);
    writeFileSync(dead, 'x');
    writeFileSync(mine, 'x');
    const s = await createSpool(dir);
    expect(statSync(spoolDir).mode & 0o777).toBe(0o700);
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    await s.remove();
    expect(existsSync(s.path)).toBe(false);
  });

  it('BatchedWriter writes every chunk in order, whatever the chunk sizes', async () => {
    const s = await createSpool(dir);
    const w = new BatchedWriter(s.handle, 4096);
    const chunks = Array.from({ length: 200 }, (_, i) => randomBytes((i * 97) % 3000));
    for (const c of chunks) await w.write(c);
    await w.flush();
    const all = Buffer.concat(chunks);
    expect(w.written).toBe(all.length);
    expect(readFileSync(s.path).equals(all)).toBe(true);
    await s.remove();
  });

  it('BatchedWriter reports a failed write', async () => {
    const s = await createSpool(dir);
    const w = new BatchedWriter(s.handle, 16);
    await s.handle.close();
    await expect((async () => {
      for (let i = 0; i < 4; i++) await w.write(Buffer.alloc(16));
      await w.flush();
    })()).rejects.toThrow();
    await s.remove();
  });
});
