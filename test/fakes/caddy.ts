// An in-memory Caddy for command-level unit tests: one JSON config tree, read and written by path
// and by `@id` the way the admin API does it (src/caddy/admin-client.ts): POST sets a value (or
// appends to an existing array), PUT inserts into an array, DELETE of an @id removes it.
import type { CaddyPort, RoutesSnapshot } from '../../src/caddy/port.js';
import type { CaddyRoute } from '../../src/core/route.js';
import { OperationError } from '../../src/core/errors.js';

type Json = Record<string, unknown> | unknown[];

export class FakeCaddy implements CaddyPort {
  config: Record<string, unknown>;
  readonly failOn = new Set<keyof CaddyPort>();
  private version = 0;

  constructor(readonly server = 'srv0') {
    this.config = { apps: { http: { servers: { [server]: { listen: [':80'], routes: [] } } } } };
  }

  /** The managed server's routes now. */
  get routes(): CaddyRoute[] {
    return this.serverConfig().routes ?? [];
  }

  private serverConfig(): { routes?: CaddyRoute[] } {
    return ((this.config.apps as { http: { servers: Record<string, { routes?: CaddyRoute[] }> } }).http.servers[this.server]) ?? {};
  }

  private step(method: keyof CaddyPort): void {
    if (this.failOn.has(method)) throw new OperationError(`Caddy ${method} failed (test)`);
  }

  private keys(path: string): string[] {
    return path.replace(/^\/config\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  }

  private at(path: string): unknown {
    let v: unknown = this.config;
    for (const k of this.keys(path)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return v;
  }

  /** The parent object of `path` (created as objects on the way) and the last key. */
  private parent(path: string): [Json, string] {
    const keys = this.keys(path);
    const last = keys.pop() ?? '';
    let v = this.config as Json;
    for (const k of keys) {
      const o = v as Record<string, unknown>;
      o[k] ??= {};
      v = o[k] as Json;
    }
    return [v, last];
  }

  /** The array holding the object with this @id, and its index there. */
  private findId(id: string, v: unknown = this.config): [unknown[], number] | undefined {
    if (Array.isArray(v)) {
      const i = v.findIndex((x) => (x as CaddyRoute | null)?.['@id'] === id);
      if (i >= 0) return [v, i];
    }
    if (v && typeof v === 'object') {
      for (const x of Object.values(v)) {
        const found = this.findId(id, x);
        if (found) return found;
      }
    }
    return undefined;
  }

  private changed(): void {
    this.version++;
  }

  getJson<T>(path: string): Promise<T | undefined> {
    this.step('getJson');
    const v = this.at(path);
    return Promise.resolve(v === undefined ? undefined : (structuredClone(v) as T));
  }
  resolveServer(): Promise<{ name: string; routes: CaddyRoute[] }> {
    this.step('resolveServer');
    return Promise.resolve({ name: this.server, routes: structuredClone(this.routes) });
  }
  snapshot(): Promise<RoutesSnapshot> {
    this.step('snapshot');
    return Promise.resolve({ server: this.server, routes: structuredClone(this.serverConfig().routes), etag: String(this.version) });
  }
  replaceRoutes(snap: RoutesSnapshot, routes: CaddyRoute[]): Promise<boolean> {
    this.step('replaceRoutes');
    if (snap.etag !== String(this.version)) return Promise.resolve(false);
    this.serverConfig().routes = structuredClone(routes);
    this.changed();
    return Promise.resolve(true);
  }
  routeById(id: string): Promise<CaddyRoute | undefined> {
    this.step('routeById');
    const found = this.findId(id);
    return Promise.resolve(found && (structuredClone(found[0][found[1]]) as CaddyRoute));
  }
  insertRoute(_server: string, route: CaddyRoute): Promise<void> {
    this.step('insertRoute');
    const s = this.serverConfig();
    s.routes = [structuredClone(route), ...(s.routes ?? [])];
    this.changed();
    return Promise.resolve();
  }
  replaceById(id: string, route: CaddyRoute): Promise<void> {
    this.step('replaceById');
    const found = this.findId(id);
    if (!found) return Promise.reject(new OperationError(`Caddy: no object with @id ${id}`));
    found[0][found[1]] = structuredClone(route);
    this.changed();
    return Promise.resolve();
  }
  write(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown): Promise<void> {
    this.step('write');
    const [parent, key] = this.parent(path);
    const value = structuredClone(body);
    // Caddy 2.6.2 inserts with PUT only before an existing element: on [] even index 0 is
    // "array index out of bounds" (500), measured.
    if (Array.isArray(parent) && method === 'PUT' && !(Number(key) < parent.length)) return Promise.reject(new OperationError(`Caddy: [${path}] array index out of bounds: ${key}`));
    if (Array.isArray(parent) && method === 'PUT') parent.splice(Number(key), 0, value);
    else if (method === 'POST' && Array.isArray((parent as Record<string, unknown>)[key])) ((parent as Record<string, unknown[]>)[key] ?? []).push(value);
    else (parent as Record<string, unknown>)[key] = value;
    this.changed();
    return Promise.resolve();
  }
  deleteById(id: string): Promise<boolean> {
    this.step('deleteById');
    const found = this.findId(id);
    if (found) {
      found[0].splice(found[1], 1);
      this.changed();
    }
    return Promise.resolve(found !== undefined);
  }
}
