import { afterAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashWhileWritten } from '../../src/transfer/hash-file.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempFile(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ft-hash-'));
  dirs.push(d);
  const f = join(d, 'spool');
  await writeFile(f, '');
  return f;
}

describe('hashWhileWritten', () => {
  it('hashes every byte of a file that grows while it reads, ending after the writer', async () => {
    const f = await tempFile();
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        await appendFile(f, randomBytes(1 + Math.floor(Math.random() * 300_000)));
        if (i % 3 === 0) await sleep(5);
      }
    })();
    const seen: number[] = [];
    const r = await hashWhileWritten(f, writer, (n) => seen.push(n));
    const whole = await readFile(f);
    expect(r).toEqual({ bytes: whole.length, sha256: createHash('sha256').update(whole).digest('hex') });
    expect(seen.at(-1)).toBe(whole.length);
  });

  it("fails with the writer's error", async () => {
    const f = await tempFile();
    await expect(hashWhileWritten(f, Promise.reject(new Error('podman volume export failed')))).rejects.toThrow('podman volume export failed');
  });
});
