import type { Context } from '../runtime/context.js';
import { waitReady } from '../tenant/container.js';
import { withLock } from '../tenant/lock.js';
import { tenantRouteFor } from '../caddy/routes.js';
import { ensureWakeSetup } from '../caddy/wake-setup.js';
import { ConflictError, OperationError, UsageError } from '../core/errors.js';
import { validateImage } from '../core/image-ref.js';
import { validateName } from '../core/names.js';
import { claimedElsewhere } from '../core/ownership.js';
import { inRange } from '../core/ports.js';
import { generatePassword, hashPassword } from '../core/password.js';
import { bridgeName, objectName, tenantLabels, tenantUrl } from '../core/tenant.js';
import { portIsFree } from '../net/port-probe.js';
import type { Reservation } from '../store/tenants.js';
import type { TenantRow } from '../core/tenant-row.js';
import { tenantRunSpec } from '../core/tenant-run-spec.js';
import { mintIngestToken } from '../tenant/ingest.js';
import { Undo } from '../tenant/undo.js';
import { addOnSwarm } from '../tenant/swarm-add.js';

export interface AddOptions {
  name: string;
  image?: string | undefined;
  // The rest is for `import`, which provisions the same way with a filled volume.
  /** Store this hash instead of the new password's: the user's migrated password keeps working at the login gate. */
  keepPasswordHash?: string | undefined;
  /** Runs once the volume exists (`created`: by this call), before the container starts. */
  fillVolume?: ((volume: string, created: boolean) => Promise<void>) | undefined;
  /** An existing volume is deleted and created anew (import --force: its contents are replaced). */
  replaceVolume?: boolean | undefined;
  /** The tenant's original creation time (ms), kept across a migration. */
  createdAt?: number | undefined;
  /** The swarm backend: the node (its feather.host label) to place the tenant on; default the emptiest. */
  node?: string | undefined;
}

export interface AddResult {
  name: string;
  url: string;
  port: number;
  container: string;
  volume: string;
  volumeReused: boolean;
  password: string;
  /** The swarm backend's node (feather.host label) the tenant runs on. */
  node?: string;
}

/**
 * Provision a tenant: validate and look at everything first, claim name and port in one
 * transaction, then create; any failure undoes what this add created (never a volume that
 * existed before) and the row is dropped.
 */
export async function add(ctx: Context, opts: AddOptions): Promise<AddResult> {
  const name = validateName(opts.name);
  const image = opts.image === undefined ? ctx.config.image : validateImage(opts.image, '--image');
  const swarm = ctx.swarm;
  if (opts.node !== undefined && !swarm) throw new UsageError('--node places a tenant on a swarm node: it needs FEATHER_TENANT_BACKEND=swarm');
  if (swarm) return withLock(ctx, name, 'add', () => addOnSwarm(ctx, swarm, name, image, opts.node));
  return withLock(ctx, name, 'add', () => addLocked(ctx, name, image, opts));
}

