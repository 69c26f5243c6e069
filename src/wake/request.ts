import type { IncomingMessage } from 'node:http';
import { WAKE_HEADERS } from '../caddy/wake-config.js';

// Pure: what a request was before Caddy's wake route made it a bodiless GET (wake-config.ts).

export interface RequestView {
  /** The client's method. */
  method: string;
  /** It came through the wake route (not straight to the wake server). */
  viaRoute: boolean;
  /** It had a body that did not survive the route: the client must send it again. */
  bodyLost: boolean;
  /** Caddy's dial to the tenant failed, so nothing reached the tenant and replaying is safe. */
  refused: boolean;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function describeRequest(req: IncomingMessage): RequestView {
  const routed = header(req, WAKE_HEADERS.method);
  if (!routed) return { method: req.method ?? 'GET', viaRoute: false, bodyLost: false, refused: true };
  const method = routed.toUpperCase();
  const length = header(req, WAKE_HEADERS.length) ?? '';
  // Without a length a body may have come chunked; DELETE and OPTIONS normally have none.
  const bodiless = method === 'GET' || method === 'HEAD' || length === '0' || (length === '' && (method === 'DELETE' || method === 'OPTIONS'));
  const refused = /connection refused|connect: /i.test(header(req, WAKE_HEADERS.error) ?? '');
  return { method, viaRoute: true, bodyLost: !bodiless, refused };
}
