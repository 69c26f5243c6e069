import { request as httpRequest } from 'node:http';
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
}

export type Transport = (url: string, ask: HttpAsk) => Promise<HttpAnswer>;

/**
 * One HTTP request with node:http, not fetch(): it reads trailers, and it costs no startup
 * (a first fetch() loads undici, ~40 ms). Credentials in the URL become Basic auth.
 */
export const nodeHttp: Transport = (url, ask) => {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...ask.headers };
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  if (ask.body !== undefined) headers['content-length'] = String(Buffer.byteLength(ask.body));
  return new Promise((resolve, reject) => {
    const req = send(u, { method: ask.method, headers, agent: false, timeout: ask.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        text: Buffer.concat(chunks).toString('utf8'),
        etag: res.trailers.etag ?? (res.headers.etag),
      }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${ask.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(ask.body);
  });
};
