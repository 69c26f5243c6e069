import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  text: string;
  /** Caddy sends a GET's ETag as an HTTP trailer, which fetch() does not expose. */
  etag: string | undefined;
}

export interface HttpAsk {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  /** Speak HTTP on this unix socket instead of dialling the URL's host (the URL gives the path). */
  socketPath?: string | undefined;
}

export type Transport = (url: string, ask: HttpAsk) => Promise<HttpAnswer>;

/**
 * One HTTP request with node:http, not fetch(): it reads trailers, and it costs no startup
 * (a first fetch() loads undici, ~40 ms). Credentials in the URL become Basic auth.
 *
 * On a unix socket the Host header is sent EMPTY: Caddy 2.6.2's admin API on a unix listener
 * (with `origins` unset) accepts only that Host (admin.go, allowedOrigins: `""` for a unix
 * address), as its own CLI sends. Node sends `Host: localhost` unless told not to (Caddy: 403
 * "host not allowed: localhost"), and no Host at all is refused by Go (400 "missing required
 * Host header"); both measured on Caddy 2.6.2.
 */
export const nodeHttp: Transport = (url, ask) => {
  const u = new URL(url);
  const headers: Record<string, string> = { ...ask.headers };
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  if (ask.body !== undefined) headers['content-length'] = String(Buffer.byteLength(ask.body));
  const common = { method: ask.method, agent: false as const, timeout: ask.timeoutMs };
  return new Promise((resolve, reject) => {
    const onAnswer = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        text: Buffer.concat(chunks).toString('utf8'),
        etag: res.trailers.etag ?? (res.headers.etag),
      }));
      res.on('error', reject);
    };
    const req = ask.socketPath === undefined
      ? (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { ...common, headers }, onAnswer)
      // on the socket: the URL's path only, and an empty Host instead of Node's own (setHost)
      : httpRequest({ ...common, socketPath: ask.socketPath, path: `${u.pathname}${u.search}`, setHost: false, headers: { ...headers, host: '' } }, onAnswer);
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${ask.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(ask.body);
  });
};
