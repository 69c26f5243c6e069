import type { ServiceSpec, ServiceSummary, SwarmNode } from '../core/service.js';

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
 * The tenant lifecycle on an orchestrator (issue 14): what `add`, `start`, `stop`, `remove` and
 * `list` need, and nothing of how. One implementation today (swarm/docker-cli.ts);
 * the podman backend keeps its own, richer PodmanClient port.
 */
export interface TenantBackend {
  /** Nodes labelled for tenants (node.labels.feather.host). */
  nodes(): Promise<SwarmNode[]>;
  /**
   * Network, secret and service, each made only when missing; an object of that name that is
   * not ours (labels) is an error, never reused. The password goes to the engine on stdin.
   */
  ensure(spec: ServiceSpec, password: string): Promise<void>;
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
  exportVolume(v: NodeVolume, file: string): Promise<{ bytes: number; sha256: string }>;
  /**
   * Fills the tenant's volume on `v.node` from the tar in `file` (sha256 as the caller verified
   * it); refuses a volume there that holds data, and rejects unless the node received it whole.
   */
  importVolume(v: NodeVolume, file: string, sha256: string): Promise<void>;
  /** Swaps the service's placement constraint to another node; it stays scaled as it was. */
  pin(name: string, from: string | undefined, to: string): Promise<void>;
  /** Service, network and secrets; the volume stays on its node. Absent is success. */
  remove(name: string, secrets: string[]): Promise<void>;
}