async function addLocked(ctx: Context, name: string, image: string, opts: AddOptions): Promise<AddResult> {
  const c = ctx.config;
  const obj = objectName(c, name);
  ctx.checkpoint('add:begin');
  const store = ctx.store();
  if (store.get(name)) throw new ConflictError(`tenant ${name} already exists`, `see it with: feather-tenant show ${name}`);

  // Preflight, in parallel: nothing has changed yet if any of these fails.
  const [containers, imageOk, volumeLabels, networkLabels, secretLabels, server, staleRoute] = await Promise.all([
    ctx.podman.listContainers(),
    ctx.podman.imageExists(image),
    ctx.podman.objectLabels('volume', obj),
    ctx.podman.objectLabels('network', obj),
    ctx.podman.objectLabels('secret', obj),
    ctx.caddy.resolveServer(c.caddyServer),
    ctx.caddy.routeById(obj),
  ]);
  const volumeExisted = volumeLabels !== undefined;
  const clash = claimedElsewhere(c, name, [
    ...containers.filter((k) => k.name === obj).map((k) => ({ kind: 'container' as const, name: obj, labels: k.labels })),
    ...([['volume', volumeLabels], ['network', networkLabels], ['secret', secretLabels]] as const)
      .flatMap(([kind, labels]) => (labels === undefined ? [] : [{ kind, name: obj, labels }])),
  ]);
  if (clash) throw clash;
  if (!imageOk) {
    throw new OperationError(`image ${image} is not in podman's storage`, 'load it (podman load -i FILE), or choose another with --image or FEATHER_TENANT_IMAGE');
  }
  if (containers.some((k) => k.name === obj)) {
    throw new ConflictError(`a container named ${obj} exists but tenant ${name} is not in state`, `remove its leftovers with: feather-tenant remove ${name}`);
  }
  const podmanPorts = new Set(containers.flatMap((k) => k.hostPorts).filter((p) => inRange(c.ports, p)));
  const row = await reservePort(ctx, { name, image, volume: obj, secret: obj, range: c.ports, alsoUsed: podmanPorts, now: ctx.now(), createdAt: opts.createdAt });
  const undo = new Undo(ctx);
  undo.push(`forget ${name}`, () => store.delete(name));
  try {
    ctx.checkpoint('add:reserved');
    const password = generatePassword();
    // scrypt runs on the thread pool while podman works
    const hash = opts.keepPasswordHash !== undefined ? Promise.resolve(opts.keepPasswordHash) : hashPassword(password);
    const labels = tenantLabels(c, name);
    const reuse = volumeExisted && !opts.replaceVolume;
    const makeVolume = async () => {
      if (!reuse) {
        if (volumeExisted) await ctx.podman.removeVolume(obj);
        await ctx.podman.createVolume(obj, labels);
        undo.push(`volume ${obj}`, () => ctx.podman.removeVolume(obj));
      }
      await opts.fillVolume?.(obj, !reuse);
    };
    await settleAll([
      makeVolume(),
      ctx.podman.createNetwork(obj, labels, { bridge: bridgeName(row.port) }).then(() => undo.push(`network ${obj}`, () => ctx.podman.removeNetwork(obj))),
      ctx.podman.createSecret(obj, password, labels).then(() => undo.push(`secret ${obj}`, () => ctx.podman.removeSecret(obj))),
    ]);
    ctx.log(reuse ? `reusing existing volume ${obj} (the user's data is kept)` : `${volumeExisted ? 'replaced' : 'created'} volume ${obj}`);
    ctx.checkpoint('add:objects');

    // The summary ingest token: its secret's name is in the row before it exists (tenant/ingest.ts).
    undo.push('ingest token', async () => {
      const r = store.get(name);
      for (const s of new Set([r?.ingestSecret, r?.ingestPending])) if (s) await ctx.podman.removeSecret(s);
    });
    const ingestSecret = await mintIngestToken(ctx, name, null);
    // Pushed before the run: a run that fails after creating the container leaves one behind.
    undo.push(`container ${obj}`, () => ctx.podman.removeContainer(obj, 2));
    const containerId = await ctx.podman.run(tenantRunSpec(c, { name, port: row.port, image, ingestSecret }, ctx.env));
    ctx.checkpoint('add:started');
    await waitReady(ctx, row);
    ctx.checkpoint('add:ready');

    // The access log and the wake route, once per Caddy: afterwards this is two reads.
    for (const change of await ensureWakeSetup(ctx.caddy, server.name, c)) ctx.log(`Caddy: ${change}`);
    const route = tenantRouteFor(c, name, row.port);
    undo.push(`route ${obj}`, () => ctx.caddy.deleteById(obj));
    // A leftover route with our @id is replaced in place: Caddy would accept a duplicate silently.
    if (staleRoute) await ctx.caddy.replaceById(obj, route);
    else await ctx.caddy.insertRoute(server.name, route, server.routes.length > 0);
    ctx.checkpoint('add:routed');

    store.activate(name, containerId, await hash, ctx.now());
    return { name, url: tenantUrl(c, name), port: row.port, container: obj, volume: obj, volumeReused: reuse, password };
  } catch (err) {
    await undo.run(err);
    throw err;
  }
}

/**
 * Claims name and port, then checks that nothing outside podman holds the port. Only the
 * claimed port is probed: probing others could collide with a concurrent add publishing them.
 */
async function reservePort(ctx: Context, r: Reservation): Promise<TenantRow> {
  const store = ctx.store();
  const busy = new Set(r.alsoUsed);
  for (;;) {
    const row = store.reserve({ ...r, alsoUsed: busy });
    if (await portIsFree(row.port)) return row;
    ctx.log(`port ${row.port} is held by another process; trying the next one`);
    store.delete(r.name);
    busy.add(row.port);
  }
}

/** Like Promise.all, but waits for every step to finish before failing, so undo sees all of them. */
async function settleAll(steps: (Promise<unknown> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(steps.filter((p) => p !== undefined));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
