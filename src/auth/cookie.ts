// Pure: the session cookie in a Cookie header. Only the gate reads it; no tenant ever sees it.

export const COOKIE = '__Host-feather_session';

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

/** A Cookie header without our cookie; undefined when nothing else is left. */
export function withoutSessionCookie(header: string): string | undefined {
  return splitCookies(header).others || undefined;
}
