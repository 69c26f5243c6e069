// Pure: which tenant a Host header names. Caddy's access log and the wake server both see the
// Host as the client sent it: any case, maybe a port, maybe a trailing dot.

const LABEL = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export function tenantOfHost(host: string | undefined, domain: string): string | undefined {
  if (!host) return undefined;
  const h = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${domain}`;
  if (!h.endsWith(suffix)) return undefined;
  const label = h.slice(0, -suffix.length);
  return LABEL.test(label) ? label : undefined;
}
