import type { IncomingMessage, ServerResponse } from 'node:http';
import { tenantOfHost } from '../core/hosts.js';
import { send } from '../net/send.js';
import { RESERVED_NAMES } from '../core/names.js';
import { verifyPassword } from '../core/password.js';
import { loginPage } from './login-page.js';
import { newSessionId, type SessionStore } from './sessions.js';
import { signSession, verifySession } from './tokens.js';

export const COOKIE = '__Host-feather_session';
export const GATE_PREFIX = '/_feather/';

export interface GateDeps {
  domain: string;
  sessionMaxMs: number;
  loginRate: number;
  key: Uint8Array;
  /** The stored scrypt hash of a known tenant; undefined for an unknown one. */
  passwordHash(tenant: string): string | null | undefined;
  /** Throws while Redis is unreachable: the gate then fails closed. */
  sessions(): SessionStore;
  now(): number;
  log(event: Record<string, unknown>): void;
}

/**
 * The login gate, served by the watchdog on every tenant host under /_feather/:
 * `verify` (Caddy's forward_auth asks it before each request), `login` and `logout`.
 * Returns false for any other path, which is not the gate's.
 */
export function createGate(d: GateDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(GATE_PREFIX)) return false;
    const tenant = tenantOf(req.headers.host, d.domain);
    if (!tenant || d.passwordHash(tenant) === undefined) {
      send(res, 404, 'no such tenant\n');
      return true;
    }
    try {
      const action = url.pathname.slice(GATE_PREFIX.length);
      if (action === 'verify') await verify(d, tenant, req, res);
      else if (action === 'login' && req.method === 'POST') await login(d, tenant, req, res);
      else if (action === 'login') send(res, 200, loginPage({ tenant, next: safeNext(url.searchParams.get('next')) }), { 'content-type': 'text/html; charset=utf-8' });
      else if (action === 'logout') await logout(d, tenant, req, res);
      else send(res, 404, 'not found\n');
    } catch (err) {
      // Fail closed: without Redis no session can be checked, so none is accepted.
      d.log({ level: 'error', msg: 'gate unavailable', tenant, error: (err as Error).message });
      res.setHeader('Retry-After', '5');
      send(res, 503, 'sessions are unavailable; try again shortly\n');
    }
    return true;
  };
}

async function verify(d: GateDeps, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { session, others } = splitCookies(req.headers.cookie);
  const sessions = d.sessions();
  let why = 'no session';
  if (session) {
    const v = await verifySession(d.key, session, tenant, d.now());
    if (v.ok) {
      const state = await sessions.checkAndTouch(tenant, v.claims.sid, v.claims.iatMs);
      if (state === 'ok') {
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
      why = state;
    } else {
      why = v.reason;
    }
  }
  const method = String(req.headers['x-forwarded-method'] ?? 'GET');
  const uri = String(req.headers['x-forwarded-uri'] ?? '/');
  if (method === 'GET' && /text\/html/.test(String(req.headers.accept ?? ''))) {
    res.setHeader('Location', `/_feather/login?next=${encodeURIComponent(safeNext(uri))}`);
    send(res, 302, 'login required\n');
  } else {
    res.setHeader('WWW-Authenticate', 'FeatherSession realm="feather"');
    send(res, 401, `${JSON.stringify({ error: 'login required', reason: why })}\n`, { 'content-type': 'application/json' });
  }
}

async function login(d: GateDeps, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const client = clientAddress(req);
  const sessions = d.sessions();
  const form = new URLSearchParams(await readBody(req, 8192));
  const next = safeNext(form.get('next'));
  const wait = await sessions.retryAfter(tenant, client, d.loginRate);
  if (wait > 0) return tooMany(res, tenant, next, wait);
  const hash = d.passwordHash(tenant);
  if (!hash || !(await verifyPassword(form.get('password') ?? '', hash))) {
    // Counted here, refused from the next attempt on: `loginRate` failures a minute are allowed.
    await sessions.failedLogin(tenant, client);
    d.log({ level: 'warn', msg: 'login failed', tenant, client });
    send(res, 401, loginPage({ tenant, next, message: 'Wrong password.' }), { 'content-type': 'text/html; charset=utf-8' });
    return;
  }
  const sid = newSessionId();
  const now = d.now();
  await sessions.create(tenant, sid, now, client);
  const token = await signSession(d.key, { tenant, sid, iatMs: now, maxMs: d.sessionMaxMs });
  // Host-only (__Host-: no Domain, Path=/, Secure) so no other subdomain ever receives it.
  res.setHeader('Set-Cookie', `${COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(d.sessionMaxMs / 1000)}`);
  res.setHeader('Location', next);
  d.log({ level: 'info', msg: 'login', tenant, client, session: sid });
  send(res, 303, 'signed in\n');
}

async function logout(d: GateDeps, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { session } = splitCookies(req.headers.cookie);
  if (session) {
    const v = await verifySession(d.key, session, tenant, d.now());
    if (v.ok) await d.sessions().apply({ id: 0, tenant, sessionId: v.claims.sid, notBefore: 0, reason: 'logout', createdAt: d.now() });
  }
  res.setHeader('Set-Cookie', `${COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`);
  res.setHeader('Location', '/_feather/login');
  send(res, 303, 'signed out\n');
}

function tooMany(res: ServerResponse, tenant: string, next: string, seconds: number): void {
  res.setHeader('Retry-After', String(seconds));
  send(res, 429, loginPage({ tenant, next, message: `Too many attempts; try again in ${seconds} s.` }), { 'content-type': 'text/html; charset=utf-8' });
}


/** The tenant a Host names (core/hosts.ts), never a reserved name: no tenant can have one. */
export function tenantOf(host: string | undefined, domain: string): string | undefined {
  const name = tenantOfHost(host, domain);
  return name !== undefined && !RESERVED_NAMES.has(name) ? name : undefined;
}

/** Our cookie, and the Cookie header without it (what the tenant may see). */
export function splitCookies(header: string | undefined): { session: string | undefined; others: string } {
  let session: string | undefined;
  const others: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const p = part.trim();
    if (!p) continue;
    if (p.startsWith(`${COOKIE}=`)) session = p.slice(COOKIE.length + 1);
    else others.push(p);
  }
  return { session, others: others.join('; ') };
}

/** Only a local path: an open redirect to another site would be a phishing tool. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith(GATE_PREFIX)) return '/';
  return next;
}

function clientAddress(req: IncomingMessage): string {
  // Caddy sets X-Forwarded-For; the watchdog listens on loopback only, so only Caddy reaches it.
  const xff = String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim();
  return xff || req.socket.remoteAddress || 'unknown';
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
