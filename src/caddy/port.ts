import type { CaddyRoute } from '../core/route.js';

/** The managed server's routes as read at one moment, with the ETag that names that moment. */
export interface RoutesSnapshot {
  server: string;
  /** undefined: the server has no routes list. */
  routes: CaddyRoute[] | undefined;
  /** For If-Match: a change based on this snapshot fails (412) if anyone changed the servers since. */
  etag: string | undefined;
}

/**
 * Every Caddy call we make goes through this interface: one implementation talks to the admin
 * API (admin-client.ts); unit tests pass an in-memory one (test/fakes/caddy.ts).
 */
export interface CaddyPort {
  /** GET of any config path; undefined when Caddy has nothing there. */
  getJson<T>(path: string): Promise<T | undefined>;
  /** The server we manage (the preferred name, or the one serving HTTP) and its routes. */
  resolveServer(preferred: string | undefined): Promise<{ name: string; routes: CaddyRoute[] }>;
  /** One read of all servers: the managed server's routes, and the ETag for an If-Match change. */
  snapshot(preferred: string | undefined): Promise<RoutesSnapshot>;
  /** Replaces the whole routes array in one change; false if the servers changed since `snap`. */
  replaceRoutes(snap: RoutesSnapshot, routes: CaddyRoute[]): Promise<boolean>;
  routeById(id: string): Promise<CaddyRoute | undefined>;
  /** Inserts at the front, so it always precedes the catch-all; creates the list if absent. */
  insertRoute(server: string, route: CaddyRoute, hasRoutes: boolean): Promise<void>;
  replaceById(id: string, route: CaddyRoute): Promise<void>;
  /** Any other write, retried only while `applied()` says it has not taken effect. */
  write(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, applied: () => Promise<boolean>): Promise<void>;
  /** Deletes the object with this @id; false when there was none. */
  deleteById(id: string): Promise<boolean>;
}
