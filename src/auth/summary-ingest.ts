import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, ingestTokenMatches, MAX_SUMMARY_BYTES, MAX_SUMMARIES_PER_TENANT, parseSummary } from '../core/summary.js';
import { BodyRefused, readBodyBytes } from '../net/read-body.js';
import { send } from '../net/send.js';
import { PushBudget } from '../core/push-budget.js';
import { GATE_HEADER } from './gate-header.js';
import { gateRoute } from './gate-path.js';
import { tenantOf } from './gate.js';

export interface IngestDeps {
  domain: string;
  /** The stored hash of a known tenant's ingest token (null: it has none yet); undefined: no such tenant. */
  ingestHash(tenant: string): string | null | undefined;
  /** Stores a summary (with the bytes its body took as sent); false when the tenant went away meanwhile. */
  store(tenant: string, receivedAt: number, body: string, keep: number, wireBytes: number): boolean;
  now(): number;
  /** The pushes each tenant has left (core/push-budget.ts); a new budget by default. */
  budget?: PushBudget;
}

export interface Ingest {
  /** The request is for /_feather/summary, exactly (gate-path.ts). */
  claims(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * `POST /_feather/summary` on a tenant's own host: a JSON object of at most 64 KiB, pushed with
 * that tenant's ingest token as a Bearer token. Served by the watchdog whether the login gate is
 * on or off (caddy/routes.ts sends the path here either way). The token is checked against the
 * hash of the Host's tenant only, so one tenant's token never works on another's host; and a
 * browser never sends an Authorization header by itself, so another tenant's page (all tenants
 * are one site to a browser) cannot push without the token. Every answer carries the gate's
 * header: a push is not someone using the tenant, and the sweep does not count it as activity
 * (nor its bytes as traffic: they are stored with it, and activity/traffic.ts leaves them out).
 * A tenant pushing faster than its budget (core/push-budget.ts) gets 429 with Retry-After.
 */
export function createIngest(d: IngestDeps): Ingest {
  const budget = d.budget ?? new PushBudget();
  return {
    claims: (req) => gateRoute(req.url ?? '/') === 'summary',
    serve: async (req, res) => {
      const tenant = tenantOf(req.headers.host, d.domain);
      const hash = tenant === undefined ? undefined : d.ingestHash(tenant);
      if (tenant === undefined || hash === undefined) return answer(res, 404, { error: 'no such tenant' });
      if (req.method !== 'POST') return answer(res, 405, { error: 'POST a JSON object' }, { allow: 'POST' });
      const token = bearerToken(header(req, 'authorization'));
      // Checked before the body is read: without the token, nothing of it is ever looked at.
      // Not logged: anyone can send one, and Caddy's access log has it (status 401).
      if (!token || !ingestTokenMatches(token, hash)) {
        return answer(res, 401, { error: 'wrong or missing ingest token' }, { 'www-authenticate': 'Bearer realm="feather-summary"', connection: 'close' });
      }
      // After the token (no one else can spend a tenant's budget), before the body is read.
      const waitMs = budget.take(tenant, d.now());
      if (waitMs > 0) {
        return answer(res, 429, { error: 'too many summaries; push less often' }, { 'retry-after': String(Math.ceil(waitMs / 1000)), connection: 'close' });
      }
      const declared = Number(header(req, 'content-length') ?? '0');
      if (declared > MAX_SUMMARY_BYTES) return answer(res, 413, { error: `a summary is at most ${MAX_SUMMARY_BYTES} bytes` }, { connection: 'close' });
      let body: Buffer;
      try {
        body = await readBodyBytes(req, MAX_SUMMARY_BYTES);
      } catch (err) {
        if (err instanceof BodyRefused) return answer(res, err.status, { error: err.message }, { connection: 'close' });
        throw err;
      }
      const s = parseSummary(body);
      if (!s.ok) return answer(res, s.status, { error: s.error });
      const receivedAt = d.now();
      if (!d.store(tenant, receivedAt, s.text, MAX_SUMMARIES_PER_TENANT, body.length)) return answer(res, 404, { error: 'no such tenant' });
      answer(res, 201, { stored: true, receivedAt: new Date(receivedAt).toISOString() });
    },
  };
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  send(res, status, `${JSON.stringify(body)}\n`, { 'content-type': 'application/json', [GATE_HEADER]: 'summary', ...headers });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
