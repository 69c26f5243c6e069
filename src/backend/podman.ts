// The podman backend (issue 14): the backend port over PodmanClient, one container per tenant on
// this server, published on a port of the range on loopback. Exactly what the commands did
// before the port: the same podman calls, rollbacks and output.
import type { Context } from '../runtime/context.js';
import { tenantRouteFor } from '../caddy/routes.js';
import { UsageError } from '../core/errors.js';
import type { EngineState } from '../core/lifecycle-plan.js';
import { claimedElsewhere } from '../core/ownership.js';
import { objectName, tenantLabels } from '../core/tenant.js';
import type { TenantRow } from '../core/tenant-row.js';
import { createTenantContainer, waitReady } from '../tenant/container.js';
import { teardownTenant } from '../tenant/teardown.js';
import { preparePodmanAdd } from './podman-add.js';
import { preparePodmanExport, preparePodmanImport } from './podman-transfer.js';
import { listPodman, showPodman } from './podman-views.js';
import { podmanUpgradeState, preparePodmanUpgrade } from './podman-upgrade.js';
import { switchImage } from '../tenant/switch.js';
import type { PreparedRemove, TenantBackend } from './port.js';

// --init (catatonit) forwards SIGTERM, so a stop takes well under a second; the grace period
// only matters for an app that ignores SIGTERM.
const STOP_SECONDS = 10;

export const podmanBackend: TenantBackend = {
  name: 'podman',

  validateAdd(_ctx, req) {
    if (req.node !== undefined) throw new UsageError('--node places a tenant on a swarm node: it needs FEATHER_TENANT_BACKEND=swarm');
    // podman's add finds the kept volume on this server by itself; --purge on remove deletes it.
    if (req.newVolume === true) throw new UsageError('--new-volume leaves a volume kept on another swarm node: it needs FEATHER_TENANT_BACKEND=swarm', `on podman, delete the kept volume with: feather-tenant remove ${req.name} --purge`);
  },

  prepareAdd: preparePodmanAdd,

  async state(ctx, row): Promise<EngineState> {
    const state = await ctx.podman.containerState(objectName(ctx.config, row.name));
    return state === undefined ? 'missing' : state === 'running' ? 'running' : 'stopped';
  },

  async start(ctx, row) {
    await ctx.podman.startContainer(objectName(ctx.config, row.name));
    await waitReady(ctx, row);
  },

  stop: (ctx, row) => ctx.podman.stopContainer(objectName(ctx.config, row.name), STOP_SECONDS),

  async recreate(ctx, row) {
    // Lost (podman storage reset, removed by hand): find-or-create, with add's arguments.
    await createTenantContainer(ctx, row, { start: true, replace: false });
  },

  dial: (_ctx, row) => `127.0.0.1:${row.port}`,
  route: (ctx, row) => tenantRouteFor(ctx.config, row.name, row.port),
  list: listPodman,
  show: showPodman,
  lost: (name) => ({ what: 'container', hint: `recreate it with: feather-tenant start ${name}` }),

  async logs(ctx, name) {
    const obj = objectName(ctx.config, name);
    if (!(await ctx.podman.containerExists(obj))) return undefined;
    return { command: 'podman logs', stream: (o) => ctx.podman.streamLogs(obj, o), read: (o) => ctx.podman.readLogs(obj, o) };
  },

  createSecret: (ctx, tenant, name, value) => ctx.podman.createSecret(name, value, tenantLabels(ctx.config, tenant)),
  removeSecret: (ctx, name) => ctx.podman.removeSecret(name),

  async useSecrets(ctx, row, o) {
    // podman 4.3 cannot replace a secret and a container keeps the ones it was created with: recreate it.
    await createTenantContainer(ctx, row, { replace: true, ...o });
    return o.start;
  },

  prepareExport: preparePodmanExport,
  prepareImport: preparePodmanImport,
  prepareRemove,
  prepareUpgrade: preparePodmanUpgrade,
  upgradeState: podmanUpgradeState,
  switchImage,
};

async function prepareRemove(ctx: Context, name: string, row: TenantRow | undefined, purge: boolean): Promise<PreparedRemove> {
  const c = ctx.config;
  const obj = objectName(c, name);
  // An adopted tenant keeps the volume tenant.sh gave it.
  const volume = row?.volume ?? obj;
  const [container, volumeLabels, networkLabels, secretLabels] = await Promise.all([
    ctx.podman.inspectContainer(obj),
    ctx.podman.objectLabels('volume', volume),
    ctx.podman.objectLabels('network', obj),
    ctx.podman.objectLabels('secret', obj),
  ]);
  // Objects of that name another installation's label claims are not ours to remove.
  const clash = claimedElsewhere(c, name, [
    ...(container ? [{ kind: 'container' as const, name: obj, labels: container.labels }] : []),
    ...([['volume', volume, volumeLabels], ['network', obj, networkLabels], ['secret', obj, secretLabels]] as const)
      .flatMap(([kind, n, labels]) => (labels === undefined ? [] : [{ kind, name: n, labels }])),
  ]);
  if (clash) throw clash;
  const containerExists = container !== undefined;
  const volumeExists = volumeLabels !== undefined;
  const purging = purge && volumeExists;
  return {
    found: containerExists || purging,
    ...(volumeExists ? { notFoundHint: `its volume ${volume} is kept; delete it with: feather-tenant remove ${name} --purge --yes` } : {}),
    volume,
    ...(purging ? { purgeVolume: volume } : {}),
    volumeKept: volumeExists && !purging,
    async teardown() {
      await teardownTenant(ctx, obj, row, { container: containerExists, volume: purging ? volume : undefined, checkpoint: 'remove:container' });
      return [...(containerExists ? [`container ${obj}`] : []), ...(purging ? [`volume ${volume}`] : [])];
    },
  };
}
