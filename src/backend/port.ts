// The backend port (issue 14): what the tenant commands need of the engine that runs tenants,
// with two adapters: podman on this server (backend/podman.ts, over PodmanClient) and Docker
// Swarm (backend/swarm.ts, over the SwarmEngine below). runtime/context.ts picks one from
// FEATHER_TENANT_BACKEND; commands call ctx.backend and never ask which one it is.
import type { CaddyRoute } from '../core/route.js';
import type { BackendName } from '../core/backends.js';
import type { EngineState } from '../core/lifecycle-plan.js';
import type { SecretChange, ServiceSpec, ServiceSummary, ServiceTask, SwarmNode } from '../core/service.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { ContainerSummary } from '../core/container.js';
import type { ListEntry, ShowResult } from '../core/tenant-views.js';
import type { Context } from '../runtime/context.js';
import type { LogOptions } from '../podman/types.js';
import type { LogLine } from '../podman/parse-logs.js';
import type { Undo } from '../tenant/undo.js';
import type { UpgradeMode } from '../core/upgrade-plan.js';


/** What `add` (and `import`, which provisions the same way) asks for, validated. */
export interface AddRequest {
  name: string;
  image: string;
  /**
   * import: runs once the volume exists and before the tenant's container or service does; `load`
   * fills the volume from a verified tar (and refuses a volume that holds data unless replaced).
   */
  fillVolume?: ((load: VolumeLoad) => Promise<void>) | undefined;
  /** An existing volume is deleted and created anew (import --force). */
  replaceVolume?: boolean | undefined;
  createdAt?: number | undefined;
  /** The swarm node (feather.host label) to place it on; default the emptiest. */
  node?: string | undefined;
  /** swarm: start empty away from the volume remove kept (core/kept-volume.ts), which stays where it is. */
  newVolume?: boolean | undefined;
}

/** Copies the tenant's volume into `file` as one tar: its size and sha256. */
export type VolumeCopy = (file: string, onBytes?: (done: number) => void) => Promise<{ bytes: number; sha256: string }>;

/** Fills the tenant's volume from the tar in `file`, whose sha256 the caller verified. */
export type VolumeLoad = (file: string, sha256: string) => Promise<void>;

/** What import's preflight found: a volume holding data (replaced only with --force), and where volumes live (for the space check). */
export interface ImportTarget {
  volumeHasData: boolean;
  /** A directory on this server whose filesystem holds the volume; undefined when it is on another node. */
  volumeStore: string | undefined;
}

/** add after its preflight: nothing has changed yet. */
export interface PreparedAdd {
  /** Claims name (and port) in state: the one row add then fills. */
  reserve(): Promise<TenantRow>;
  /**
   * Makes the tenant's objects and starts it, until it runs; each object made is pushed on
   * `undo`. `containerId` is what state keeps, `port` the one add reports (podman: the host's;
   * swarm: the service's).
   */
  create(row: TenantRow, password: string, undo: Undo): Promise<{ containerId: string; port: number; volumeReused: boolean; node?: string }>;
}

/** remove after its preflight: nothing has changed yet. */
export interface PreparedRemove {
  /** Anything of the tenant's left in the engine (container, service, or a volume --purge would delete). */
  found: boolean;
  /** The error when neither state, the engine nor Caddy knows the tenant (a kept volume's hint). */
  notFoundHint?: string;
  volume: string;
  /** The volume --purge deletes (it exists); asks for confirmation first. */
  purgeVolume?: string;
  volumeKept: boolean;
  /** Removes the tenant's objects, keeping the volume unless purged; says what it removed. */
  teardown(): Promise<string[]>;
}

/** Where a tenant's logs are read (its container's, or its service's tasks'). */
export interface LogSource {
  /** The engine's command, for an error: `podman logs`, `docker service logs`. */
  command: string;
  /** Streams them to our stdout/stderr; resolves with the engine's exit code (130: interrupted). */
  stream(opts: LogOptions): Promise<number>;
  /** The last lines (both streams, in time order); never follows. */
  read(opts: { tail: number; since?: string | undefined }): Promise<LogLine[]>;
}

