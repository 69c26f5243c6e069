import { tenantOfHost } from '../core/hosts.js';
import type { ContainerSummary } from '../core/container.js';
import type { LogCursor, TrafficSample } from '../store/sleep.js';
import type { LogRead } from './access-log.js';
import { judgeTraffic } from './traffic.js';

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
  readNetBytes: (pid: number) => Promise<number | undefined>;
}

export interface Activity {
  name: string;
  at: number;
  source: 'request' | 'traffic';
}

export interface Collected {
  activity: Activity[];
  samples: TrafficSample[];
  cursor: LogCursor | undefined;
}

/** Activity since the last sweep: requests from the access log, traffic from the network counters. */
export async function collectActivity(i: CollectInput): Promise<Collected> {
  const activity: Activity[] = [];
  const byName = new Map<string, number>();
  for (const [host, at] of i.log?.lastByHost ?? []) {
    const name = tenantOfHost(host, i.domain);
    if (name && i.names.has(name) && at > (byName.get(name) ?? 0)) byName.set(name, at);
  }
  for (const [name, at] of byName) activity.push({ name, at, source: 'request' });

  const samples: TrafficSample[] = [];
  await Promise.all([...i.containers].map(async ([name, k]) => {
    if (k.state !== 'running' || !k.pid) return;
    const bytes = await i.readNetBytes(k.pid);
    if (bytes === undefined) return;
    const v = judgeTraffic(i.prevSamples.get(name), { name, pid: k.pid, bytes, sampledAt: i.now }, i.threshold, i.windowMs);
    samples.push(v.keep);
    if (v.active) activity.push({ name, at: i.now, source: 'traffic' });
  }));
  return { activity, samples, cursor: i.log?.cursor };
}
