// The swarm backend (issue 14): the backend port over the SwarmEngine (swarm/docker-cli.ts), a
// tenant as one service pinned to a node. stop scales to 0 and start to 1 (spec, volume and
// secret stay); remove keeps the volume on its node; Caddy dials the service by Swarm DNS.
// (A little over 200 lines: it is the whole port, one method each; secrets' work is swarm-secrets.ts.)
import type { Context } from '../runtime/context.js';
import { tenantRouteFor } from '../caddy/routes.js';
import { ConflictError, OperationError, UsageError } from '../core/errors.js';
import { requireSwarmWake } from '../core/swarm-wake.js';
import type { EngineState } from '../core/lifecycle-plan.js';
import type { ServiceSummary } from '../core/service.js';
import { objectName, prefixFilter, tenantLabels, tenantUrl } from '../core/tenant.js';
import { tenantServiceSpec } from '../core/tenant-service-spec.js';
import { placeTenant } from '../core/kept-volume.js';
import { removeRowSecrets, useServiceSecrets } from './swarm-secrets.js';
import { mintIngestToken } from '../tenant/ingest.js';
import { pollUntil } from '../os/poll.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { ListEntry, ShowResult } from '../core/tenant-views.js';
import { lastActivity } from '../core/last-activity.js';
import type { AddRequest, ImportTarget, LogSource, NodeVolume, VolumeCopy, PreparedAdd, PreparedRemove, SwarmEngine, TenantBackend, UpgradeEngine, UpgradeWorld } from './port.js';
import type { UpgradeMode } from '../core/upgrade-plan.js';
import { prepareSwarmUpgrade, refOutOfDate, swarmUpgradeState, switchSwarmImage, type AppProbe } from './swarm-upgrade.js';

/** A service's state as list and show say it. */
function serviceState(s: ServiceSummary | undefined): EngineState {
  return s === undefined ? 'missing' : s.desired === 0 ? 'stopped' : s.running > 0 ? 'running' : 'starting';
}

export class SwarmBackend implements TenantBackend {
  readonly name = 'swarm';

  constructor(private readonly swarm: SwarmEngine, private readonly appProbe?: AppProbe) {}

  validateAdd(ctx: Context): void {
    // The gate's verifier is the watchdog: Caddy's container reaches it only on a unix socket.
    if (ctx.config.auth === 'jwt') requireSwarmWake(ctx.config, 'the login gate (FEATHER_TENANT_AUTH=jwt)', { direct: false });
  }

  async prepareAdd(ctx: Context, req: AddRequest): Promise<PreparedAdd> {
    const c = ctx.config;
    const obj = objectName(c, req.name);
    const [nodes, services] = await Promise.all([this.swarm.nodes(), this.swarm.list(prefixFilter(c))]);
    if (services.some((s) => s.name === obj)) {
      throw new ConflictError(`a service named ${obj} exists but tenant ${req.name} is not in state`, `remove its leftovers with: feather-tenant remove ${req.name}`);
    }
    // Back where remove kept its volume, if it did (core/kept-volume.ts); the record goes once the service runs.
    const kept = ctx.keptVolumes().get(req.name);
    const { node, reused, note } = placeTenant(nodes, services, { name: req.name, wanted: req.node, newVolume: req.newVolume === true, kept });
    return {
      // The row keeps a port from the range as on podman (the state's shape); Caddy dials the service.
      reserve: () => Promise.resolve(ctx.store().reserve({ name: req.name, image: req.image, volume: obj, secret: obj, range: c.ports, alsoUsed: new Set(), now: ctx.now(), createdAt: req.createdAt })),
      create: async (_row, password, undo) => {
        // Undone last, once no service uses them: docker refuses to remove a secret in use.
        undo.push('ingest token', () => removeRowSecrets(this.swarm, ctx.store().get(req.name), []));
        // The summary ingest token: its secret's name is in the row before it exists (tenant/ingest.ts).
        const ingestSecret = await mintIngestToken(ctx, req.name, null);
        undo.push(`service ${obj}`, () => this.swarm.remove(obj, [obj]));
        // import's volume is filled on its node before the service exists (it would otherwise start
        // on an empty volume, which docker fills with the image's files)
        const volume = this.nodeVolume(c, req.name, req.image, node);
        // Not meant to reuse a volume (kept with its node unknown, --node N may): none with data may be there.
        const fresh = !reused && (kept === undefined || kept.node !== null || req.newVolume === true);
        const fill = req.fillVolume
          ? () => req.fillVolume?.((file, sha256) => this.swarm.importVolume(volume, file, sha256)) ?? Promise.resolve()
          : fresh ? () => this.swarm.requireEmptyVolume(volume) : undefined;
        await this.swarm.ensure(tenantServiceSpec(c, { name: req.name, image: req.image, node, ingestSecret }), password, fill);
        ctx.checkpoint('add:started');
        await waitRunning(ctx, this.swarm, obj);
        if (kept) {
          if (note !== undefined) ctx.log(note);
          ctx.keptVolumes().forget(req.name);
          undo.push(`kept volume record of ${req.name}`, () => ctx.keptVolumes().keep(kept));
        }
        return { containerId: obj, port: c.containerPort, volumeReused: reused, node };
      },
    };
  }

