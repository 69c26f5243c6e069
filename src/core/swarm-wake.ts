// Pure: what sleep, wake and the login gate need on the swarm backend, checked before anything
// is done. Caddy runs in a container there: it cannot dial the watchdog on the manager's
// 127.0.0.1, and a TCP listener on a bridge's gateway address would be reachable from tenants'
// containers too (the host takes any of its addresses on any interface). So the watchdog listens
// on a unix socket in a directory bind-mounted into Caddy's container, and reaches tenants
// through Caddy's direct server on another socket there (caddy/direct-config.ts).
import type { Config } from './config.js';
import { UsageError } from './errors.js';
import { isUnixAddress } from './listen-address.js';

const HINT = 'see docs/many-servers.md#sleep-wake-and-the-login-gate';

/** Throws a UsageError saying what is missing; `direct`: the direct server is needed too (the watchdog). */
export function requireSwarmWake(c: Pick<Config, 'wakeListen' | 'swarmDirect'>, what: string, o: { direct: boolean }): void {
  if (!isUnixAddress(c.wakeListen)) {
    throw new UsageError(`${what} with FEATHER_TENANT_BACKEND=swarm needs FEATHER_TENANT_WAKE_LISTEN=unix:/DIR/watchdog.sock in a directory bind-mounted into Caddy's container (got ${c.wakeListen})`, HINT);
  }
  if (o.direct && c.swarmDirect === undefined) {
    throw new UsageError(`${what} with FEATHER_TENANT_BACKEND=swarm needs FEATHER_TENANT_SWARM_DIRECT=unix:/DIR/direct.sock (Caddy's direct server to the tenants)`, HINT);
  }
}
