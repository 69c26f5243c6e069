import type { ServerResponse } from 'node:http';

/**
 * One whole response: never cached, and always with a Content-Length, never chunked (Caddy
 * closes some answers unread, e.g. the gate's verify, and Go reuses a connection only when no
 * body is left unread). Plain text unless `headers` names another content-type.
 */
export function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
