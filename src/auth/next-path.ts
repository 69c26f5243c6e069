import { gateRoute, percentDecodings } from './gate-path.js';

// Pure: where the login form may send the browser afterwards. `next` comes from the query of
// the login page, so anyone can write a link with it: an open redirect would make alice's login
// page a phishing tool. A browser strips tabs and newlines from a Location and reads a
// backslash as a slash, so `/\t/evil.example` and `/\evil.example` go to evil.example.

const BASE = 'http://tenant.invalid';

/** `next` as a path of the tenant's own origin (path, query, fragment), or '/'. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/')) return '/';
  // Control characters and backslashes anywhere, at any depth of percent-encoding: refused.
  const levels = percentDecodings(next);
  if (!levels || levels.some((s) => /[\p{Cc}\\]/u.test(s))) return '/';
  let u: URL;
  try {
    u = new URL(next, BASE);
  } catch {
    return '/';
  }
  const out = `${u.pathname}${u.search}${u.hash}`;
  // `/.//evil.example` parses to the path `//evil.example`, which a browser reads as a host.
  if (u.origin !== BASE || !out.startsWith('/') || out.startsWith('//') || new URL(out, BASE).origin !== BASE) return '/';
  return gateRoute(out) === undefined ? out : '/';
}
