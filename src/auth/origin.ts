// Pure: is a request that could change something sent by the tenant's own pages?
//
// Every tenant is a subdomain of one registrable domain, so to a browser they are one site:
// SameSite=Lax sends alice's session cookie along with a POST or a WebSocket that mallory's
// page opens to alice's host. The browser tells us where such a request comes from (Origin,
// and Sec-Fetch-Site in current browsers); the gate refuses it unless that is alice's own
// origin. Safe methods pass (a cross-site GET can be a link; the browser keeps its answer from
// the other page), and so do requests without Origin: scripts and curl send none, and a browser
// always sends one with a POST, PUT, PATCH, DELETE or a WebSocket handshake.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SAME = new Set(['same-origin', 'none']);

export interface RequestOrigin {
  /** The client's method (X-Forwarded-Method on verify). */
  method: string;
  /** A connection upgrade (WebSocket). */
  upgrade: boolean;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
}

/**
 * Why the request is refused as cross-origin, or undefined when it may go on. `schemes`: the
 * schemes the tenant is served on (the request's own, as Caddy saw it, and the configured one,
 * for a Caddy behind a proxy that ends TLS).
 */
export function crossOriginRefusal(r: RequestOrigin, schemes: readonly string[]): string | undefined {
  if (SAFE_METHODS.has(r.method) && !r.upgrade) return undefined;
  if (r.secFetchSite !== undefined && !SAME.has(r.secFetchSite.toLowerCase())) return `Sec-Fetch-Site: ${r.secFetchSite}`;
  if (r.origin === undefined) return undefined;
  const theirs = parseOrigin(r.origin);
  const ours = new Set(schemes.map((scheme) => parseOrigin(`${scheme}://${r.host ?? ''}`)).filter((o) => o !== undefined));
  return theirs !== undefined && ours.has(theirs) ? undefined : `Origin: ${r.origin}`;
}

/** scheme://host[:port], normalised (case, default port); undefined for `null` or anything that is not an origin. */
function parseOrigin(s: string): string | undefined {
  try {
    const u = new URL(s);
    if (u.origin === 'null' || u.username || u.password || u.pathname !== '/' || u.search || u.hash) return undefined;
    if (s.endsWith('/')) return undefined; // an Origin header never has a path, not even "/"
    return u.origin;
  } catch {
    return undefined;
  }
}
