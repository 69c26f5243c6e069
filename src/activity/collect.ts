import { tenantOfHost } from '../core/hosts.js';
import type { ContainerSummary } from '../core/container.js';
import type { UsageReading } from '../core/usage.js';
import type { LogCursor, RecordedActivity, TrafficSample } from '../store/sleep.js';
import type { LogRead } from './access-log.js';
import type { CgroupUsage } from './cgroup.js';
import { judgeTraffic, pushWireBytes } from './traffic.js';

export interface CollectInput {
  domain: string;
  now: number;
  /** Every tenant in state. */
  names: ReadonlySet<string>;
  /** Their containers by tenant name (from the one `podman ps`). */
  containers: Map<string, ContainerSummary>;
  prevSamples: Map<string, TrafficSample>;
  /** Bytes within `windowMs` above which traffic counts as activity. */
  threshold: number;
  windowMs: number;
  log: LogRead | undefined;
  readNet: (pid: number) => Promise<{ rx: number; tx: number } | undefined>;
  readCgroup: (pid: number) => Promise<CgroupUsage | undefined>;
  /** The tenant's summary pushes stored in (after, upTo]: their bytes are not traffic (a push is not activity). */
  pushed?: (name: string, after: number, upTo: number) => { count: number; bytes: number };
}

export interface Collected {
  activity: RecordedActivity[];
  samples: TrafficSample[];
  cursor: LogCursor | undefined;
  /** Each running container's counters, for usage (core/usage.ts). */
  readings: UsageReading[];
  /** Requests per tenant in the log since the last read. */
  requests: Map<string, number>;
}

/**
 * Activity since the last sweep: requests from the access log, traffic from the network counters;
 * and each running container's counters (network, CPU, memory) for usage, read in the same pass.
 */
export async function collectActivity(i: CollectInput): Promise<Collected> {
  const activity: RecordedActivity[] = [];
  const requests = new Map<string, number>();
  const latest = new Map<string, RecordedActivity>();
  for (const [host, r] of i.log?.requests ?? []) {
    const name = tenantOfHost(host, i.domain);
    if (!name || !i.names.has(name)) continue;
    requests.set(name, (requests.get(name) ?? 0) + r.count);
    const { at, ...request } = r.last;
    if (at > (latest.get(name)?.at ?? 0)) latest.set(name, { name, at, kind: 'request', detail: JSON.stringify({ request }) });
  }
  activity.push(...latest.values());

  const samples: TrafficSample[] = [];
  const readings: UsageReading[] = [];
  await Promise.all([...i.containers].map(async ([name, k]) => {
    if (k.state !== 'running' || !k.pid) return;
    const pid = k.pid;
    const [net, cg] = await Promise.all([i.readNet(pid), i.readCgroup(pid)]);
    if (!net) return;
    readings.push({ name, pid, rx: net.rx, tx: net.tx, cpuUs: cg?.cpuUs ?? 0, peakBytes: cg?.peakBytes, currentBytes: cg?.currentBytes, startedAt: k.startedAt?.getTime() });
    const prev = i.prevSamples.get(name);
    // Up to any time, not `now`: a push that lands between `now` and the counters' read is in
    // the counters already (excluding it twice later only forgives, never invents, activity).
    const excluded = prev && i.pushed ? pushWireBytes(i.pushed(name, prev.sampledAt, Number.MAX_SAFE_INTEGER)) : 0;
    const v = judgeTraffic(prev, { name, pid, bytes: net.rx + net.tx, sampledAt: i.now }, i.threshold, i.windowMs, excluded);
    samples.push(v.keep);
    // Traffic in the same sweep as a request is taken to be that request's: the request is the
    // better answer to "why is it awake", and its time is within the same minute.
    if (v.active && !latest.has(name)) activity.push({ name, at: i.now, kind: 'traffic', detail: JSON.stringify({ bytes: v.grown }) });
  }));
  return { activity, samples, cursor: i.log?.cursor, readings, requests };
}
