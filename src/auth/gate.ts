import type { IncomingMessage, ServerResponse } from 'node:http';
import { tenantOfHost } from '../core/hosts.js';
import { BodyRefused, readBody } from '../net/read-body.js';
import { send } from '../net/send.js';
import { RESERVED_NAMES } from '../core/names.js';
import { verifyPassword } from '../core/password.js';
import { COOKIE, splitCookies } from './cookie.js';
import { GATE_HEADER } from './gate-header.js';
import { gateRoute } from './gate-path.js';
import { loginPage, logoutPage } from './login-page.js';
import { safeNext } from './next-path.js';
import { crossOriginRefusal } from './origin.js';
import { rateKey } from './rate-key.js';
import { newSessionId } from './sessions.js';
import type { SessionsPort } from './sessions-port.js';
import { signSession, verifySession } from './tokens.js';

export interface GateDeps {
  domain: string;
  /** The scheme tenants are published on (FEATHER_TENANT_SCHEME): their own origin's, with Host. */
  scheme: string;
  sessionMaxMs: number;
  loginRate: number;
  key: Uint8Array;
  /** The stored scrypt hash of a known tenant; undefined for an unknown one. */
  passwordHash(tenant: string): string | null | undefined;
  /** Throws while Redis is unreachable: the gate then fails closed. */
  sessions(): SessionsPort;
  now(): number;
  log(event: Record<string, unknown>): void;
}

