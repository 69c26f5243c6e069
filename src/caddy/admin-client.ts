import { OperationError, UsageError } from '../core/errors.js';
import { isUnixAddress, parseAddress } from '../core/listen-address.js';
import { nodeHttp, type HttpAnswer, type Transport } from './http-transport.js';
import { sameRoute } from './routes.js';
import type { CaddyRoute } from '../core/route.js';
import type { CaddyPort, RoutesSnapshot } from './port.js';

// About 1.5 s in all: longer than an admin restart, short enough to report a dead Caddy promptly.
const RETRY_DELAYS_MS = [0, 50, 100, 200, 400, 750];

interface ServerConfig {
  listen?: string[];
  routes?: CaddyRoute[] | null;
}

const SERVERS = '/config/apps/http/servers';

/**
 * A small typed client for Caddy's admin API (2.6): read servers and routes, and change
 * routes by `@id`. Every write is one admin request, so one config reload.
 */
export class CaddyAdmin implements CaddyPort {
  /** Where requests go: the http(s) URL, or for a unix socket only its path (the socket is dialled). */
  private readonly base: string;
  private readonly socketPath: string | undefined;

  /** `baseUrl`: FEATHER_TENANT_CADDY_ADMIN, an http(s) URL or unix:/path (the swarm setup's socket). */
  constructor(
    readonly baseUrl: string,
    private readonly transport: Transport = nodeHttp,
    private readonly timeoutMs = 10_000,
  ) {
    const socket = isUnixAddress(baseUrl) ? parseAddress(baseUrl) : undefined;
    this.socketPath = socket && 'path' in socket ? socket.path : undefined;
    this.base = this.socketPath === undefined ? baseUrl : 'http://localhost';
  }

