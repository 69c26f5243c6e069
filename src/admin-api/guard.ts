import { isIP } from 'node:net';

// Pure: requests the admin API refuses before it looks at the token, and why.
//
// The API listens on loopback, but a browser on the operator's machine reaches loopback too: a
// tenant's page could make it send requests there. Such a request cannot carry the bearer token
// (a custom Authorization header needs a CORS preflight, which the API never answers), yet it
// would still be counted as a wrong token and could lock the operator out. So anything a browser
// marks as sent by a page (Origin; Sec-Fetch-Site other than "none", i.e. not typed by the user)
// is refused outright and never counted. A Host that is a DNS name other than localhost is DNS
// rebinding (a page's own name pointed at 127.0.0.1): refused too. And a token in the URL is
// refused even when it is right: URLs end up in logs, proxies and shell history.

export interface GuardView {
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  upgrade: boolean;
  url: string;
}

export interface Refusal {
  status: 400 | 403;
  error: string;
  hint?: string;
}

/** Query parameters that look like a credential. */
const CREDENTIAL = /^(access[_-]?token|token|bearer|auth(orization)?|api[_-]?key|key)$/i;

/** The host part of a Host header: an IP literal or localhost is not a name a page can rebind. */
function hostAllowed(host: string | undefined): boolean {
  if (host === undefined) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(:\d{1,5})?$/.exec(host.trim());
  if (!m?.[1]) return false;
  const h = m[1].replace(/^\[|\]$/g, '');
  return isIP(h) !== 0 || h.toLowerCase() === 'localhost';
}

export function guardRefusal(r: GuardView): Refusal | undefined {
  if (r.origin !== undefined) return { status: 403, error: 'requests from web pages are refused (the request carries Origin)', hint: 'call the admin API from a program (curl, a server), not from a browser' };
  if (r.secFetchSite !== undefined && r.secFetchSite.toLowerCase() !== 'none') {
    return { status: 403, error: `requests from web pages are refused (Sec-Fetch-Site: ${r.secFetchSite})`, hint: 'call the admin API from a program (curl, a server), not from a browser' };
  }
  if (!hostAllowed(r.host)) return { status: 400, error: 'the Host header must be an IP address or localhost', hint: 'use the address of FEATHER_TENANT_ADMIN_LISTEN, e.g. http://127.0.0.1:9097' };
  if (r.upgrade) return { status: 400, error: 'the admin API takes no protocol upgrades' };
  const q = r.url.indexOf('?');
  if (q >= 0) {
    for (const k of new URLSearchParams(r.url.slice(q + 1)).keys()) {
      if (CREDENTIAL.test(k)) {
        return { status: 400, error: `a credential in the URL (${k}) is refused`, hint: 'send the token as "Authorization: Bearer <token>"; if that was the real token, rotate it: feather-tenant admin-token --rotate' };
      }
    }
  }
  return undefined;
}
