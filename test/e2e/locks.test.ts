import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockHolder as lockHolderIn } from '../helpers/locks.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

// Commands on one tenant serialise through its lock. To hold the lock long enough to race it,
// passwd runs with a podman that is slow to create secrets (a wrapper around the real one).

let s: Stack;
let slowPodman: string;
beforeAll(async () => {
  s = await startStack({ ports: 2 });
  slowPodman = join(s.dir, 'slow-podman');
  writeFileSync(slowPodman, '#!/bin/sh\nif [ "$1 $2" = "secret create" ]; then sleep 3; fi\nexec podman "$@"\n');
  chmodSync(slowPodman, 0o755);
  expect((await s.run(['add', 'alice'])).exitCode).toBe(0);
});
afterAll(async () => {
  await s?.cleanup();
});

const lockHolder = (name: string) => lockHolderIn(s.stateDir, name);
const PASSWORD = /\| password: (\S+)$/;
const check = (pw: string) => s.get('alice', '/cgi-bin/check', { method: 'POST', body: `${pw}\n` }).then((r) => r.status);

describe('per-tenant lock', () => {
  it('a second command waits for the first, saying so; with a short timeout it gives up with exit 4', async () => {
    const slow = s.run(['passwd', 'alice'], { FEATHER_TENANT_PODMAN: slowPodman });
    await waitFor(() => Promise.resolve(lockHolder('alice') === 'passwd'), 10_000, 'passwd to hold the lock');

    const impatient = await s.run(['stop', 'alice'], { FEATHER_TENANT_LOCK_TIMEOUT: '0.5' });
    expect(impatient.exitCode).toBe(4);
    expect(impatient.stderr).toMatch(/tenant alice is busy: passwd \(pid \d+\) has held it for \d+ s; gave up after 0\.\d s/);
    expect(impatient.stderr).toContain('FEATHER_TENANT_LOCK_TIMEOUT');

    const patient = await s.run(['stop', 'alice']);
    const first = await slow;
    expect(first.exitCode).toBe(0);
    expect(patient.exitCode).toBe(0);
    expect(patient.stderr).toMatch(/waiting for tenant alice: passwd \(pid \d+\) is working on it/);
    expect(patient.stdout.trim()).toBe('stopped alice'); // ran after passwd had restarted alice
    expect(lockHolder('alice')).toBeUndefined();
    expect((await s.run(['start', 'alice'])).exitCode).toBe(0);
  });

  it('two concurrent passwd runs serialise: the one that waited sets the password that works', async () => {
    const a = s.run(['passwd', 'alice'], { FEATHER_TENANT_PODMAN: slowPodman });
    await waitFor(() => Promise.resolve(lockHolder('alice') === 'passwd'), 10_000, 'passwd to hold the lock');
    const b = await s.run(['passwd', 'alice']);
    const first = await a;
    expect([first.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(b.stderr).toContain('waiting for tenant alice');
    expect(await check(PASSWORD.exec(b.stdout.trim())?.[1] as string)).toBe(200);
    expect(await check(PASSWORD.exec(first.stdout.trim())?.[1] as string)).toBe(403);
  });

  it('reconcile leaves a tenant another command holds alone and says so', async () => {
    const a = s.run(['passwd', 'alice'], { FEATHER_TENANT_PODMAN: slowPodman });
    await waitFor(() => Promise.resolve(lockHolder('alice') === 'passwd'), 10_000, 'passwd to hold the lock');
    const r = await s.run(['reconcile']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/alice: note: skipped: passwd \(pid \d+\) is working on it/);
    expect((await a).exitCode).toBe(0);
    expect((await s.run(['reconcile'])).stdout.trim()).toBe('nothing to do');
  });
});
