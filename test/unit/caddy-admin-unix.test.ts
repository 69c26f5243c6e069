// The admin client on a unix socket (FEATHER_TENANT_CADDY_ADMIN=unix:/path, the swarm setup)
// against a stand-in that checks the Host header as Caddy 2.6.2's admin API does on a unix
// listener with `origins` unset: only an EMPTY Host passes (admin.go, allowedOrigins), a missing
// one is refused by Go's server. The same client on an http URL is unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdmin } from '../../src/caddy/admin-client.js';
import { OperationError } from '../../src/core/errors.js';

interface Seen { method: string; url: string; host: string | undefined; body: string }

/** Answers like Caddy's admin API (200 with an ETag trailer on GET, 403 on a wrong Host), recording each request. */
function standIn(seen: Seen[], allowedHost: (host: string | undefined) => boolean): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host, body });
      if (req.headers.host === undefined) {
        res.writeHead(400).end('400 Bad Request: missing required Host header');
      } else if (!allowedHost(req.headers.host)) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `host not allowed: ${req.headers.host}` }));
      } else if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json', trailer: 'ETag' });
        res.write(JSON.stringify({ tenants: { listen: [':80'], routes: [] } }));
        res.addTrailers({ etag: '"/config/apps/http/servers abc"' });
        res.end();
      } else {
        res.writeHead(200).end();
      }
    });
  });
}

const listen = (server: Server, where: string | number) => new Promise<void>((resolve) => server.listen(where, resolve));

describe('CaddyAdmin on a unix socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftt-admin-unix-'));
  const sock = join(dir, 'admin.sock');
  const seen: Seen[] = [];
  const server = standIn(seen, (host) => host === '');
  beforeAll(() => listen(server, sock));
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads servers with an empty Host header, the only one Caddy accepts there; the ETag trailer arrives', async () => {
    seen.length = 0;
    const caddy = new CaddyAdmin(`unix:${sock}`);
    expect(await caddy.snapshot(undefined)).toEqual({ server: 'tenants', routes: [], etag: '"/config/apps/http/servers abc"' });
    expect(seen).toEqual([{ method: 'GET', url: '/config/apps/http/servers', host: '', body: '' }]);
  });

  it('writes carry their body and path (percent-encoding kept) on the socket', async () => {
    seen.length = 0;
    const route = { '@id': 'ft-a b', match: [{ host: ['a.test'] }], handle: [] };
    await new CaddyAdmin(`unix:${sock}`).replaceById('ft-a b', route);
    expect(seen).toEqual([{ method: 'PATCH', url: '/id/ft-a%20b', host: '', body: JSON.stringify(route) }]);
  });

  it('a socket nobody listens on: unreachable, naming the unix address', async () => {
    const caddy = new CaddyAdmin(`unix:${join(dir, 'none.sock')}`, undefined, 1_000);
    const err = await caddy.servers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toBe(`Caddy admin API unreachable at unix:${join(dir, 'none.sock')} (ENOENT)`);
  });
});

describe('CaddyAdmin on an http URL: as before', () => {
  const seen: Seen[] = [];
  let port = 0;
  const server = standIn(seen, (host) => host === `127.0.0.1:${port}`);
  beforeAll(async () => {
    await listen(server, 0);
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  it("sends the URL's host and port as Host", async () => {
    seen.length = 0;
    expect(await new CaddyAdmin(`http://127.0.0.1:${port}`).servers()).toEqual({ tenants: { listen: [':80'], routes: [] } });
    expect(seen).toEqual([{ method: 'GET', url: '/config/apps/http/servers', host: `127.0.0.1:${port}`, body: '' }]);
  });
});
