import type { ContainerDetails, ContainerSummary, RunSpec } from '../core/container.js';
import type { LogLine } from './parse-logs.js';


export interface LogOptions {
  follow: boolean;
  tail?: number | undefined;
  since?: string | undefined;
}

/** Which containers a listing asks podman for: by label (`key=value`), by name prefix, or all. */
export interface ContainerFilter {
  label?: string;
  namePrefix?: string;
}

/**
 * The read side of the port, the listings `list`, `reconcile`, `add` and the sweeps wait for. Two
 * adapters give the same domain values: a podman process each (cli-reads.ts), or one request to
 * podman's API socket (api-reads.ts), which saves the ~80 ms a podman process costs to start.
 */
export interface PodmanReads {
  /** All states, like `podman ps --all`. */
  containers(filter: ContainerFilter): Promise<ContainerSummary[]>;
  /** The Linux bridges of the networks with this label (`key=value`). */
  networkBridges(labelFilter: string): Promise<string[]>;
  /** The ID an image reference names now (list's and show's "out of date"); undefined when not there. */
  imageId(image: string): Promise<string | undefined>;
}

/** Every podman call we make goes through this interface (one implementation: podman-cli.ts). */
export interface PodmanClient {
  listContainers(labelFilter?: string): Promise<ContainerSummary[]>;
  /** All containers whose name starts with `prefix`, labelled or not (tenant.sh's have no labels). */
  listContainersNamed(prefix: string): Promise<ContainerSummary[]>;
  containerExists(name: string): Promise<boolean>;
  imageExists(image: string): Promise<boolean>;
  /** The ID an image reference names in podman's storage now; undefined when it is not there. */
  imageId(image: string): Promise<string | undefined>;
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
  /** `podman run --detach`; resolves with the container's id. */
  run(spec: RunSpec): Promise<string>;
  /** Removes the container if present; absent is success. */
  removeContainer(name: string, stopSeconds: number): Promise<void>;
  logsTail(name: string, lines: number): Promise<string>;
  containerState(name: string): Promise<string | undefined>;
  /** undefined when there is no such container. */
  inspectContainer(name: string): Promise<ContainerDetails | undefined>;
  /** `podman create`: the same container as run, not started. */
  create(spec: RunSpec): Promise<string>;
  startContainer(name: string): Promise<void>;
  /** `podman rename` (a running container keeps running, with its id). */
  renameContainer(name: string, newName: string): Promise<void>;
  stopContainer(name: string, stopSeconds: number): Promise<void>;
  networkExists(name: string): Promise<boolean>;
  secretExists(name: string): Promise<boolean>;
  /** The container's last log lines (stdout and stderr, in time order); never follows. */
  readLogs(name: string, opts: { tail: number; since?: string | undefined }): Promise<LogLine[]>;
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
