// Domain types: what we know of a container, whoever read it (podman today). Defined in the core so
// planners and commands depend on these views, not on the podman adapter.

/** What we read of a container from one `podman ps -a --format json`. */
export interface ContainerSummary {
  id: string;
  name: string;
  state: string; // running, exited, created, paused, ...
  image: string;
  /** The ID of the image it was created from (`podman ps`' ImageID); unset where not read. */
  imageId?: string | undefined;
  labels: Record<string, string>;
  /** Host ports published on the host, whatever the address. */
  hostPorts: number[];
  startedAt: Date | undefined;
  createdAt: Date | undefined;
  /** The host PID of the container's first process while it runs (its network counters are under /proc). */
  pid: number | undefined;
}

/** What `show` and `reconcile --adopt` read of one container from `podman inspect`. */
export interface ContainerDetails {
  id: string;
  name: string;
  state: string;
  image: string;
  /** The ID of the image it was created from (inspect's Image); unset where not read. */
  imageId?: string | undefined;
  labels: Record<string, string>;
  hostPorts: number[];
  createdAt: Date | undefined;
  startedAt: Date | undefined;
  /** 0 when unlimited. */
  nanoCpus: number;
  memoryBytes: number;
  pidsLimit: number;
  mounts: { type: string; name: string; source: string; destination: string }[];
}

/** A password (or other) podman secret given to a container: as a file, or as one environment variable. */
export type SecretMount =
  | { name: string; type: 'mount'; target: string; uid: string; gid: string; mode: string }
  | { name: string; type: 'env'; target: string };

/**
 * What a tenant's container and its Swarm service (core/service.ts) share: who it is, and the
 * secure defaults both engines have: its own user, an init, no capabilities, limits, its own
 * network.
 */
export interface Isolated {
  name: string;
  hostname: string;
  image: string;
  /** `uid:gid`, both explicit (podman would pick group 0 for a bare uid). */
  user: string;
  /** A minimal init as PID 1 (forwards signals, reaps zombies). */
  init: boolean;
  capDrop: string[];
  limits: { cpus: string; memory: string; pids: number };
  network: string;
}

/**
 * A container to run or create, in the engine's own terms; the podman adapter turns it into argv
 * (podman/run-args.ts), so nothing above it builds command lines. Secret values never appear here:
 * a secret is named, and an environment variable without a value is passed from podman's own
 * environment.
 */
export interface RunSpec extends Isolated {
  noNewPrivileges: boolean;
  publish: { hostIp: string; hostPort: number; containerPort: number }[];
  volumes: { source: string; target: string }[];
  secrets: SecretMount[];
  /** Variables set to a value (never a secret one). */
  env: Record<string, string>;
  /** Variables passed by name: podman fills them from its own environment. */
  envFromHost: string[];
  labels: Record<string, string>;
  pull: 'never' | 'missing' | 'always';
}
