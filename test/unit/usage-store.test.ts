import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/store/db.js';
import { SleepStore } from '../../src/store/sleep.js';
import { SummaryStore } from '../../src/store/summaries.js';
import { TenantStore } from '../../src/store/tenants.js';
import { UsageStore } from '../../src/store/usage.js';
import type { UsageDelta } from '../../src/core/usage.js';

let dir: string;
let db: Db;
let usage: UsageStore;
let tenants: TenantStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftt-unit-usage-'));
  db = openDb(dir);
  usage = new UsageStore(db);
  tenants = new TenantStore(db);
  tenants.reserve({ name: 'alice', image: 'img', volume: 'v', range: { first: 9000, last: 9001 }, alsoUsed: new Set(), now: 1 });
  tenants.activate('alice', 'id', 'h', 1);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const delta = (day: string, o: Partial<UsageDelta> = {}): UsageDelta =>
  ({ name: 'alice', day, activeMs: 60_000, requests: 2, bytesIn: 10, bytesOut: 20, wakes: 0, cpuUs: 1000, peakMemory: 100, ...o });

describe('usage in the state', () => {
  it('sums a day\'s sweeps (peak memory is the highest) and drops days past retention', () => {
    usage.record([delta('2026-11-30'), delta('2026-12-01')], [], '2026-11-30');
    usage.record([delta('2026-12-01', { peakMemory: 50 })], [{ name: 'alice', pid: 3, rx: 1, tx: 2, cpuUs: 3, sampledAt: 4 }], '2026-12-01');
    expect(usage.days('2000-01-01')).toEqual([{ ...delta('2026-12-01'), activeMs: 120_000, requests: 4, bytesIn: 20, bytesOut: 40, cpuUs: 2000, peakMemory: 100 }]);
    expect(usage.samples().get('alice')).toEqual({ name: 'alice', pid: 3, rx: 1, tx: 2, cpuUs: 3, sampledAt: 4 });
    // A removed tenant's days stay (until retention), its samples go with it.
    tenants.delete('alice');
    expect(usage.days('2000-01-01', 'alice')).toHaveLength(1);
    expect(usage.samples().size).toBe(0);
  });

  it('a successful wake counts in its day and is the last activity; a failed one is neither', () => {
    const sleep = new SleepStore(db);
    const at = Date.parse('2026-12-01T10:00:00Z');
    sleep.beginWake('alice', at);
    sleep.endWake('alice', at, at + 500, false);
    expect(usage.days('2000-01-01')).toEqual([]);
    sleep.beginWake('alice', at + 1000);
    sleep.endWake('alice', at + 1000, at + 1500, true);
    expect(usage.days('2000-01-01').map((d) => [d.day, d.wakes])).toEqual([['2026-12-01', 1]]);
    expect([tenants.get('alice')?.lastActiveKind, tenants.get('alice')?.lastActiveAt]).toEqual(['wake', at + 1500]);
    sleep.setPinned('alice', true, at + 2000);
    expect(tenants.get('alice')?.lastActiveKind).toBe('pin');
  });

  it('keeps the newest summaries up to the cap, and none for a tenant that is gone', () => {
    const s = new SummaryStore(db);
    for (let i = 0; i < 5; i++) expect(s.add('alice', i, `{"i":${i}}`, 3)).toBe(true);
    expect(s.last('alice', 10).map((x) => x.body)).toEqual(['{"i":2}', '{"i":3}', '{"i":4}']);
    expect(s.last('alice', 2).map((x) => x.receivedAt)).toEqual([3, 4]);
    expect(s.add('nobody', 1, '{}', 3)).toBe(false);
    tenants.delete('alice');
    expect(s.last('alice', 10)).toEqual([]);
  });
});
