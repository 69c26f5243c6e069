// The admin instance's side effects, one step each: start a colour, wait until it answers, point
// the admin route at a port, stop or remove a colour. `admin swap` and reconcile's admin step
// compose them (commands/admin.ts, admin-instance/reconcile.ts).
import { adminRoute, routedPort } from '../caddy/admin-route.js';
import {
  adminContainer, adminKeySecret, adminKeys, adminLabels, adminNetwork, adminPort, adminRouteId, adminRunSpec, type Colour,
} from '../core/admin.js';
import { UsageError } from '../core/errors.js';
import { bridgeName } from '../core/tenant.js';
import { waitForHttp } from '../net/wait-http.js';
import type { Context } from '../runtime/context.js';

/** The admin host, or exit 2: without it there is no admin instance to act on. */
export function requireAdminHost(ctx: Context): string {
  const host = ctx.config.adminHost;
  if (!host) throw new UsageError('there is no admin instance: FEATHER_TENANT_ADMIN_HOST is not set', 'set it to the host name the operator\'s own Feather is served from, like admin.example.com');
  return host;
}

/** Each colour's container state (undefined: none). */
export async function colourStates(ctx: Context): Promise<Map<Colour, string>> {
  const c = ctx.config;
  const [blue, green] = await Promise.all([ctx.podman.containerState(adminContainer(c, 'blue')), ctx.podman.containerState(adminContainer(c, 'green'))]);
  const m = new Map<Colour, string>();
  if (blue !== undefined) m.set('blue', blue);
  if (green !== undefined) m.set('green', green);
  return m;
}

/** The port the admin route dials now (undefined: no admin route). */
export async function currentRoutePort(ctx: Context): Promise<number | undefined> {
  return routedPort(await ctx.caddy.routeById(adminRouteId(ctx.config)));
}

/**
 * Creates and starts one colour from `image`: its network and named volume when missing, its API
 * keys as fresh secrets (podman cannot replace one; the colour's container is gone, so none is in
 * use), then `podman run`. Does not wait for it to answer.
 */
export async function startColour(ctx: Context, colour: Colour, image: string): Promise<void> {
  const c = ctx.config;
  const labels = adminLabels(c);
  const network = adminNetwork(c);
  const named = !c.adminVolume.startsWith('/');
  const [networkOk, volumeOk] = await Promise.all([ctx.podman.networkExists(network), named ? ctx.podman.volumeExists(c.adminVolume) : true]);
  if (!networkOk) await ctx.podman.createNetwork(network, labels, { bridge: bridgeName(c.adminPorts[0]) });
  else await ctx.podman.isolate([network]);
  if (!volumeOk) await ctx.podman.createVolume(c.adminVolume, labels);
  await removeColour(ctx, colour);
  const keys = adminKeys(c, ctx.env);
  for (const key of keys) await ctx.podman.createSecret(adminKeySecret(c, colour, key), ctx.env[key] ?? '', adminLabels(c, colour));
  await ctx.podman.run(adminRunSpec(c, colour, image, keys));
}

/** Removes a colour's container and its key secrets; absent is success. */
export async function removeColour(ctx: Context, colour: Colour): Promise<void> {
  const c = ctx.config;
  await ctx.podman.removeContainer(adminContainer(c, colour), 10);
  await Promise.all(c.passthroughEnv.map((key) => ctx.podman.removeSecret(adminKeySecret(c, colour, key))));
}

/** Waits until the colour answers HTTP on its port, or throws (its container exited, or the ready timeout). */
export async function waitColour(ctx: Context, colour: Colour): Promise<void> {
  const name = adminContainer(ctx.config, colour);
  await waitForHttp({
    port: adminPort(ctx.config, colour),
    timeoutMs: ctx.config.readyTimeoutMs,
    describe: `admin container ${name}`,
    isAlive: async () => (await ctx.podman.containerState(name)) === 'running',
  });
}

/**
 * Points the admin route at `port` in ONE Caddy config change that touches only that route (a
 * PATCH of its @id), or inserts it in front when there is none. Caddy 2.6 reloads its whole config
 * on any change; the tenants' routes are left as they are.
 */
export async function routeAdmin(ctx: Context, host: string, port: number): Promise<void> {
  const c = ctx.config;
  const route = adminRoute(c, host, port);
  if (await ctx.caddy.routeById(adminRouteId(c))) return ctx.caddy.replaceById(adminRouteId(c), route);
  const server = await ctx.caddy.resolveServer(c.caddyServer);
  await ctx.caddy.insertRoute(server.name, route, server.routes.length > 0);
}
