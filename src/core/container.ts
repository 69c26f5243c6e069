// Domain types: what we know of a container, whoever read it (podman today). Defined in the core so
// planners and commands depend on these views, not on the podman adapter.

/** What we read of a container from one `podman ps -a --format json`. */
export interface ContainerSummary {
  id: string;
  name: string;
  state: string; // running, exited, created, paused, ...
  image: string;
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