  async state(ctx: Context, row: TenantRow): Promise<EngineState> {
    return (await this.swarm.state(objectName(ctx.config, row.name))) ?? 'missing';
  }

  async start(ctx: Context, row: TenantRow): Promise<void> {
    const obj = objectName(ctx.config, row.name);
    await this.swarm.scale(obj, 1);
    await waitRunning(ctx, this.swarm, obj);
  }

  stop(ctx: Context, row: TenantRow): Promise<void> {
    return this.swarm.scale(objectName(ctx.config, row.name), 0);
  }

  recreate(_ctx: Context, row: TenantRow): Promise<void> {
    // A service is made from a new password's secret: only add makes one.
    return Promise.reject(new OperationError(`tenant ${row.name} has no service`, this.lost(row.name).hint));
  }

  lost(name: string): { what: string; hint: string } {
    return { what: 'service', hint: `recreate it with: feather-tenant remove ${name} && feather-tenant add ${name}` };
  }

  async logs(ctx: Context, name: string): Promise<LogSource | undefined> {
    const obj = objectName(ctx.config, name);
    if ((await this.swarm.state(obj)) === undefined) return undefined;
    return { command: 'docker service logs', stream: (o) => this.swarm.streamLogs(obj, o), read: (o) => this.swarm.readLogs(obj, o) };
  }

  dial(ctx: Context, row: Pick<TenantRow, 'name'>): string {
    return this.swarm.upstream(objectName(ctx.config, row.name), ctx.config.containerPort);
  }

  route(ctx: Context, row: Pick<TenantRow, 'name' | 'port'>) {
    const c = ctx.config;
    return tenantRouteFor(c, row.name, c.containerPort, this.dial(ctx, row));
  }

  async list(ctx: Context): Promise<ListEntry[]> {
    const c = ctx.config;
    const [rows, services] = await Promise.all([Promise.resolve(ctx.store().list()), this.swarm.list(prefixFilter(c))]);
    const byName = new Map(services.map((s) => [s.name, s]));
    const out: ListEntry[] = rows.map((r) => {
      const obj = objectName(c, r.name);
      const s = byName.get(obj);
      byName.delete(obj);
      // Image IDs live in each node's storage: out of date is the spec's reference against the configured one.
      // Scaled to 0 by a sweep: asleep, as on podman (a wake brings it back; `stop` does not).
      const engine = serviceState(s);
      const state = r.status !== 'active' ? r.status : engine === 'stopped' && r.asleepAt !== null ? 'asleep' : engine;
      return { name: r.name, port: r.port, url: tenantUrl(c, r.name), container: obj, state,
        lastActive: r.lastActiveAt ? new Date(r.lastActiveAt).toISOString() : null, pinned: r.pinned, lastActivity: lastActivity(r, undefined), tracked: true, outOfDate: refOutOfDate(s, r.image), node: s?.node ?? null };
    });
    for (const s of byName.values()) {
      out.push({ name: s.name, port: null, url: '', container: s.name, state: serviceState(s), lastActive: null, pinned: false, lastActivity: null, tracked: false, outOfDate: null, node: s.node ?? null });
    }
    return out;
  }

