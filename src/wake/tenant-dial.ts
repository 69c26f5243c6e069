import type { IncomingMessage } from 'node:http';
import { WAKE_HEADERS } from '../caddy/wake-config.js';

/**
 * Pure: the wake route sent this request because Caddy's connection to this tenant's own port
 * failed. With the login gate on, that is what proves the request passed verify first: a 502
 * from anywhere else (verify's own dial to a watchdog that was restarting) also lands on the
 * wake route, with the client's cookies and no check done. Go names the address it failed to
 * reach: "dial tcp 127.0.0.1:PORT: connect: connection refused", or "read tcp A->127.0.0.1:PORT: ...".
 */
export function failedAtTenantDial(req: IncomingMessage, port: number): boolean {
  const error = wakeError(req);
  return error !== undefined && new RegExp(`(?:^|dial tcp |->)127\\.0\\.0\\.1:${port}:`).test(error);
}

/**
 * The swarm backend's form: Caddy dials <service>:<port> on the tenant's overlay network. A
 * sleeping service's name does not resolve ("dial tcp: lookup S on 127.0.0.11:53: no such host",
 * or "dial tcp: lookup S: i/o timeout" where no resolver answers); a task still starting refuses
 * ("dial tcp 10.0.1.10:8080: connect: connection refused"). All recorded from Caddy 2.6.2 in the
 * harness. The gate's verify dials a unix socket ("dial unix /...: connect: ..."), never this.
 */
export function failedAtServiceDial(req: IncomingMessage, service: string, port: number): boolean {
  const error = wakeError(req);
  if (error === undefined) return false;
  const name = service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^dial tcp: lookup ${name}(?: on [^ ]+)?: `).test(error)
    || new RegExp(`(?:^dial tcp |->)\\d{1,3}(?:\\.\\d{1,3}){3}:${port}: `).test(error);
}

/** The error Caddy's wake route passes, when the request came through it. */
function wakeError(req: IncomingMessage): string | undefined {
  const error = req.headers[WAKE_HEADERS.error.toLowerCase()];
  if (typeof error !== 'string' || req.headers[WAKE_HEADERS.method.toLowerCase()] === undefined) return undefined;
  return error;
}
