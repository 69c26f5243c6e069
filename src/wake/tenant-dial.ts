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
  const error = req.headers[WAKE_HEADERS.error.toLowerCase()];
  if (typeof error !== 'string' || req.headers[WAKE_HEADERS.method.toLowerCase()] === undefined) return false;
  return new RegExp(`(?:^|dial tcp |->)127\\.0\\.0\\.1:${port}:`).test(error);
}
