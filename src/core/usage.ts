// Pure: a tenant's usage per UTC day, rolled up from what each sweep reads: the container's
// counters (network bytes, CPU time; they start at zero with each new container process, so a
// new PID is counted from zero), its memory, the requests in Caddy's access log, and whether
// anything counted as activity since the last sweep.

export interface UsageSample {
  name: string;
  pid: number;
  rx: number;
  tx: number;
  cpuUs: number;
  sampledAt: number;
}

export interface UsageReading {
  name: string;
  pid: number;
  rx: number;
  tx: number;
  cpuUs: number;
  peakBytes: number | undefined;
  currentBytes: number | undefined;
  /** When the container started (ms): its kernel peak covers only the time since. */
  startedAt: number | undefined;
}

/** What one sweep adds to a tenant's day (peakMemory is a maximum, the rest are sums). */
export interface UsageDelta {
  name: string;
  day: string;
  activeMs: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  wakes: number;
  cpuUs: number;
  peakMemory: number;
}

/** A stored day: the sum of its sweeps' deltas. */
export type UsageRow = UsageDelta;

export interface RollupInput {
  now: number;
  readings: UsageReading[];
  prev: ReadonlyMap<string, UsageSample>;
  /** Requests per tenant in the access log since the last sweep. */
  requests: ReadonlyMap<string, number>;
  /** Tenants with activity since the last sweep. */
  active: ReadonlySet<string>;
  /** The sweep interval: a sweep's active time is at most this, and less when the last one was nearer. */
  intervalMs: number;
}

const DAY_MS = 86_400_000;

/** The UTC day of a time, as `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A counter's growth since the sample: from zero when the process (and so the counter) is new. */
function grown(prev: UsageSample | undefined, pid: number, before: (s: UsageSample) => number, now: number): number {
  if (!prev || prev.pid !== pid) return now;
  return Math.max(0, now - before(prev));
}

/**
 * Memory for the day: the kernel's peak when the container started today (it covers only today),
 * else what is in use now (a peak from yesterday's start would be yesterday's).
 */
export function dayPeak(r: Pick<UsageReading, 'peakBytes' | 'currentBytes' | 'startedAt'>, now: number): number {
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const current = r.currentBytes ?? 0;
  return r.startedAt !== undefined && r.startedAt >= dayStart ? Math.max(r.peakBytes ?? 0, current) : current;
}

/** This sweep's additions per tenant, and the samples the next sweep counts from. */
export function rollup(i: RollupInput): { deltas: UsageDelta[]; samples: UsageSample[] } {
  const day = dayOf(i.now);
  const deltas = new Map<string, UsageDelta>();
  const delta = (name: string): UsageDelta => {
    let d = deltas.get(name);
    if (!d) deltas.set(name, (d = { name, day, activeMs: 0, requests: 0, bytesIn: 0, bytesOut: 0, wakes: 0, cpuUs: 0, peakMemory: 0 }));
    return d;
  };
  const samples: UsageSample[] = [];
  for (const r of i.readings) {
    const prev = i.prev.get(r.name);
    // A sweep that ran alongside this one (cron and the watchdog) sampled later: it counted this.
    if (prev && prev.sampledAt >= i.now) continue;
    const d = delta(r.name);
    d.bytesIn += grown(prev, r.pid, (s) => s.rx, r.rx);
    d.bytesOut += grown(prev, r.pid, (s) => s.tx, r.tx);
    d.cpuUs += grown(prev, r.pid, (s) => s.cpuUs, r.cpuUs);
    d.peakMemory = dayPeak(r, i.now);
    samples.push({ name: r.name, pid: r.pid, rx: r.rx, tx: r.tx, cpuUs: r.cpuUs, sampledAt: i.now });
  }
  for (const [name, n] of i.requests) delta(name).requests += n;
  for (const name of i.active) {
    const prev = i.prev.get(name);
    delta(name).activeMs += prev ? Math.min(Math.max(0, i.now - prev.sampledAt), i.intervalMs) : i.intervalMs;
  }
  return { deltas: [...deltas.values()], samples };
}

/** The oldest day kept with `days` of retention (today counts as one). */
export function oldestKeptDay(now: number, days: number): string {
  return dayOf(now - (days - 1) * DAY_MS);
}

export interface UsageTotal {
  name: string;
  days: number;
  activeMinutes: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  wakes: number;
  cpuSeconds: number;
  /** The highest of the days' peaks (bytes). */
  peakMemory: number;
}

/** Per tenant over the rows, most active first (then by name), and the sum of all of them. */
export function totals(rows: readonly UsageRow[]): { tenants: UsageTotal[]; total: UsageTotal } {
  const by = new Map<string, UsageTotal & { activeMs: number; cpuUs: number }>();
  const zero = (name: string) => ({ name, days: 0, activeMinutes: 0, requests: 0, bytesIn: 0, bytesOut: 0, wakes: 0, cpuSeconds: 0, peakMemory: 0, activeMs: 0, cpuUs: 0 });
  const all = zero('total');
  for (const r of rows) {
    let t = by.get(r.name);
    if (!t) by.set(r.name, (t = zero(r.name)));
    for (const x of [t, all]) {
      x.days += 1;
      x.activeMs += r.activeMs;
      x.requests += r.requests;
      x.bytesIn += r.bytesIn;
      x.bytesOut += r.bytesOut;
      x.wakes += r.wakes;
      x.cpuUs += r.cpuUs;
      x.peakMemory = Math.max(x.peakMemory, r.peakMemory);
    }
  }
  const finish = ({ activeMs, cpuUs, ...t }: UsageTotal & { activeMs: number; cpuUs: number }): UsageTotal =>
    ({ ...t, activeMinutes: Math.round(activeMs / 600) / 100, cpuSeconds: Math.round(cpuUs / 10_000) / 100 });
  const tenants = [...by.values()].sort((a, b) => b.activeMs - a.activeMs || b.cpuUs - a.cpuUs || a.name.localeCompare(b.name)).map(finish);
  const total = finish(all);
  total.days = new Set(rows.map((r) => r.day)).size;
  return { tenants, total };
}

/**
 * The first day `--since` covers: `7d` is today and the six days before, `12h` the days those
 * hours touch, or a date (`2026-11-01`). Usage is kept per day, so days are the finest grain.
 */
export function sinceDay(text: string, now: number): string | undefined {
  const m = /^(\d{1,5})([dh])$/.exec(text);
  if (m) {
    const n = Number(m[1]);
    if (n < 1) return undefined;
    return m[2] === 'd' ? oldestKeptDay(now, n) : dayOf(now - n * 3_600_000);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && dayOf(Date.parse(`${text}T00:00:00Z`)) === text) return text;
  return undefined;
}
