import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { UsageDelta, UsageRow, UsageSample } from '../core/usage.js';
import type { UsageState } from './port.js';

const COLUMNS = `name, day, active_ms AS activeMs, requests, bytes_in AS bytesIn, bytes_out AS bytesOut, wakes,
                 cpu_us AS cpuUs, peak_memory AS peakMemory`;

/** Usage per tenant and day (core/usage.ts computes what each sweep adds). */
export class UsageStore implements UsageState {
  constructor(private readonly db: Db) {}

  /** One transaction: the sweep's additions, its samples, and the days past retention dropped. */
  record(deltas: UsageDelta[], samples: UsageSample[], oldestKeptDay: string): void {
    const add = prepared(this.db, `INSERT INTO usage_days (name, day, active_ms, requests, bytes_in, bytes_out, wakes, cpu_us, peak_memory)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name, day) DO UPDATE SET active_ms = active_ms + excluded.active_ms, requests = requests + excluded.requests,
         bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out, wakes = wakes + excluded.wakes,
         cpu_us = cpu_us + excluded.cpu_us, peak_memory = MAX(peak_memory, excluded.peak_memory)`);
    const sample = prepared(this.db, `INSERT INTO usage_samples (name, pid, rx, tx, cpu_us, sampled_at)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tenants WHERE name = ?)
       ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, rx = excluded.rx, tx = excluded.tx, cpu_us = excluded.cpu_us, sampled_at = excluded.sampled_at`);
    const prune = prepared(this.db, 'DELETE FROM usage_days WHERE day < ?');
    this.db.transaction(() => {
      for (const d of deltas) add.run(d.name, d.day, d.activeMs, d.requests, d.bytesIn, d.bytesOut, d.wakes, d.cpuUs, d.peakMemory);
      for (const s of samples) sample.run(s.name, s.pid, s.rx, s.tx, s.cpuUs, s.sampledAt, s.name);
      prune.run(oldestKeptDay);
    }).immediate();
  }

  samples(): Map<string, UsageSample> {
    const rows = prepared(this.db, 'SELECT name, pid, rx, tx, cpu_us AS cpuUs, sampled_at AS sampledAt FROM usage_samples').all() as UsageSample[];
    return new Map(rows.map((r) => [r.name, r]));
  }

  /** Days from `sinceDay` on, of one tenant or all. */
  days(sinceDay: string, name?: string): UsageRow[] {
    return (name === undefined
      ? prepared(this.db, `SELECT ${COLUMNS} FROM usage_days WHERE day >= ? ORDER BY name, day`).all(sinceDay)
      : prepared(this.db, `SELECT ${COLUMNS} FROM usage_days WHERE day >= ? AND name = ? ORDER BY day`).all(sinceDay, name)) as UsageRow[];
  }
}
