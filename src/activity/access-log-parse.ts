import { GATE_HEADER } from '../auth/gate-header.js';

// Pure: the latest request time per host in lines of Caddy's JSON access log.

interface AccessLine {
  ts?: number;
  request?: { host?: string };
  resp_headers?: Record<string, unknown>;
}

/**
 * Adds each line's time (ms) to `into`, keeping the latest per host; lines that are not access
 * entries are skipped, and so are the login gate's answers (gate-header.ts): a request the gate
 * turned away is no one using the tenant.
 */
export function latestByHost(lines: Iterable<string>, into: Map<string, number> = new Map()): Map<string, number> {
  for (const line of lines) {
    if (!line.includes('"request"')) continue;
    let entry: AccessLine;
    try {
      entry = JSON.parse(line) as AccessLine;
    } catch {
      continue; // a torn or foreign line: activity is best effort, the next request counts again
    }
    const host = entry.request?.host;
    if (typeof host !== 'string' || typeof entry.ts !== 'number' || fromGate(entry)) continue;
    const at = Math.round(entry.ts * 1000);
    if (at > (into.get(host) ?? 0)) into.set(host, at);
  }
  return into;
}

/** Caddy writes header names canonicalised (X-Feather-Gate); compared without case all the same. */
function fromGate(entry: AccessLine): boolean {
  const name = GATE_HEADER.toLowerCase();
  return Object.keys(entry.resp_headers ?? {}).some((k) => k.toLowerCase() === name);
}