  /** The service's own view; the volume's size is not read (it is on the tenant's node). */
  async show(ctx: Context, row: TenantRow): Promise<ShowResult> {
    const obj = objectName(ctx.config, row.name);
    const s = await this.swarm.inspect(obj);
    const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : null);
    return {
      name: row.name,
      url: tenantUrl(ctx.config, row.name),
      port: row.port,
      status: row.status,
      desired: row.desired,
      state: serviceState(s),
      container: obj,
      containerId: row.containerId,
      image: row.image,
      limits: { cpus: s && s.limits.nanoCpus > 0 ? s.limits.nanoCpus / 1e9 : null, memoryBytes: positive(s?.limits.memoryBytes), pids: positive(s?.limits.pids) },
      volume: { name: row.volume, sizeBytes: null },
      password: row.passwordHash ? 'set' : 'unknown',
      adopted: row.adoptedAt !== null,
      createdAt: new Date(row.createdAt).toISOString(),
      startedAt: null,
      imageId: null,
      outOfDate: refOutOfDate(s, row.image),
      upgrading: row.upgrade ? { image: row.upgrade.image, step: row.upgrade.step } : null,
      lastActivity: lastActivity(row, undefined),
      pinned: row.pinned,
      ingestToken: row.ingestHash ? 'set' : 'none',
      node: s?.node ?? null,
    };
  }

  // upgrade: swarm-upgrade.ts
  prepareUpgrade = (ctx: Context, rows: TenantRow[], images: string[]): Promise<UpgradeWorld> => prepareSwarmUpgrade(ctx, this.swarm, rows, images);
  upgradeState = (ctx: Context, name: string): Promise<UpgradeEngine | undefined> => swarmUpgradeState(ctx, this.swarm, name);
  switchImage = (ctx: Context, row: TenantRow, image: string, mode: UpgradeMode): Promise<void> => switchSwarmImage(ctx, this.swarm, row, image, mode, this.appProbe);

  createSecret(ctx: Context, tenant: string, name: string, value: string): Promise<void> {
    return this.swarm.createSecret(name, value, tenantLabels(ctx.config, tenant));
  }

  removeSecret(_ctx: Context, name: string): Promise<void> {
    return this.swarm.removeSecret(name);
  }

  useSecrets(ctx: Context, row: TenantRow, o: { secret?: string | undefined; ingestSecret?: string | undefined }): Promise<boolean> {
    return useServiceSecrets(ctx, this.swarm, row, o, this.lost(row.name).hint);
  }

  private nodeVolume(c: Context['config'], name: string, image: string, node: string): NodeVolume {
    return { name: objectName(c, name), node, image, labels: tenantLabels(c, name) };
  }

  async prepareExport(ctx: Context, row: TenantRow): Promise<VolumeCopy> {
    const s = await this.swarm.inspect(objectName(ctx.config, row.name));
    const node = s?.node;
    if (node === undefined) throw new OperationError(`tenant ${row.name} has no service pinned to a node: its volume cannot be found`, this.lost(row.name).hint);
    return (file, onBytes) => this.swarm.exportVolume(this.nodeVolume(ctx.config, row.name, row.image, node), file, onBytes);
  }

  async prepareImport(ctx: Context, o: { name: string; image: string; force: boolean }): Promise<ImportTarget> {
    const obj = objectName(ctx.config, o.name);
    // The volume is on the node add picks, out of this manager's sight: the receiver there refuses
    // one that holds data, and replacing it (--force) would delete data nobody here can see.
    if (o.force) throw new UsageError('import --force is not supported with FEATHER_TENANT_BACKEND=swarm', `look at the volume ${obj} on its node, and remove it there (docker volume rm ${obj}) if it is to go`);
    if ((await this.swarm.state(obj)) !== undefined) {
      throw new ConflictError(`a service named ${obj} exists but tenant ${o.name} is not in state; nothing was changed`, `remove its leftovers with: feather-tenant remove ${o.name}`);
    }
    return { volumeHasData: false, volumeStore: undefined };
  }

  async prepareRemove(ctx: Context, name: string, row: TenantRow | undefined, purge: boolean): Promise<PreparedRemove> {
    const obj = objectName(ctx.config, name);
    // The volume lives on the tenant's node, out of this manager's reach: --purge is not offered.
    if (purge) throw new UsageError('--purge is not supported with FEATHER_TENANT_BACKEND=swarm', `delete the volume ${obj} on its node with: docker volume rm ${obj}`);
    const service = await this.swarm.inspect(obj);
    return {
      found: row !== undefined || service !== undefined,
      volume: obj,
      volumeKept: true,
      teardown: async () => {
        // Recorded before the service goes (its node is known only while it exists): add puts the
        // tenant back there. A row whose add never made a service may never have made a volume.
        if (service !== undefined || (row !== undefined && row.status !== 'provisioning')) {
          ctx.keptVolumes().keep({ name, volume: obj, node: service?.node ?? null, removedAt: ctx.now() });
        }
        await this.swarm.remove(obj, [obj]);
        await removeRowSecrets(this.swarm, row, [obj]);
        return [`service ${obj}`];
      },
    };
  }
}

/** Until the service's task runs on its node ("running" in Swarm: the container has started). */
export async function waitRunning(ctx: Context, swarm: SwarmEngine, obj: string): Promise<void> {
  await pollUntil({
    deadline: Date.now() + ctx.config.readyTimeoutMs,
    everyMs: 200,
    late: () => new OperationError(`service ${obj} has no running task after ${ctx.config.readyTimeoutMs} ms`, `see why with: docker service ps --no-trunc ${obj}`),
  }, async () => {
    const state = await swarm.state(obj);
    if (state === undefined || state === 'stopped') throw new OperationError(`service ${obj} is ${state ?? 'gone'}`);
    return state === 'running' ? true : undefined;
  });
}