/** What upgrade's plan (core/upgrade-plan.ts) needs of the engine, read before anything changes. */
export interface UpgradeWorld {
  /** Each image asked for and the ID this backend compares (podman: the ID in its storage; swarm: the reference itself). */
  ids: Map<string, string>;
  /** Each tenant's container or service by tenant name; absent: it is missing. */
  engines: Map<string, UpgradeEngine>;
  /** Tenants with a new container an interrupted upgrade left (podman's `<obj>.next`). */
  leftovers: Set<string>;
}

/** A container's or service's state ('running' or anything else) and the image ID it runs. */
export interface UpgradeEngine {
  state: string;
  imageId: string | undefined;
}

export interface TenantBackend {
  readonly name: BackendName;
  /** Bad input for add on this backend, before the lock and any read. */
  validateAdd(ctx: Context, req: AddRequest): void;
  /** Reads everything add needs and refuses a clash; changes nothing. */
  prepareAdd(ctx: Context, req: AddRequest): Promise<PreparedAdd>;
  /** The tenant's container or service now. */
  state(ctx: Context, row: TenantRow): Promise<EngineState>;
  /** Starts the stopped tenant and waits until it answers (podman: HTTP; swarm: a running task). */
  start(ctx: Context, row: TenantRow): Promise<void>;
  stop(ctx: Context, row: TenantRow): Promise<void>;
  /** The tenant's container or service is gone: make it again from state and start it. */
  recreate(ctx: Context, row: TenantRow): Promise<void>;
  /** The host:port Caddy dials for the tenant. */
  dial(ctx: Context, row: Pick<TenantRow, 'name' | 'port'>): string;
  /** The tenant's Caddy route (its dial, and what the backend serves beside the tenant). */
  route(ctx: Context, row: Pick<TenantRow, 'name' | 'port'>): CaddyRoute;
  /** Every tenant: state's rows with what the engine runs, and the engine's tenants state lacks. */
  list(ctx: Context, early?: Promise<ContainerSummary[]>): Promise<ListEntry[]>;
  /** One tenant as the engine runs it. */
  show(ctx: Context, row: TenantRow): Promise<ShowResult>;
  /** What a tenant runs as (`container`, `service`) and how it gets one again once it is lost. */
  lost(name: string): { what: string; hint: string };
  /** The tenant's logs; undefined when it has no container or service to read them from. */
  logs(ctx: Context, name: string): Promise<LogSource | undefined>;
  /**
   * export's preflight (its volume is there; changes nothing), then its copy: the tenant's volume
   * into `file` (a spool) as one tar, with its size and sha256. The caller stops the tenant
   * between the two for a consistent copy.
   */
  prepareExport(ctx: Context, row: TenantRow): Promise<VolumeCopy>;
  /** import's preflight for the archive's tenant under `name`: refuses a clash; changes nothing. */
  prepareImport(ctx: Context, o: { name: string; image: string; force: boolean }): Promise<ImportTarget>;
  /** upgrade's preflight: refuses an image the engine does not have (or a setup the switch needs); changes nothing. */
  prepareUpgrade(ctx: Context, rows: TenantRow[], images: string[], early?: Promise<ContainerSummary[]>): Promise<UpgradeWorld>;
  /** The tenant's container or service now, read again under its lock. */
  upgradeState(ctx: Context, name: string): Promise<UpgradeEngine | undefined>;
  /**
   * Moves one tenant (its lock held) to `image`: a running one with its requests held ("switching"
   * in its row), until the new one answers and settles, else rolled back (tenant/switch.ts's
   * RolledBack); an asleep or stopped one only gets the new image and stays as it was.
   */
  switchImage(ctx: Context, row: TenantRow, image: string, mode: UpgradeMode, o: { leftover: boolean }): Promise<void>;
  /** A secret of the tenant's (podman secret, Swarm secret): the value goes on stdin, never argv. */
  createSecret(ctx: Context, tenant: string, name: string, value: string): Promise<void>;
  /** Absent is success. */
  removeSecret(ctx: Context, name: string): Promise<void>;
  /**
   * Runs the tenant on these secrets (default: the row's) from now on: podman recreates its
   * container (started if `start`), swarm swaps them in its service in one update (scaled as it
   * was). Resolves whether the tenant runs. passwd, rotate-ingest-token and reconcile's roll back.
   */
  useSecrets(ctx: Context, row: TenantRow, o: { start: boolean; secret?: string | undefined; ingestSecret?: string | undefined }): Promise<boolean>;
  /** Reads what remove needs, refuses what this backend cannot remove; changes nothing. */
  prepareRemove(ctx: Context, name: string, row: TenantRow | undefined, purge: boolean): Promise<PreparedRemove>;
}

