// Domain types of the swarm backend: a tenant as one Docker Swarm service, and what we read back.
// Defined in the core so the pure spec builder and placement depend on these, not on the adapter.
import type { Isolated } from './container.js';

/** A Swarm secret given to the service as a file (a service's env is visible to `docker service inspect`). */
export interface ServiceSecret {
  name: string;
  target: string;
  uid: string;
  gid: string;
  mode: string;
}

/**
 * A tenant's service in the engine's own terms; swarm/service-args.ts turns it into argv. Secret
 * values never appear here, only secret names.
 */
export interface ServiceSpec extends Isolated {
  /** What the scheduler keeps free for it: small, since most tenants sleep. */
  reserve: { cpus: string; memory: string };
  /** The tenant's own attachable overlay network: Caddy joins it, no other tenant does. */
  network: string;
  /** A local volume on the node the service is pinned to. */
  volume: { source: string; target: string; labels: Record<string, string> };
  secrets: ServiceSecret[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The value of node.labels.feather.host the service is constrained to. */
  node: string;
}

/**
 * A service moved to other secrets in one `docker service update` (passwd, rotate-ingest-token,
 * reconcile's roll back): the secrets out and in, and the environment and labels that name them.
 */
export interface SecretChange {
  remove: string[];
  add: ServiceSecret[];
  env: Record<string, string>;
  removeEnv: string[];
  labels: Record<string, string>;
  removeLabels: string[];
}

/** One tenant service as `list` sees it. */
export interface ServiceSummary {
  name: string;
  labels: Record<string, string>;
  /** Replicas wanted: 1 awake, 0 asleep. */
  desired: number;
  /** Tasks running now. */
  running: number;
  /** The node (feather.host label value) its constraint pins it to; undefined when unconstrained. */
  node: string | undefined;
  /** The service's limits as Swarm holds them; 0 when unlimited. */
  limits: { nanoCpus: number; memoryBytes: number; pids: number };
  /** Its last update (a scale is one): when it was last started, for the sweep; unset where not read. */
  updatedAt?: Date | undefined;
  /** The image reference in its spec (as given: images are never resolved against a registry); unset where not read. */
  image?: string | undefined;
}

/** The one task a tenant's service wants running: its ID, image reference and state ("Running 3 seconds ago"). */
export interface ServiceTask {
  id: string;
  image: string;
  state: string;
}

/** A swarm node that may run tenants (it carries the feather.host label). */
export interface SwarmNode {
  host: string;
  hostname: string;
  ready: boolean;
}
