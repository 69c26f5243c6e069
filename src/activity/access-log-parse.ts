import { GATE_HEADER, GATE_PASSED } from '../auth/gate-header.js';
import type { RequestDetail } from '../core/last-activity.js';

// Pure: the latest request time per host in lines of Caddy's JSON access log, and (for usage and
// "why is it awake") how many requests each host had and which was the latest.

interface AccessLine {
  ts?: number;
  request?: { host?: string; method?: string; uri?: string; remote_ip?: string; client_ip?: string };
  resp_headers?: Record<string, unknown>;
}

/** Requests to one host that counted as activity: how many, and the latest. */
export interface HostRequests {
  count: number;
  last: RequestDetail & { at: number };
}

export interface ParseOptions {
  /**
   * The login gate is on: only lines marked as passed by it count (gate-header.ts). Without the
   * gate, every line counts except the gate's own answers.
   */
  gated?: boolean;
}

/**
 * Adds each line's time (ms) to `into`, keeping the latest per host; lines that are not access
 * entries are skipped, and so is every request the gate did not let through (gate-header.ts):
 * a request the gate turned away is no one using the tenant.
 */
export function latestByHost(lines: Iterable<string>, into: Map<string, number> = new Map(), opts: ParseOptions = {}, tally?: Map<string, HostRequests>): Map<string, number> {
  for (const line of lines) {
    if (!line.includes('"request"')) continue;
    let entry: AccessLine;
    try {
      entry = JSON.parse(line) as AccessLine;
    } catch {
      continue; // a torn or foreign line: activity is best effort, the next request counts again
    }
    const host = entry.request?.host;
    if (typeof host !== 'string' || typeof entry.ts !== 'number') continue;
    const gate = gateAnswer(entry);
    if (opts.gated ? gate !== GATE_PASSED : gate !== undefined && gate !== GATE_PASSED) continue;
    const at = Math.round(entry.ts * 1000);
    if (at > (into.get(host) ?? 0)) into.set(host, at);
    if (tally) count(tally, host, at, entry.request ?? {});
  }
  return into;
}

/**
 * The gate's mark on the response, if any: GATE_PASSED when any value says so (a tenant may add
 * a value of its own), else the gate's answer. Caddy writes header names canonicalised
 * (X-Feather-Gate) and values as arrays; compared without case all the same.
 */
function gateAnswer(entry: AccessLine): string | undefined {
  const name = GATE_HEADER.toLowerCase();
  const values = Object.entries(entry.resp_headers ?? {}).filter(([k]) => k.toLowerCase() === name).flatMap(([, v]) => (Array.isArray(v) ? (v as unknown[]) : [v])).map(String);
  if (values.length === 0) return undefined;
  return values.includes(GATE_PASSED) ? GATE_PASSED : values[0];
}

function count(tally: Map<string, HostRequests>, host: string, at: number, r: NonNullable<AccessLine['request']>): void {
  const t = tally.get(host) ?? { count: 0, last: { at: 0, method: '', path: '', client: '' } };
  t.count += 1;
  if (at >= t.last.at) {
    // The path without its query: a query may carry a token, and the state is no place for it.
    const uri = typeof r.uri === 'string' ? r.uri : '';
    const path = (uri.split('?')[0] ?? '').slice(0, 200);
    t.last = { at, method: String(r.method ?? '').slice(0, 16), path, client: String(r.client_ip ?? r.remote_ip ?? '') };
  }
  tally.set(host, t);
}
