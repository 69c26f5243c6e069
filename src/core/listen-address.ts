// Pure: the watchdog's listen address (FEATHER_TENANT_WAKE_LISTEN, FEATHER_TENANT_SWARM_DIRECT)
// as a socket path or a host and port, and as Caddy spells it in an upstream's `dial` or a
// server's `listen`: `unix//some/dir/x.sock` for a unix socket (Caddy 2.6.2 takes both).

export type Address = { path: string } | { host: string; port: number };

/** unix:/path, HOST:PORT or [v6]:PORT, as validated by core/config.ts. */
export function parseAddress(address: string): Address {
  if (address.startsWith('unix:')) return { path: address.slice('unix:'.length) };
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

/** How Caddy dials (or listens on) it. */
export function caddyAddress(address: string): string {
  return address.startsWith('unix:') ? `unix/${address.slice('unix:'.length)}` : address;
}

export function isUnixAddress(address: string): boolean {
  return address.startsWith('unix:');
}
