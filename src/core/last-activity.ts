// Pure: what last counted as activity for a tenant, and when: the answer to "why is it awake".

/**
 * A request (from Caddy's access log), traffic, a wake, a warmup (the admin API's, for a user about
 * to arrive), a (re)start of its container, or a pin.
 */
export type ActivityKind = 'request' | 'traffic' | 'wake' | 'warmup' | 'start' | 'pin';

/** The request as Caddy logged it: method, path (no query: it may carry secrets), client address. */
export interface RequestDetail {
  method: string;
  path: string;
  client: string;
}

/** What the state records with the latest activity: the request, or the traffic's bytes. */
export type ActivityDetail = { request: RequestDetail } | { bytes: number } | Record<string, never>;

export interface LastActivity {
  kind: ActivityKind;
  /** ISO time. */
  at: string;
  /** For a request. */
  request?: RequestDetail;
  /** For traffic: bytes in and out within the last minute. */
  bytes?: number;
}

export interface ActivityRecord {
  lastActiveAt: number | null;
  lastActiveKind: string | null;
  lastActiveDetail: string | null;
  createdAt: number;
}

const RECORDED = new Set<string>(['request', 'traffic', 'wake', 'warmup', 'pin']);

/**
 * The latest of: the recorded activity (request, traffic, wake, warmup, pin), the container's start, and
 * the tenant's creation (its first start). The same times the sweep plan takes its idle time from.
 */
export function lastActivity(r: ActivityRecord, startedAt: number | undefined): LastActivity {
  const started = Math.max(startedAt ?? 0, r.createdAt);
  if (r.lastActiveAt === null || r.lastActiveAt < started || !RECORDED.has(r.lastActiveKind ?? '')) {
    // An activity from before this migration has no kind: its time still counts, as "traffic or a request".
    if (r.lastActiveAt !== null && r.lastActiveAt >= started) return { kind: 'request', at: iso(r.lastActiveAt) };
    return { kind: 'start', at: iso(started) };
  }
  return { kind: r.lastActiveKind as ActivityKind, at: iso(r.lastActiveAt), ...parseDetail(r.lastActiveDetail) };
}

/** The stored detail, if it is one we wrote; anything else is dropped rather than shown. */
export function parseDetail(text: string | null): { request?: RequestDetail; bytes?: number } {
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {};
  }
  if (!v || typeof v !== 'object') return {};
  const o = v as Record<string, unknown>;
  if (typeof o.bytes === 'number') return { bytes: o.bytes };
  const q = o.request as Record<string, unknown> | undefined;
  if (q && typeof q.method === 'string' && typeof q.path === 'string' && typeof q.client === 'string') {
    return { request: { method: q.method, path: q.path, client: q.client } };
  }
  return {};
}

/** One line for people: `request GET /notebook from 10.0.0.7, 3m ago` is built by the renderer from this. */
export function describeActivity(a: LastActivity): string {
  if (a.kind === 'request' && a.request) return `request ${a.request.method} ${a.request.path} from ${a.request.client}`;
  if (a.kind === 'traffic' && a.bytes !== undefined) return `traffic (${a.bytes} bytes within a minute)`;
  return a.kind;
}

const iso = (ms: number) => new Date(ms).toISOString();