export type BackendState = 'running' | 'stopped' | 'starting';

/** A tenant's volume where it lives, and what the helpers that read or fill it there need. */
export interface NodeVolume {
  /** The volume's name, also the tenant's network the helpers join. */
  name: string;
  node: string;
  /** The tenant's image: the helpers run its sh, tar and nc. */
  image: string;
  labels: Record<string, string>;
}

/**
 * The swarm engine (swarm/docker-cli.ts) the swarm backend is built on; `move`'s nodes,
 * exportVolume, importVolume and pin are swarm's alone and reached through ctx.swarm.
 */
export interface SwarmEngine {
  /** Nodes labelled for tenants (node.labels.feather.host). */
  nodes(): Promise<SwarmNode[]>;
  /**
   * Network, secret and service, each made only when missing; an object of that name that is
   * not ours (labels) is an error, never reused. The password goes to the engine on stdin.
   * `beforeService` runs once the network exists, before the service is made (import fills the
   * volume there: a service started on an empty volume would copy the image's files into it).
   */
  ensure(spec: ServiceSpec, password: string, beforeService?: () => Promise<void>): Promise<void>;
  /** A Swarm secret of ours (labels); the value on stdin, never argv. */
  createSecret(name: string, value: string, labels: Record<string, string>): Promise<void>;
  /** Absent is success (docker refuses one a service still uses). */
  removeSecret(name: string): Promise<void>;
  /** One `docker service update` to other secrets; `wait`: resolves once its task runs on them. */
  updateSecrets(name: string, change: SecretChange, wait: boolean): Promise<void>;
  /** Scale to 1 (start, wake) or 0 (stop, sleep); the spec, volume and secret stay. */
  scale(name: string, replicas: 0 | 1): Promise<void>;
  /** undefined: no such service. */
  state(name: string): Promise<BackendState | undefined>;
  /** One service as list sees it; undefined: no such service. */
  inspect(name: string): Promise<ServiceSummary | undefined>;
  list(labelFilter: string): Promise<ServiceSummary[]>;
  /** host:port that Caddy dials for this tenant. */
  upstream(name: string, port: number): string;
  /**
   * Streams the (stopped) tenant's volume from its node into `file` as a tar; rejects unless the
   * file holds exactly what the node sent. The volume is only read.
   */
  exportVolume(v: NodeVolume, file: string, onBytes?: (done: number) => void): Promise<{ bytes: number; sha256: string }>;
  /**
   * Fills the tenant's volume on `v.node` from the tar in `file` (sha256 as the caller verified
   * it); refuses a volume there that holds data, and rejects unless the node received it whole.
   */
  importVolume(v: NodeVolume, file: string, sha256: string): Promise<void>;
  /** `service update --image` (stop-first, never resolved); returns once the manager took the order. */
  setImage(name: string, image: string): Promise<void>;
  /** The task the service wants running now; undefined: none (scaled to 0, or no such service). */
  task(name: string): Promise<ServiceTask | undefined>;
  /**
   * Refuses (ConflictError) when `v.node` already has the volume holding data: an add that is
   * not meant to reuse one would mount it (an old copy a move left there, the name's last user's).
   */
  requireEmptyVolume(v: NodeVolume): Promise<void>;
  /** Swaps the service's placement constraint to another node; it stays scaled as it was. */
  pin(name: string, from: string | undefined, to: string): Promise<void>;
  /** Service, network and secrets; the volume stays on its node. Absent is success. */
  remove(name: string, secrets: string[]): Promise<void>;
  /** `docker service logs --raw`, streamed to our stdout/stderr; resolves with docker's exit code. */
  streamLogs(name: string, opts: LogOptions): Promise<number>;
  /** The service's last log lines, both streams in time order. */
  readLogs(name: string, opts: { tail: number; since?: string | undefined }): Promise<LogLine[]>;
}
