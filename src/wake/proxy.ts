import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { withoutSessionCookie } from '../auth/cookie.js';
import { clientGone } from './client-gone.js';
import type { Relay } from './tenant-port.js';

// Hands a request that reached the wake server on to the tenant, now that it answers: a plain
// HTTP request (streamed both ways) or a connection upgrade (WebSocket), spliced as raw bytes.

/** How long a spliced connection stays open once one side has ended its half: enough for a WebSocket close handshake. */
export const HALF_CLOSE_GRACE_MS = 2_000;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * The headers to send on: hop-by-hop ones and the wake route's own (x-feather-wake-*) removed,
 * and the gate's session cookie (Caddy removed it already; a tenant must never see it).
 */
export function forwardHeaders(h: IncomingHttpHeaders, withBody: boolean): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (HOP_BY_HOP.has(k) || k.startsWith('x-feather-wake')) continue;
    if (!withBody && k === 'content-length') continue;
    if (k === 'cookie' && typeof v === 'string') {
      const kept = withoutSessionCookie(v);
      if (kept !== undefined) out[k] = kept;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/**
 * Proxies to the tenant (`to`: 127.0.0.1:<port> on podman, Caddy's direct server on swarm). With `withBody` false the request goes on without a body (the wake
 * route had to drop it, and only bodiless requests are replayed). Resolves when the response is
 * done or the client has gone; rejects only if the tenant could not be reached before any
 * response byte was sent, while the client still waits.
 *
 * The upstream request lives exactly as long as the client's: when the client goes (before the
 * tenant's headers or during its body) the request to the tenant is destroyed with its
 * connection at once. There is no timeout of our own on the tenant's answer: long polls and
 * streams are legitimate. (Measured before: 300 clients giving up after 2 s on a slow endpoint
 * left 300 connections to the tenant open until it answered, 24 -> 324 open descriptors.)
 */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, to: Relay, method: string, withBody: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (clientGone(res)) return resolve();
    const up = request(
      // Lenient parsing, as Caddy is: apps (busybox httpd's CGI among them) end header lines with a bare LF.
      { ...('path' in to.connect ? { socketPath: to.connect.path } : to.connect), method, path: req.url, headers: { ...forwardHeaders(req.headers, withBody), ...to.headers }, agent: false, insecureHTTPParser: true },
      (ures) => {
        const headers = Object.fromEntries(Object.entries(ures.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
        res.writeHead(ures.statusCode ?? 502, ures.statusMessage, headers);
        ures.pipe(res);
        ures.on('end', () => resolve());
        ures.on('error', () => resolve()); // headers went out: all we can do is end the stream
      },
    );
    res.once('close', () => {
      // Before the response was complete, 'close' means the client went away.
      if (!res.writableFinished) up.destroy();
      resolve();
    });
    up.on('error', (err) => {
      if (res.headersSent) res.destroy();
      if (res.headersSent || clientGone(res)) resolve();
      else reject(err);
    });
    if (withBody) req.pipe(up);
    else up.end();
  });
}

/** Splices an upgrade request (WebSocket) to the tenant: request head, then bytes both ways. */
export function proxyUpgrade(req: IncomingMessage, client: Socket, head: Buffer, to: Relay, method: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.destroyed) return resolve();
    const up = connect(to.connect);
    // A client that leaves while we connect takes the connection to the tenant with it.
    const clientLeft = () => {
      up.destroy();
      resolve();
    };
    client.once('close', clientLeft);
    up.once('error', (err) => {
      client.destroy();
      reject(err);
    });
    up.once('connect', () => {
      client.off('close', clientLeft);
      const lines = [`${method} ${req.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i] as string;
        if (k.toLowerCase().startsWith('x-feather-wake') || k.toLowerCase() in to.headers) continue;
        const v = k.toLowerCase() === 'cookie' ? withoutSessionCookie(req.rawHeaders[i + 1] as string) : req.rawHeaders[i + 1];
        if (v !== undefined) lines.push(`${k}: ${v}`);
      }
      for (const [k, v] of Object.entries(to.headers)) lines.push(`${k}: ${v}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
      let grace: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(grace);
        up.destroy();
        client.destroy();
        resolve();
      };
      up.once('close', done);
      client.once('close', done);
      client.on('error', done);
      // A side that ends (a FIN) is done sending; pipe() passes the FIN on. An app that never
      // closes its own side after that (or a conntrack entry that forgot the flow) would keep
      // both connections, and the held slot, for good: measured by a review, 20 WebSockets
      // whose clients had hung up still held their 20 slots 150 s later, until a restart.
      const halfClosed = () => {
        grace ??= setTimeout(done, HALF_CLOSE_GRACE_MS);
      };
      up.once('end', halfClosed);
      client.once('end', halfClosed);
    });
  });
}
