// `add` on the swarm backend (issue 14): the same validate-claim-create-undo shape as the podman
// add (commands/add.ts), with a service pinned to a node in place of a container on this server.
import type { Context } from '../runtime/context.js';
import type { TenantBackend } from '../backend/port.js';
import { tenantRouteFor } from '../caddy/routes.js';
import { ensureWakeSetup } from '../caddy/wake-setup.js';
import { ConflictError, OperationError } from '../core/errors.js';
import { requireSwarmWake } from '../core/swarm-wake.js';
import { generatePassword, hashPassword } from '../core/password.js';
import { objectName, prefixFilter, tenantUrl } from '../core/tenant.js';
import { pickNode, tenantServiceSpec } from '../core/tenant-service-spec.js';
import { Undo } from './undo.js';

export interface SwarmAddResult {
  name: string;
  url: string;
  port: number;
  container: string;
  volume: string;
  volumeReused: boolean;
  password: string;
  node: string;
}

export async function addOnSwarm(ctx: Context, swarm: TenantBackend, name: string, image: string, wantedNode?: string): Promise<SwarmAddResult> {
  const c = ctx.config;
  const obj = objectName(c, name);
  const store = ctx.store();
  // The gate's verifier is the watchdog: Caddy's container reaches it only on a unix socket.
  if (c.auth === 'jwt') requireSwarmWake(c, 'the login gate (FEATHER_TENANT_AUTH=jwt)', { direct: false });
  if (store.get(name)) throw new ConflictError(`tenant ${name} already exists`, `see it with: feather-tenant show ${name}`);
  const [nodes, services, server, staleRoute] = await Promise.all([
    swarm.nodes(),
    swarm.list(prefixFilter(c)),
    ctx.caddy.resolveServer(c.caddyServer),
    ctx.caddy.routeById(obj),
  ]);
  if (services.some((s) => s.name === obj)) {
    throw new ConflictError(`a service named ${obj} exists but tenant ${name} is not in state`, `remove its leftovers with: feather-tenant remove ${name}`);
  }
  const node = pickNode(nodes, services, wantedNode);
  // The row keeps a port from the range as on podman (the state's shape); Caddy dials the service.
  store.reserve({ name, image, volume: obj, secret: obj, range: c.ports, alsoUsed: new Set(), now: ctx.now() });
  const undo = new Undo(ctx);
  undo.push(`forget ${name}`, () => store.delete(name));
  try {
    const password = generatePassword();
    const hash = hashPassword(password);
    undo.push(`service ${obj}`, () => swarm.remove(obj, [obj]));
    await swarm.ensure(tenantServiceSpec(c, { name, image, node }), password);
    ctx.checkpoint('add:started');
    await waitRunning(ctx, swarm, obj);
    for (const change of await ensureWakeSetup(ctx.caddy, server.name, c)) ctx.log(`Caddy: ${change}`);
    const route = tenantRouteFor(c, name, c.containerPort, swarm.upstream(obj, c.containerPort));
    undo.push(`route ${obj}`, () => ctx.caddy.deleteById(obj));
    if (staleRoute) await ctx.caddy.replaceById(obj, route);
    else await ctx.caddy.insertRoute(server.name, route, server.routes.length > 0);
    store.activate(name, obj, await hash, ctx.now());
    return { name, url: tenantUrl(c, name), port: c.containerPort, container: obj, volume: obj, volumeReused: false, password, node };
  } catch (err) {
    await undo.run(err);
    throw err;
  }
}

/** Until the service's task runs on its node ("running" in Swarm: the container has started). */
export async function waitRunning(ctx: Context, swarm: TenantBackend, obj: string): Promise<void> {
  const deadline = Date.now() + ctx.config.readyTimeoutMs;
  for (;;) {
    const state = await swarm.state(obj);
    if (state === 'running') return;
    if (state === undefined || state === 'stopped') throw new OperationError(`service ${obj} is ${state ?? 'gone'}`);
    if (Date.now() > deadline) {
      throw new OperationError(`service ${obj} has no running task after ${ctx.config.readyTimeoutMs} ms`, `see why with: docker service ps --no-trunc ${obj}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