  private once(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.transport(`${this.base}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.timeoutMs,
      socketPath: this.socketPath,
    });
  }

  /**
   * One admin request, retried on connection errors. Caddy 2.6 restarts its admin endpoint on
   * every config load, so a request racing another process's change can be reset or refused
   * for a moment. A write is retried only after `applied()` says it did not take effect.
   */
  private async request(
    method: string, path: string, body?: unknown, applied?: () => Promise<boolean>, headers?: Record<string, string>,
  ): Promise<{ status: number; text: string }> {
    let lastCause = '';
    for (const delay of RETRY_DELAYS_MS) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      try {
        return await this.once(method, path, body, headers);
      } catch (err) {
        lastCause = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        if (applied && (await applied().catch(() => false))) return { status: 200, text: '' };
      }
    }
    throw new OperationError(
      `Caddy admin API unreachable at ${this.baseUrl} (${lastCause})`,
      'is Caddy running? set FEATHER_TENANT_CADDY_ADMIN to its admin address',
    );
  }

  private fail(method: string, path: string, r: { status: number; text: string }): never {
    let msg = r.text.trim();
    try {
      msg = (JSON.parse(r.text) as { error?: string }).error ?? msg;
    } catch {
      /* not JSON: keep the text */
    }
    throw new OperationError(`Caddy admin ${method} ${path} answered ${r.status}: ${msg}`);
  }

  async getJson<T>(path: string): Promise<T | undefined> {
    const r = await this.request('GET', path);
    if (r.status === 404 || (r.status === 400 && /unknown object ID|invalid traversal/.test(r.text))) return undefined;
    if (r.status !== 200) this.fail('GET', path, r);
    return JSON.parse(r.text) as T;
  }

  async servers(): Promise<Record<string, ServerConfig>> {
    return (await this.getJson<Record<string, ServerConfig> | null>('/config/apps/http/servers')) ?? {};
  }

  /** The server we manage: the configured one, else the only one, else the one listening on :80. */
  async resolveServer(preferred: string | undefined): Promise<{ name: string; routes: CaddyRoute[] }> {
    const { name, server } = this.pickServer(await this.servers(), preferred);
    return { name, routes: server.routes ?? [] };
  }

  private pickServer(servers: Record<string, ServerConfig>, preferred: string | undefined): { name: string; server: ServerConfig } {
    const names = Object.keys(servers);
    let name = preferred;
    if (name === undefined) {
      if (names.length === 1) name = names[0];
      else name = names.find((n) => (servers[n]?.listen ?? []).some((l) => /:80$/.test(l)));
    }
    const server = name === undefined ? undefined : servers[name];
    if (name === undefined || !server) {
      throw new UsageError(
        preferred
          ? `Caddy at ${this.baseUrl} has no HTTP server named ${JSON.stringify(preferred)} (it has: ${names.join(', ') || 'none'})`
          : `cannot tell which Caddy HTTP server to use at ${this.baseUrl} (it has: ${names.join(', ') || 'none'})`,
        'set FEATHER_TENANT_CADDY_SERVER to the server whose routes feather-tenant manages',
      );
    }
    return { name, server };
  }

  /** One GET of all servers: the managed server's routes, and the ETag for an If-Match change. */
  async snapshot(preferred: string | undefined): Promise<RoutesSnapshot> {
    let lastCause = '';
    for (const delay of RETRY_DELAYS_MS) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      let r: HttpAnswer;
      try {
        r = await this.once('GET', SERVERS);
      } catch (err) {
        lastCause = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        continue;
      }
      if (r.status !== 200) this.fail('GET', SERVERS, r);
      const { name, server } = this.pickServer((JSON.parse(r.text) as Record<string, ServerConfig> | null) ?? {}, preferred);
      return { server: name, routes: server.routes ?? undefined, etag: r.etag };
    }
    throw new OperationError(`Caddy admin API unreachable at ${this.baseUrl} (${lastCause})`, 'is Caddy running? set FEATHER_TENANT_CADDY_ADMIN to its admin address');
  }

  /**
   * Replaces the server's whole routes array in ONE config change (Caddy reloads everything on
   * each change, so restoring 200 routes must not take 200). With the snapshot's ETag it is
   * refused (false) if the servers changed since they were read; the caller reads again.
   */
  async replaceRoutes(snap: RoutesSnapshot, routes: CaddyRoute[]): Promise<boolean> {
    const path = `${SERVERS}/${encodeURIComponent(snap.server)}/routes`;
    const method = snap.routes === undefined ? 'PUT' : 'PATCH';
    const headers: Record<string, string> = snap.etag ? { 'if-match': snap.etag } : {};
    const applied = async () => {
      const now = await this.getJson<CaddyRoute[]>(path);
      return now !== undefined && now.length === routes.length && now.every((r, k) => sameRoute(r, routes[k] as CaddyRoute));
    };
    const r = await this.request(method, path, routes, applied, headers);
    if (r.status === 412) return false;
    if (r.status !== 200) this.fail(method, path, r);
    return true;
  }

  async routeById(id: string): Promise<CaddyRoute | undefined> {
    return this.getJson<CaddyRoute>(`/id/${encodeURIComponent(id)}`);
  }

  private async hasRoute(route: CaddyRoute): Promise<boolean> {
    const id = route['@id'];
    const now = id === undefined ? undefined : await this.routeById(id);
    return now !== undefined && sameRoute(now, route);
  }

  /** Inserts at the front, so it always precedes the catch-all; creates the list if absent. */
  async insertRoute(server: string, route: CaddyRoute, hasRoutes: boolean): Promise<void> {
    const base = `/config/apps/http/servers/${encodeURIComponent(server)}/routes`;
    if (!hasRoutes) {
      const r = await this.request('PUT', base, [route], () => this.hasRoute(route));
      if (r.status === 200) return;
      // Another process created the list since we looked: insert into it like any other.
      if (!/already exists/.test(r.text)) this.fail('PUT', base, r);
    }
    const r = await this.request('PUT', `${base}/0`, route, () => this.hasRoute(route));
    if (r.status === 200) return;
    // An empty list (the last tenant removed): Caddy 2.6 has no index 0 to insert at; append.
    if (/out of bounds/.test(r.text)) {
      const appended = await this.request('POST', base, route, () => this.hasRoute(route));
      if (appended.status === 200) return;
      this.fail('POST', base, appended);
    }
    this.fail('PUT', `${base}/0`, r);
  }

  async replaceById(id: string, route: CaddyRoute): Promise<void> {
    const path = `/id/${encodeURIComponent(id)}`;
    const r = await this.request('PATCH', path, route, () => this.hasRoute(route));
    if (r.status !== 200) this.fail('PATCH', path, r);
  }

  /**
   * Any other write (POST sets or replaces an object, PUT inserts, PATCH replaces), retried only
   * while `applied()` says it has not taken effect.
   */
  async write(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, applied: () => Promise<boolean>): Promise<void> {
    const r = await this.request(method, path, body, applied);
    if (r.status !== 200) this.fail(method, path, r);
  }

  /** Deletes the object with this @id; false when there was none. */
  async deleteById(id: string): Promise<boolean> {
    const path = `/id/${encodeURIComponent(id)}`;
    const r = await this.request('DELETE', path, undefined, async () => (await this.routeById(id)) === undefined);
    if (r.status === 404 || (r.status === 400 && /unknown object ID/.test(r.text))) return false;
    if (r.status !== 200) this.fail('DELETE', path, r);
    return true;
  }
}
