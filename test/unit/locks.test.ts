import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/store/db.js';
import { Locks, type ProcessProbe } from '../../src/store/locks.js';
import { osProcessProbe } from '../../src/os/process-probe.js';
import { spawn } from 'node:child_process';

// The lock table in a real SQLite file; which processes are alive is what the fake decides.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(alive: Set<string>) {
  const dir = mkdtempSync(join(tmpdir(), 'ftt-locks-'));
  dirs.push(dir);
  const db = openDb(dir);
  const as = (pid: number): ProcessProbe => ({ self: () => ({ pid, start: `s${pid}` }), alive: (p, start) => alive.has(`${p}/${start}`) });
  return { a: new Locks(db, as(1)), b: new Locks(db, as(2)) };
}

describe('Locks', () => {
  it('a live holder keeps others out until it releases', () => {
    const alive = new Set(['1/s1', '2/s2']);
    const { a, b } = setup(alive);
    expect(a.tryAcquire('alice', 'passwd', 10)).toBeUndefined();
    expect(b.tryAcquire('alice', 'stop', 11)).toMatchObject({ pid: 1, command: 'passwd', acquiredAt: 10 });
    expect(b.tryAcquire('bob', 'stop', 11)).toBeUndefined(); // other tenants are free
    expect(b.held().map((h) => h.key)).toEqual(['alice', 'bob']); // its own too: see busyTenants
    b.release('alice'); // not b's: no effect
    expect(b.tryAcquire('alice', 'stop', 12)).toMatchObject({ pid: 1 });
    a.release('alice');
    expect(b.tryAcquire('alice', 'stop', 13)).toBeUndefined();
  });

  it('a dead holder is stale and taken over', () => {
    const alive = new Set(['1/s1', '2/s2']);
    const { a, b } = setup(alive);
    expect(a.tryAcquire('alice', 'add', 10)).toBeUndefined();
    alive.delete('1/s1'); // SIGKILLed
    expect(b.held()).toEqual([]);
    expect(b.tryAcquire('alice', 'reconcile', 11)).toBeUndefined();
    expect(a.tryAcquire('alice', 'add', 12)).toMatchObject({ pid: 2, command: 'reconcile' });
  });

});

describe('osProcessProbe', () => {
  it('tells a live process from a dead one, and from a later process with the same pid', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const me = osProcessProbe.self();
    expect(me.pid).toBe(process.pid);
    expect(me.start).toMatch(/^\d+$/);
    expect(osProcessProbe.alive(me.pid, me.start)).toBe(true);
    expect(osProcessProbe.alive(me.pid, '1')).toBe(false); // our pid, but not our start time
    expect(osProcessProbe.alive(pid, null)).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(osProcessProbe.alive(pid, null)).toBe(false);
  });
});
