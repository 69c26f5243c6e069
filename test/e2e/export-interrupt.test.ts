import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, statSync } from 'node:fs';
import { readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, startStack, type Stack } from '../helpers/stack.js';
import { state } from '../helpers/podman.js';
import { mountpoint } from '../helpers/volume-listing.js';

// `export -o FILE` writes .FILE.partial-PID (the user's data and password hash) and renames it
// when complete. An interrupted export removes it, however it is interrupted (SIGTERM while the
// archive is written, a second signal that exits at once); one killed outright (SIGKILL) leaves
// it, and the next export into that directory removes it, but never a live process's.

let s: Stack;
let out: string;

beforeAll(async () => {
  s = await startStack({ ports: 2 });
  out = join(s.dir, 'out');
  await execa('mkdir', [out]);
  for (const t of ['big', 'small']) {
    expect((await s.run(['add', t])).exitCode).toBe(0);
    expect((await s.run(['stop', t])).exitCode).toBe(0); // a stopped tenant is exported without a restart
  }
  // 256 MB of zeros (sparse here, but a dense 256 MB in the tar): the archive takes a while to write.
  const big = join(await mountpoint(`${s.prefix}big`), 'big.bin');
  await writeFile(big, '');
  await truncate(big, 256 * 1024 * 1024);
});
afterAll(async () => {
  await s?.cleanup();
});

const partials = async () => (await readdir(out)).filter((f) => f.includes('.partial-')).sort();
const spawnExport = (name: string, file: string, env: Record<string, string> = {}) =>
  execa('node', [CLI, 'export', name, '-o', file], { env: { ...s.env, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });

/** Polls (every 2 ms: the archive of 256 MB is written in well under a second) until `ready`. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('export -o FILE never leaves its partial file behind', () => {
  it('SIGTERM while the archive is being written: the export stops there and removes the partial file', async () => {
    const file = join(out, 'big.tar');
    const p = spawnExport('big', file);
    const partial = join(out, `.big.tar.partial-${p.pid}`);
    await until(() => existsSync(partial) && statSync(partial).size > 0, 'the archive to be half-written');
    // Frozen mid-write, so that the signal surely arrives before the last chunk.
    process.kill(p.pid as number, 'SIGSTOP');
    expect(statSync(partial).size).toBeLessThan(256 * 1024 * 1024);
    process.kill(p.pid as number, 'SIGTERM');
    process.kill(p.pid as number, 'SIGCONT');
    const r = await p;
    expect(r.exitCode, String(r.stderr)).toBe(1);
    expect(String(r.stderr)).toContain('interrupted by SIGTERM at export:writing');
    expect(await partials()).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(await state(s, 'big')).toBe('exited');
  });

  it('a second signal exits at once, and still removes the partial file', async () => {
    // A podman whose `volume export` takes 3 s: the command is inside the copy, where the first
    // signal only asks it to stop at its next step.
    const slow = join(s.dir, 'podman-slow-export');
    const copying = join(s.dir, 'copying');
    await writeFile(slow, `#!/bin/sh\nif [ "$1 $2" = "volume export" ]; then touch ${copying}; sleep 3; fi\nexec podman "$@"\n`, { mode: 0o755 });
    const p = spawnExport('small', join(out, 'small.tar'), { FEATHER_TENANT_PODMAN: slow });
    const partial = join(out, `.small.tar.partial-${p.pid}`);
    await until(() => existsSync(copying), 'the copy to begin');
    expect(existsSync(partial)).toBe(true);
    process.kill(p.pid as number, 'SIGTERM');
    await sleep(300);
    process.kill(p.pid as number, 'SIGINT');
    const r = await p;
    expect(r.exitCode, String(r.stderr)).toBe(130);
    expect(await partials()).toEqual([]);
    expect(existsSync(join(out, 'small.tar'))).toBe(false);
  });

  it("the next export removes a killed export's partial file, and leaves a live process's alone", async () => {
    // SIGKILL at the first chunk of the archive (the crash tests' hook): nothing can clean up.
    const killed = await spawnExport('small', join(out, 'small.tar'), { FEATHER_TENANT_TEST_DIE_AT: 'export:writing' });
    expect(killed.signal).toBe('SIGKILL');
    const [stale] = await partials();
    expect(stale).toMatch(/^\.small\.tar\.partial-\d+$/);
    expect(statSync(join(out, stale as string)).size).toBeGreaterThan(0);
    // A partial file of a process that is alive (this test's own) is someone's export in progress.
    const live = `.other.tar.partial-${process.pid}`;
    await writeFile(join(out, live), 'in progress', { mode: 0o600 });

    const r = await s.run(['export', 'small', '-o', join(out, 'again.tar')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed ${join(out, stale as string)}, left by an export that was killed`);
    expect(await partials()).toEqual([live]);
    expect(existsSync(join(out, 'again.tar'))).toBe(true);
  });
});
