// The admin API's HTTP server (docs/admin-api.md): refusals before the token (guard.ts), the
// token with its attempt limit, then the route table (routes.ts) and the command it names. JSON
// in every answer, errors as the CLI's vocabulary (cli/http-errors.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { rateKey } from '../auth/rate-key.js';
import { httpError } from '../cli/http-errors.js';
import type { WarmupDeps } from '../commands/warmup.js';
import type { Context } from '../runtime/context.js';
import { send } from '../net/send.js';
import { errorField, type Logger } from '../watchdog/log.js';
import { throttledLog } from '../watchdog/log-throttle.js';
import type { Metrics } from '../watchdog/metrics.js';
import { guardRefusal } from './guard.js';
import type { AttemptLimiter } from './limiter.js';
import { ROUTES, type Route } from './routes.js';
import { route } from './router.js';

export interface AdminServerDeps {
  ctx: Context;
  warm: WarmupDeps;
  token: { matches(given: string | undefined): boolean };
  limiter: AttemptLimiter;
  metrics: Metrics;
  log: Logger;
  routes?: readonly Route[];
}

/** Connections open at once: an operator's scripts need a few; the cap bounds our descriptors. */
const MAX_CONNECTIONS = 64;

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' };

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  send(res, status, `${JSON.stringify(body)}\n`, { ...JSON_HEADERS, ...headers });
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The token of `Authorization: Bearer <token>`, or undefined. */
function bearer(req: IncomingMessage): string | undefined {
  // The scheme's name is case-insensitive (RFC 9110); the token is compared as sent.
  return /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
}

/** A request with a body: any Content-Length but 0, or Transfer-Encoding. */
const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

export function createAdminServer(d: AdminServerDeps): Server {
  const routes = d.routes ?? ROUTES;
  const refused = throttledLog(d.log, 60_000, () => d.ctx.now());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const refusal = guardRefusal({
      host: header(req, 'host'), origin: header(req, 'origin'), secFetchSite: header(req, 'sec-fetch-site'), upgrade: req.headers.upgrade !== undefined, url,
    });
    if (refusal) {
      refused(`guard:${refusal.status}`, 'warn', 'admin API request refused', { error: refusal.error, client: req.socket.remoteAddress });
      return answer(res, refusal.status, { error: refusal.error, ...(refusal.hint ? { hint: refusal.hint } : {}) }, { connection: 'close' });
    }
    const client = rateKey(req.socket.remoteAddress ?? 'unknown');
    // Counted before the token is compared, as a login is before its password (limiter.ts).
    const wait = d.limiter.attempt(client);
    if (wait > 0) return answer(res, 429, { error: 'too many requests with a wrong or missing token', hint: `try again in ${wait} s` }, { 'retry-after': wait });
    if (!d.token.matches(bearer(req))) {
      refused('token', 'warn', 'admin API request with a wrong or missing token', { client: req.socket.remoteAddress });
      return answer(res, 401, { error: 'a wrong or missing token', hint: 'send "Authorization: Bearer <token>"; the token is printed by: feather-tenant admin-token' }, { 'www-authenticate': 'Bearer realm="feather-tenant-admin"' });
    }
    d.limiter.succeeded(client);
    const m = route(routes, req.method ?? '', url);
    if (!m.ok) {
      return answer(res, m.status, { error: m.error, ...(m.hint ? { hint: m.hint } : {}) }, m.allow ? { allow: m.allow.join(', ') } : {});
    }
    // Nothing takes a body: one is refused unread, and the connection closed rather than drained.
    if (hasBody(req)) return answer(res, 400, { error: `${m.route.method} ${m.route.path} takes no request body`, hint: 'options go in the path or the query' });
    const t0 = d.ctx.now();
    try {
      const result = await m.route.run({ ctx: d.ctx, warm: d.warm, name: m.params.name ?? '', query: m.query });
      answer(res, 200, result);
    } catch (err) {
      const e = httpError(err);
      if (e.bug) d.log('error', 'admin API handler failed', { path: url, error: (err as Error)?.stack ?? errorField(err) });
      answer(res, e.status, e.body);
    }
    if (m.route.method === 'POST') d.log('info', 'admin API', { method: m.route.method, path: url, status: res.statusCode, ms: d.ctx.now() - t0 });
  }

  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 10_000 }, (req, res) => {
    res.once('finish', () => d.metrics.inc(d.metrics.adminRequests, `${Math.floor(res.statusCode / 100)}xx`));
    // A body is never read (nothing takes one): close after the answer rather than drain it.
    if (hasBody(req)) res.setHeader('connection', 'close');
    handle(req, res).catch((err: unknown) => {
      d.log('error', 'admin API request failed', { error: errorField(err) });
      if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    d.metrics.inc(d.metrics.adminRequests, '4xx');
    const body = `${JSON.stringify({ error: 'the admin API takes no protocol upgrades' })}\n`;
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // What Node would answer itself (431 for headers over maxHeaderSize, 400 for garbage), counted.
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    d.metrics.inc(d.metrics.adminRequests, '4xx');
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}