export interface Gate {
  /** The request is the gate's: its path is under /_feather/ in some spelling (gate-path.ts). */
  claims(req: IncomingMessage): boolean;
  /**
   * Answers a request the gate claims, on a plain request or on an upgrade's socket alike: it
   * never switches protocols, so an upgrade that asks the gate is never spliced anywhere.
   */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * The login gate, served by the watchdog on every tenant host under /_feather/: `verify`
 * (Caddy's forward_auth asks it before each request, WebSocket upgrades included), `login` and
 * `logout`. Any other spelling of a path under /_feather/ is refused with a 404.
 */
export function createGate(d: GateDeps): Gate {
  return {
    claims: (req) => gateRoute(req.url ?? '/') !== undefined,
    serve: async (req, res) => {
      const route = gateRoute(req.url ?? '/');
      const tenant = tenantOf(req.headers.host, d.domain);
      if (!tenant || d.passwordHash(tenant) === undefined) return answer(res, 'unknown-tenant', 404, 'no such tenant\n');
      try {
        if (route === 'verify') await verify(d, tenant, req, res);
        // The pages take no upgrade: only verify is asked with one (Caddy keeps the client's
        // Upgrade header on its subrequest, and passes it on only for a real upgrade).
        // summary is the ingest's (summary-ingest.ts), answered before the gate is asked.
        else if (isUpgrade(req) || route === undefined || route === 'other' || route === 'summary') answer(res, 'not-found', 404, 'not found\n');
        else if (route === 'login' && req.method === 'POST') await login(d, tenant, req, res);
        else if (route === 'login') answer(res, 'login-page', 200, loginPage({ tenant, next: safeNext(new URL(req.url ?? '/', 'http://x').searchParams.get('next')) }), HTML);
        else if (req.method === 'POST') await logout(d, tenant, req, res);
        else answer(res, 'logout-page', 200, logoutPage({ tenant }), HTML);
      } catch (err) {
        // A body too large or too slow: refused, and the connection closed (no log line: any
        // client can send one, and Caddy's access log has it).
        if (err instanceof BodyRefused) return answer(res, 'bad-body', err.status, `${err.message}\n`, { connection: 'close' });
        // Fail closed: without Redis no session can be checked, so none is accepted.
        d.log({ level: 'error', msg: 'gate unavailable', tenant, error: (err as Error).message });
        answer(res, 'unavailable', 503, 'sessions are unavailable; try again shortly\n', { 'retry-after': '5' });
      }
    },
  };
}

const HTML = { 'content-type': 'text/html; charset=utf-8' };

/** Every answer but verify's 200 says it is the gate's (gate-header.ts). */
function answer(res: ServerResponse, kind: string, status: number, body: string, headers: Record<string, string> = {}): void {
  send(res, status, body, { [GATE_HEADER]: kind, ...headers });
}

async function verify(d: GateDeps, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = header(req, 'x-forwarded-method') ?? 'GET';
  if (crossOrigin(d, req, method, isUpgrade(req))) return answer(res, 'cross-origin', 403, 'cross-origin request refused\n');
  const { session, others } = splitCookies(req.headers.cookie);
  const sessions = d.sessions();
  if (session) {
    const v = await verifySession(d.key, session, tenant, d.now());
    const state = v.ok ? await sessions.checkAndTouch(tenant, v.claims.sid, v.claims.iatMs) : v.reason;
    if (v.ok && state === 'ok') {
      // Caddy copies this into the proxied request's Cookie header: the tenant never sees ours.
      res.setHeader('X-Feather-Cookie', others);
      res.setHeader('X-Feather-Session', v.claims.sid);
      // No body, and a Content-Length (send): Caddy's handle_response closes the verifier's
      // response without reading it, and Go reuses a connection only when nothing of the body
      // is left unread. Measured: with a chunked 3-byte body every gated request opened a new
      // connection to the watchdog (1,300 TIME-WAITs for 1,300 requests).
      send(res, 200, '');
      return;
    }
    // Why goes to the log, never to the client: "revoked" or "idle" tells a thief with a stolen
    // cookie what happened. Only a presented cookie is logged: a scanner sends none.
    d.log({ level: 'info', msg: 'session refused', tenant, reason: state, client: clientAddress(req) });
  }
  const uri = header(req, 'x-forwarded-uri') ?? '/';
  if (method === 'GET' && /text\/html/.test(String(req.headers.accept ?? ''))) {
    answer(res, 'login-required', 302, 'login required\n', { location: `/_feather/login?next=${encodeURIComponent(safeNext(uri))}` });
  } else {
    answer(res, 'login-required', 401, `${JSON.stringify({ error: 'login required' })}\n`, {
      'content-type': 'application/json', 'www-authenticate': 'FeatherSession realm="feather"',
    });
  }
}

async function login(d: GateDeps, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Login CSRF: mallory's page must not sign alice's browser in (to any session at all).
  if (crossOrigin(d, req, 'POST', false)) return answer(res, 'cross-origin', 403, 'cross-origin request refused\n');
  const client = clientAddress(req);
  const sessions = d.sessions();
  const form = new URLSearchParams(await readBody(req, 8192));
  const next = safeNext(form.get('next'));
  // Counted before the password is checked, atomically: a burst cannot outrun the counter.
  const wait = await sessions.loginAttempt(tenant, rateKey(client), d.loginRate);
  if (wait > 0) return tooMany(res, tenant, next, wait);
  const hash = d.passwordHash(tenant);
  if (!hash || !(await verifyPassword(form.get('password') ?? '', hash))) {
    d.log({ level: 'warn', msg: 'login failed', tenant, client });
    answer(res, 'login-failed', 401, loginPage({ tenant, next, message: 'Wrong password.' }), HTML);
    return;
  }
  await sessions.loginSucceeded(tenant, rateKey(client));
  const sid = newSessionId();
  const now = d.now();
  await sessions.create(tenant, sid, now, client);
  const token = await signSession(d.key, { tenant, sid, iatMs: now, maxMs: d.sessionMaxMs });
  d.log({ level: 'info', msg: 'login', tenant, client, session: sid });
  // Host-only (__Host-: no Domain, Path=/, Secure) so no other subdomain ever receives it.
  answer(res, 'login', 303, 'signed in\n', {
    'set-cookie': `${COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(d.sessionMaxMs / 1000)}`,
    location: next,
  });
}

async function logout(d: GateDeps, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (crossOrigin(d, req, 'POST', false)) return answer(res, 'cross-origin', 403, 'cross-origin request refused\n');
  await readBody(req, 8192); // the logout button's form says nothing; read within bounds all the same
  const { session } = splitCookies(req.headers.cookie);
  if (session) {
    const v = await verifySession(d.key, session, tenant, d.now());
    if (v.ok) await d.sessions().apply({ id: 0, tenant, sessionId: v.claims.sid, notBefore: 0, reason: 'logout', createdAt: d.now() });
  }
  answer(res, 'logout', 303, 'signed out\n', { 'set-cookie': `${COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`, location: '/_feather/login' });
}

function tooMany(res: ServerResponse, tenant: string, next: string, seconds: number): void {
  answer(res, 'too-many', 429, loginPage({ tenant, next, message: `Too many attempts; try again in ${seconds} s.` }), { ...HTML, 'retry-after': String(seconds) });
}

/** An unsafe method or an upgrade sent by another origin's page (origin.ts). */
function crossOrigin(d: GateDeps, req: IncomingMessage, method: string, upgrade: boolean): boolean {
  // Caddy sets X-Forwarded-Proto to the scheme the client used (a client's own value is dropped).
  const proto = header(req, 'x-forwarded-proto')?.toLowerCase();
  const schemes = [d.scheme, ...(proto === 'http' || proto === 'https' ? [proto] : [])];
  return crossOriginRefusal({
    method, upgrade, host: req.headers.host, origin: header(req, 'origin'), secFetchSite: header(req, 'sec-fetch-site'),
  }, schemes) !== undefined;
}

/** The tenant a Host names (core/hosts.ts), never a reserved name: no tenant can have one. */
export function tenantOf(host: string | undefined, domain: string): string | undefined {
  const name = tenantOfHost(host, domain);
  return name !== undefined && !RESERVED_NAMES.has(name) ? name : undefined;
}

const isUpgrade = (req: IncomingMessage) => req.headers.upgrade !== undefined;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function clientAddress(req: IncomingMessage): string {
  // Caddy sets X-Forwarded-For to the client's address (a client's own value is dropped); the
  // watchdog listens on loopback only, so only Caddy reaches it.
  const xff = String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim();
  return xff || req.socket.remoteAddress || 'unknown';
}

