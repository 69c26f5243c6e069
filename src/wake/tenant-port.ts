import type { IncomingMessage } from 'node:http';
import type { WakeTarget } from './waker.js';

/** Where the wake server sends a request or an upgrade for a tenant: a TCP port or a unix socket, plus headers of the backend's own. */
export interface Relay {
  connect: { host: string; port: number } | { path: string };
  /** Set on what is sent (lower-case names), replacing any the client sent under those names. */
  headers: Record<string, string>;
}

/**
 * What the waker and the wake server need of a tenant's backend, and nothing of how: podman on
 * this server (wake/podman-port.ts: a container and its 127.0.0.1 port) or a Swarm service
 * (wake/swarm-port.ts: scale 1, reached through Caddy's direct server).
 */
export interface WakePort {
  /** What starts the tenant, for log lines: podman, docker. */
  readonly engine: string;
  /** Starts it (podman start, scale 1); resolves once the engine took the order. */
  start(t: WakeTarget): Promise<void>;
  /** running, starting, or anything else (stopped, exited...); undefined: it is gone. */
  state(t: WakeTarget): Promise<string | undefined>;
  /** The app answers HTTP (any status): "running" is not "ready". */
  probe(t: WakeTarget): Promise<boolean>;
  /** Cheap "up or asleep": something takes connections for it. */
  open(t: WakeTarget): Promise<boolean>;
  relay(t: WakeTarget, req: IncomingMessage): Relay;
  /** The wake route sent `req` because Caddy's own dial to this tenant failed (tenant-dial.ts). */
  failedAtDial(req: IncomingMessage, t: WakeTarget): boolean;
}
