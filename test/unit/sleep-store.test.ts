import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/store/db.js';
import { SleepStore } from '../../src/store/sleep.js';
import { TenantStore } from '../../src/store/tenants.js';

// The SQLite handshake between sweeps and wakes, on a real database file.

let dir: string;
let db: Db;
let tenants: TenantStore;
let sleep: SleepStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftt-unit-db-'));
  db = openDb(dir);
  tenants = new TenantStore(db);
  sleep = new SleepStore(db);
  tenants.reserve({ name: 'alice', image: 'img', volume: 'v', range: { first: 9001, last: 9001 }, alsoUsed: new Set(), now: 0 });
  tenants.activate('alice', 'id', 'hash', 0);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const claim = (now: number) => sleep.claimSleep('alice', { now, idleBefore: now - 1000, leaseStaleBefore: now - 60_000 });

describe('SleepStore', () => {
  it('activity only moves forward; samples and the log cursor are kept', () => {
    const req = (path: string) => ({ kind: 'request' as const, detail: JSON.stringify({ request: { method: 'GET', path, client: '10.0.0.1' } }) });
    sleep.recordActivity([{ name: 'alice', at: 500, ...req('/new') }, { name: 'nobody', at: 900, ...req('/x') }], [{ name: 'alice', pid: 7, bytes: 10, sampledAt: 500 }], { file: '/l', inode: 3, offset: 42 });
    sleep.recordActivity([{ name: 'alice', at: 100, ...req('/old') }], [], undefined);
    expect(tenants.get('alice')?.lastActiveAt).toBe(500);
    // The kind and detail go with the latest activity, not with the last one recorded.
    expect(tenants.get('alice')?.lastActiveKind).toBe('request');
    expect(tenants.get('alice')?.lastActiveDetail).toContain('/new');
    expect(sleep.samples().get('alice')).toEqual({ name: 'alice', pid: 7, bytes: 10, sampledAt: 500 });
    expect(sleep.cursor('/l')).toEqual({ file: '/l', inode: 3, offset: 42 });
  });

  it('a sweep cannot claim a tenant whose wake holds the lease, or that was active since the plan', () => {
    expect(sleep.beginWake('alice', 5_000)).toEqual({ stopStartedAt: null });
    expect(claim(10_000)).toBe(false); // lease held
    sleep.endWake('alice', 5_000, 9_500, true);
    expect(claim(10_000)).toBe(false); // the wake counted as activity at 9.5 s
    expect(claim(20_000)).toBe(true);
    expect(tenants.get('alice')?.stopStartedAt).toBe(20_000);
  });

  it('a wake that began during the stop keeps the tenant from being marked asleep', () => {
    expect(claim(20_000)).toBe(true);
    expect(sleep.stopInProgress('alice', 0)).toBe(true);
    expect(sleep.beginWake('alice', 20_500)).toEqual({ stopStartedAt: 20_000 });
    expect(sleep.finishSleep('alice', 20_000, 21_000, true)).toBe(false);
    expect(sleep.stopInProgress('alice', 0)).toBe(false);
    expect(tenants.get('alice')?.asleepAt).toBeNull();
  });

  it('an uncontested stop marks the tenant asleep; a wake clears it', () => {
    expect(claim(20_000)).toBe(true);
    expect(sleep.finishSleep('alice', 20_000, 21_000, true)).toBe(true);
    expect(tenants.get('alice')?.asleepAt).toBe(21_000);
    sleep.beginWake('alice', 30_000);
    expect(tenants.get('alice')).toMatchObject({ asleepAt: null, wakeStartedAt: 30_000, lastActiveAt: 30_000 });
  });

  it('a wake releases only its own lease', () => {
    sleep.beginWake('alice', 1_000);
    sleep.beginWake('alice', 2_000);
    sleep.endWake('alice', 1_000, 3_000, false);
    expect(tenants.get('alice')?.wakeStartedAt).toBe(2_000);
  });

  it('pinned tenants are never claimed; pinning an unknown tenant says so', () => {
    expect(sleep.setPinned('alice', true, 1)).toBe(true);
    expect(claim(20_000)).toBe(false);
    expect(sleep.setPinned('nobody', true, 1)).toBe(false);
  });

  it('removing a tenant removes its traffic sample', () => {
    sleep.recordActivity([], [{ name: 'alice', pid: 7, bytes: 10, sampledAt: 500 }], undefined);
    tenants.delete('alice');
    expect(sleep.samples().size).toBe(0);
  });
});
