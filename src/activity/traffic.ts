import { readFile } from 'node:fs/promises';
import type { TrafficSample } from '../store/sleep.js';

// A tenant's network traffic, read from its container's network namespace through the PID that
// `podman ps` already gave us: no extra podman call per tenant. With one container per podman
// network, these are exactly the tenant's bytes in and out.

/** Pure: received plus sent bytes of every interface but loopback, from /proc/PID/net/dev. */
export function parseNetDev(text: string): number {
  const { rx, tx } = parseNetDevSplit(text);
  return rx + tx;
}

/** Pure: received (into the container) and sent bytes apart, loopback left out. */
export function parseNetDevSplit(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = (m[2] ?? '').trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

export async function readNetBytes(pid: number): Promise<number | undefined> {
  const s = await readNetSplit(pid);
  return s && s.rx + s.tx;
}

export async function readNetSplit(pid: number): Promise<{ rx: number; tx: number } | undefined> {
  try {
    return parseNetDevSplit(await readFile(`/proc/${pid}/net/dev`, 'utf8'));
  } catch {
    return undefined; // gone since ps, or /proc not ours to read: traffic is best effort
  }
}

export interface TrafficVerdict {
  /** The baseline for next time: kept until it is a window old or the tenant was active. */
  keep: TrafficSample;
  /** More than `threshold` bytes since the baseline: the tenant was active. */
  active: boolean;
  /** Bytes since the baseline. */
  grown: number;
}

/**
 * What a summary push costs on the wire beyond its body: measured from inside a container over
 * plain HTTP (MTU 1500), 1.1 to 1.9 KB (headers both ways, handshake, ACKs); over HTTPS a TLS
 * handshake adds a few KB of certificates. Rounded up: overcounting only forgives that much of
 * other traffic in the same minute, which alone is under the default threshold (4096).
 */
export const PUSH_OVERHEAD_BYTES = 8192;

/** The bytes `count` summary pushes of `bytes` in all took on the wire, at most (see above). */
export function pushWireBytes(p: { count: number; bytes: number }): number {
  return p.bytes + p.count * PUSH_OVERHEAD_BYTES;
}

/**
 * Pure: more than `threshold` bytes since the baseline, the baseline being at most `windowMs`
 * old, counts as activity. A stream or a busy WebSocket crosses it within the window; keep-alive
 * pings never do, however long they go on, because the baseline moves on every window. A new
 * PID means new counters, which started at zero. `excluded` bytes since the baseline are not
 * someone using the tenant (its own summary pushes: pushWireBytes) and are left out.
 */
export function judgeTraffic(prev: TrafficSample | undefined, cur: TrafficSample, threshold: number, windowMs: number, excluded = 0): TrafficVerdict {
  if (!prev) return { keep: cur, active: false, grown: 0 };
  const raw = prev.pid === cur.pid && cur.bytes >= prev.bytes ? cur.bytes - prev.bytes : cur.bytes;
  const grown = Math.max(0, raw - excluded);
  if (grown > threshold) return { keep: cur, active: true, grown };
  if (cur.sampledAt - prev.sampledAt >= windowMs) return { keep: cur, active: false, grown };
  return { keep: prev, active: false, grown };
}
