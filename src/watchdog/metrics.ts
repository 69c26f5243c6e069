// The watchdog's counters, rendered in Prometheus' text format (no client library needed for a
// handful of series).
import type { UsageRow } from '../core/usage.js';

/** Today's usage series, one per tenant: bounded, as tenants are by the port range (at most one each). */
const USAGE_SERIES: readonly [string, string, (r: UsageRow) => number][] = [
  ['feather_tenant_usage_active_seconds', 'Active time today (UTC), per tenant.', (r) => r.activeMs / 1000],
  ['feather_tenant_usage_requests', 'Requests today (UTC), per tenant, from the access log.', (r) => r.requests],
  ['feather_tenant_usage_received_bytes', 'Bytes into the container today (UTC), per tenant.', (r) => r.bytesIn],
  ['feather_tenant_usage_sent_bytes', 'Bytes out of the container today (UTC), per tenant.', (r) => r.bytesOut],
  ['feather_tenant_usage_wakes', 'Wakes today (UTC), per tenant.', (r) => r.wakes],
  ['feather_tenant_usage_cpu_seconds', 'CPU time of the container today (UTC), per tenant.', (r) => r.cpuUs / 1e6],
  ['feather_tenant_usage_peak_memory_bytes', 'Peak memory of the container today (UTC), per tenant.', (r) => r.peakMemory],
];

const WAKE_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 45, 90];

export class Metrics {
  readonly wakes = new Map<string, number>();
  readonly requests = new Map<string, number>();
  readonly sweeps = new Map<string, number>();
  /** Admin API answers by status class (2xx, 4xx, 5xx): bounded, whatever clients send. */
  readonly adminRequests = new Map<string, number>();
  containerStarts = 0;
  sweptTenants = 0;
  lastSweepAt: number | undefined;
  lastSweepSeconds = 0;
  tenants: Record<string, number> = {};
  /** Today's usage rows, as of the last sweep (core/usage.ts). */
  usageToday: UsageRow[] = [];
  /** Open descriptors now and the soft limit (watchdog/fds.ts); undefined where /proc is missing. */
  fds: () => { open: number | undefined; limit: number | undefined } = () => ({ open: undefined, limit: undefined });
  private readonly buckets = WAKE_BUCKETS.map(() => 0);
  private wakeSum = 0;
  private wakeCount = 0;

  inc(map: Map<string, number>, key: string, by = 1): void {
    map.set(key, (map.get(key) ?? 0) + by);
  }

  observeWake(ok: boolean, seconds: number): void {
    this.inc(this.wakes, ok ? 'ok' : 'failed');
    this.wakeSum += seconds;
    this.wakeCount += 1;
    WAKE_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    });
  }

  /**
   * `waking`: wakes in flight right now (they count as a state of their own); `held`: requests
   * held for a wake or relayed to a tenant right now, and their cap (wake/held.ts).
   */
  render(waking: number, held: { count: number; max: number } = { count: 0, max: 0 }): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
    };
    const labelled = (label: string, m: Map<string, number> | Record<string, number>): [string, number][] =>
      Object.entries(m instanceof Map ? Object.fromEntries(m) : m).map(([k, v]) => [`{${label}="${k}"}`, v]);

    metric('feather_tenant_tenants', 'gauge', 'Tenants by state, as of the last sweep (waking: right now).',
      labelled('state', { running: 0, asleep: 0, stopped: 0, missing: 0, ...this.tenants, waking }));
    metric('feather_tenant_wakes_total', 'counter', 'Finished wakes by result.', labelled('result', { ok: 0, failed: 0, ...Object.fromEntries(this.wakes) }));
    lines.push('# HELP feather_tenant_wake_duration_seconds From the first request to the tenant answering HTTP.', '# TYPE feather_tenant_wake_duration_seconds histogram');
    WAKE_BUCKETS.forEach((b, i) => lines.push(`feather_tenant_wake_duration_seconds_bucket{le="${b}"} ${this.buckets[i] ?? 0}`));
    lines.push(
      `feather_tenant_wake_duration_seconds_bucket{le="+Inf"} ${this.wakeCount}`,
      `feather_tenant_wake_duration_seconds_sum ${this.wakeSum}`,
      `feather_tenant_wake_duration_seconds_count ${this.wakeCount}`,
    );
    metric('feather_tenant_container_starts_total', 'counter', 'podman start calls made by wakes.', [['', this.containerStarts]]);
    metric('feather_tenant_wake_requests_total', 'counter', 'Requests the wake server answered, by how.', labelled('kind', this.requests));
    metric('feather_tenant_held_requests', 'gauge', 'Requests held for a wake or relayed to a tenant by the wake server right now (two descriptors each).', [['', held.count]]);
    metric('feather_tenant_max_held_requests', 'gauge', 'The cap on held requests (FEATHER_TENANT_MAX_HELD); beyond it, 503 with Retry-After.', [['', held.max]]);
    const fds = this.fds();
    if (fds.open !== undefined) metric('feather_tenant_open_fds', 'gauge', 'File descriptors the watchdog has open.', [['', fds.open]]);
    if (fds.limit !== undefined && Number.isFinite(fds.limit)) metric('feather_tenant_max_fds', 'gauge', "The watchdog's soft limit on open file descriptors.", [['', fds.limit]]);
    metric('feather_tenant_admin_requests_total', 'counter', 'Admin API answers by status class (401, 403 and 429 are 4xx).',
      labelled('class', { '2xx': 0, '4xx': 0, '5xx': 0, ...Object.fromEntries(this.adminRequests) }));
    metric('feather_tenant_sweeps_total', 'counter', 'Sweeps by result.', labelled('result', { ok: 0, error: 0, ...Object.fromEntries(this.sweeps) }));
    metric('feather_tenant_swept_tenants_total', 'counter', 'Tenants put to sleep by sweeps.', [['', this.sweptTenants]]);
    metric('feather_tenant_last_sweep_timestamp_seconds', 'gauge', 'When the last successful sweep finished (Unix time).', [['', this.lastSweepAt ? this.lastSweepAt / 1000 : 0]]);
    metric('feather_tenant_last_sweep_duration_seconds', 'gauge', 'How long the last successful sweep took.', [['', this.lastSweepSeconds]]);
    // Gauges, not counters: each day starts again from zero.
    for (const [name, help, value] of USAGE_SERIES) metric(name, 'gauge', help, this.usageToday.map((r) => [`{tenant="${r.name}"}`, value(r)]));
    return `${lines.join('\n')}\n`;
  }
}
