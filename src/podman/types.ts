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

export interface LogOptions {
  follow: boolean;
  tail?: number | undefined;
  since?: string | undefined;
}

/** Every podman call we make goes through this interface (one implementation: podman-cli.ts). */
export interface PodmanClient {
  listContainers(labelFilter?: string): Promise<ContainerSummary[]>;
  /** All containers whose name starts with `prefix`, labelled or not (tenant.sh's have no labels). */
  listContainersNamed(prefix: string): Promise<ContainerSummary[]>;
  containerExists(name: string): Promise<boolean>;
  imageExists(image: string): Promise<boolean>;
  volumeExists(name: string): Promise<boolean>;
  /** A volume's, network's or secret's labels; undefined when there is no such object. */
  objectLabels(kind: 'volume' | 'network' | 'secret', name: string): Promise<Record<string, string> | undefined>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  volumeMountpoint(name: string): Promise<string>;
  /** `bridge` names the network's Linux bridge where podman can (5.x; 4.3 picks podmanN). */
  createNetwork(name: string, labels: Record<string, string>, opts?: { bridge?: string }): Promise<void>;
  /** Removes the network and its isolation rules; absent is success. */
  removeNetwork(name: string): Promise<void>;
  /** Puts back any missing isolation rules of these networks; resolves with how many it added. */
  isolate(networks: string[]): Promise<number>;
  /** The same for every network with this label (`key=value`); with dryRun it only counts. */
  isolateLabelled(labelFilter: string, opts?: { dryRun?: boolean }): Promise<number>;
  /** The value goes to podman on stdin, never in argv. */
  createSecret(name: string, value: string, labels: Record<string, string>): Promise<void>;
  removeSecret(name: string): Promise<void>;
  run(args: string[]): Promise<string>;
  /** Removes the container if present; absent is success. */
  removeContainer(name: string, stopSeconds: number): Promise<void>;
  logsTail(name: string, lines: number): Promise<string>;
  containerState(name: string): Promise<string | undefined>;
  /** undefined when there is no such container. */
  inspectContainer(name: string): Promise<ContainerDetails | undefined>;
  /** `podman create`: same arguments as run, without starting. */
  create(args: string[]): Promise<string>;
  startContainer(name: string): Promise<void>;
  stopContainer(name: string, stopSeconds: number): Promise<void>;
  networkExists(name: string): Promise<boolean>;
  secretExists(name: string): Promise<boolean>;
  /** Streams the container's logs to our stdout/stderr; resolves with podman's exit code. */
  streamLogs(name: string, opts: LogOptions): Promise<number>;
  /** `podman volume export` into a file (podman 4.3 cannot write to Node's socket pipes). */
  exportVolume(name: string, file: string): Promise<void>;
  /** `podman volume import` from a file; it merges into what the volume holds. */
  importVolume(name: string, file: string): Promise<void>;
  /** True when the volume's top directory holds anything. */
  volumeHasData(name: string): Promise<boolean>;
  /** Where the local driver keeps volumes (`podman info`: store.volumePath). */
  volumeStorePath(): Promise<string>;
  /** Stops several containers in one podman call; stopped or missing ones are success. */
  stopContainers(names: string[], seconds: number): Promise<void>;
}
