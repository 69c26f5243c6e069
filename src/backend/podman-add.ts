// add on the podman backend: the preflight (clashes, image, leftovers), the claim of a port,
// and the objects, container and wait that follow. The shell (lock, row, password, route,
// activation) is commands/add.ts, the same for both backends.
import type { Context } from '../runtime/context.js';
import { waitReady } from '../tenant/container.js';
import { ConflictError, OperationError } from '../core/errors.js';
import { claimedElsewhere } from '../core/ownership.js';
import { inRange } from '../core/ports.js';
import { bridgeName, objectName, tenantLabels } from '../core/tenant.js';
import { portIsFree } from '../net/port-probe.js';
import type { Reservation } from '../store/tenants.js';
import type { TenantRow } from '../core/tenant-row.js';
import { tenantRunSpec } from '../core/tenant-run-spec.js';
import { mintIngestToken } from '../tenant/ingest.js';
import type { Undo } from '../tenant/undo.js';
import type { AddRequest, PreparedAdd } from './port.js';

export async function preparePodmanAdd(ctx: Context, req: AddRequest): Promise<PreparedAdd> {
  const c = ctx.config;
  const { name, image } = req;
  const obj = objectName(c, name);
  const [containers, imageOk, volumeLabels, networkLabels, secretLabels] = await Promise.all([
    ctx.podman.listContainers(),
    ctx.podman.imageExists(image),
    ctx.podman.objectLabels('volume', obj),
    ctx.podman.objectLabels('network', obj),
    ctx.podman.objectLabels('secret', obj),
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
  return {
    reserve: () => reservePort(ctx, { name, image, volume: obj, secret: obj, range: c.ports, alsoUsed: podmanPorts, now: ctx.now(), createdAt: req.createdAt }),
    create: (row, password, undo) => create(ctx, req, row, password, undo, volumeExisted),
  };
}

async function create(ctx: Context, req: AddRequest, row: TenantRow, password: string, undo: Undo, volumeExisted: boolean): Promise<{ containerId: string; port: number; volumeReused: boolean }> {
  const c = ctx.config;
  const { name, image } = req;
  const obj = objectName(c, name);
  const store = ctx.store();
  const labels = tenantLabels(c, name);
  const reuse = volumeExisted && !req.replaceVolume;
  const makeVolume = async () => {
    if (!reuse) {
      if (volumeExisted) await ctx.podman.removeVolume(obj);
      await ctx.podman.createVolume(obj, labels);
      undo.push(`volume ${obj}`, () => ctx.podman.removeVolume(obj));
    }
    await req.fillVolume?.(async (file) => {
      // The volume may have appeared since the preflight: still never merge into data.
      if (reuse && (await ctx.podman.volumeHasData(obj))) {
        throw new ConflictError(`volume ${obj} already holds data; an import never merges into it`, 'replace its contents with: import --force');
      }
      await ctx.podman.importVolume(obj, file);
    });
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
  return { containerId, port: row.port, volumeReused: reuse };
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
