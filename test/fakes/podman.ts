// An in-memory podman for command-level unit tests: the same PodmanClient interface as
// src/podman/podman-cli.ts, with absent-is-success where the real one has it. `failOn` makes the
// named method throw an EngineError, so a test can fail any step of a command and check the undo.
import type { ContainerDetails, ContainerSummary, RunSpec } from '../../src/core/container.js';
import { EngineError } from '../../src/core/errors.js';
import type { LogOptions, PodmanClient } from '../../src/podman/types.js';
import type { LogLine } from '../../src/podman/parse-logs.js';
import { createServer, type Server } from 'node:http';

/** What the fake keeps of a container: the fields both views (summary and details) share. */
/** The names of the secrets it was given ride along, so a test can see which a recreated container kept. */
type FakeContainer = Pick<ContainerDetails, 'id' | 'name' | 'state' | 'image' | 'imageId' | 'labels' | 'hostPorts'> & { secrets?: string[] };

/**
 * A FakePodman whose failures arrive as rejected promises, as the real client's do: the methods
 * below throw synchronously, and a command that builds several calls into one Promise.all must
 * see a rejection, not an exception halfway through building the array.
 */
export function fakePodman(): FakePodman {
  return new Proxy(new FakePodman(), {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        try {
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
    },
  });
}

export class FakePodman implements PodmanClient {
  readonly containers = new Map<string, FakeContainer>();
  readonly volumes = new Map<string, Record<string, string>>();
  readonly networks = new Map<string, Record<string, string>>();
  readonly secrets = new Map<string, string>();
  readonly images = new Set<string>();
  /** A container's log lines, oldest first (readLogs answers its tail). */
  readonly logs = new Map<string, LogLine[]>();
  /** The ID each image reference names now (default `id:<ref>`); set one to "load" a new image under a tag. */
  readonly imageIds = new Map<string, string>();
  /** Method names that throw, as podman failing would. */
  readonly failOn = new Set<keyof PodmanClient>();
  /** Every call, in order: `createVolume x`, `run x`, ... */
  readonly calls: string[] = [];
  /**
   * A running container answers HTTP on its published port (a tiny server in this process), so
   * that add, start and restart, which wait for the app to answer, get through.
   */
  serveHttp = false;
  private readonly servers = new Map<string, Server>();
  private nextId = 1;

  private serving(k: FakeContainer): void {
    const port = k.hostPorts[0];
    if (!this.serveHttp || k.state !== 'running' || port === undefined || this.servers.has(k.name)) return;
    this.servers.set(k.name, createServer((_q, r) => r.end('ok')).listen(port, '127.0.0.1'));
  }

  private unserving(name: string): void {
    this.servers.get(name)?.close();
    this.servers.delete(name);
  }

  /** Closes what serveHttp opened. */
  stopServing(): void {
    for (const name of [...this.servers.keys()]) this.unserving(name);
  }

  private step(method: keyof PodmanClient, what = ''): void {
    this.calls.push(`${method}${what ? ` ${what}` : ''}`);
    if (this.failOn.has(method)) throw new EngineError(`podman ${method} ${what}`.trim(), 'Error: failed on purpose (test)');
  }

  private summary(k: FakeContainer): ContainerSummary {
    return { ...k, labels: { ...k.labels }, startedAt: undefined, createdAt: undefined, pid: undefined };
  }

  listContainers(labelFilter?: string): Promise<ContainerSummary[]> {
    this.step('listContainers');
    const [key, value] = (labelFilter ?? '').split('=');
    return Promise.resolve([...this.containers.values()].filter((k) => !key || k.labels[key] === value).map((k) => this.summary(k)));
  }
  listContainersNamed(prefix: string): Promise<ContainerSummary[]> {
    this.step('listContainersNamed', prefix);
    return Promise.resolve([...this.containers.values()].filter((k) => k.name.startsWith(prefix)).map((k) => this.summary(k)));
  }
  containerExists(name: string): Promise<boolean> { this.step('containerExists', name); return Promise.resolve(this.containers.has(name)); }
  imageExists(image: string): Promise<boolean> { this.step('imageExists', image); return Promise.resolve(this.images.has(image)); }
  imageId(image: string): Promise<string | undefined> { this.step('imageId', image); return Promise.resolve(this.idOf(image)); }
  private idOf(image: string): string | undefined {
    return this.images.has(image) ? (this.imageIds.get(image) ?? `id:${image}`) : undefined;
  }
  objectLabels(kind: 'volume' | 'network' | 'secret', name: string): Promise<Record<string, string> | undefined> {
    this.step('objectLabels', `${kind} ${name}`);
    // Secrets are kept by value only here: one that exists carries no labels of ours.
    const labels = kind === 'volume' ? this.volumes.get(name) : kind === 'network' ? this.networks.get(name) : this.secrets.has(name) ? {} : undefined;
    return Promise.resolve(labels && { ...labels });
  }
  volumeExists(name: string): Promise<boolean> { this.step('volumeExists', name); return Promise.resolve(this.volumes.has(name)); }
  createVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.step('createVolume', name);
    this.volumes.set(name, labels);
    return Promise.resolve();
  }
  removeVolume(name: string): Promise<void> { this.step('removeVolume', name); this.volumes.delete(name); return Promise.resolve(); }
  volumeMountpoint(name: string): Promise<string> { this.step('volumeMountpoint', name); return Promise.resolve(`/nonexistent/volumes/${name}/_data`); }
  createNetwork(name: string, labels: Record<string, string>): Promise<void> {
    this.step('createNetwork', name);
    this.networks.set(name, labels);
    return Promise.resolve();
  }
  removeNetwork(name: string): Promise<void> { this.step('removeNetwork', name); this.networks.delete(name); return Promise.resolve(); }
  isolate(networks: string[]): Promise<number> { this.step('isolate', networks.join(',')); return Promise.resolve(0); }
  isolateLabelled(): Promise<number> { this.step('isolateLabelled'); return Promise.resolve(0); }
  createSecret(name: string, value: string): Promise<void> {
    this.step('createSecret', name);
    this.secrets.set(name, value);
    return Promise.resolve();
  }
  removeSecret(name: string): Promise<void> { this.step('removeSecret', name); this.secrets.delete(name); return Promise.resolve(); }

  private container(spec: RunSpec, state: string): FakeContainer {
    if (this.containers.has(spec.name)) throw new EngineError('podman run', `Error: the container name "${spec.name}" is already in use`);
    const k: FakeContainer = { id: `fake${this.nextId++}`, name: spec.name, state, image: spec.image, imageId: this.idOf(spec.image), labels: { ...spec.labels }, hostPorts: spec.publish.map((p) => p.hostPort), secrets: spec.secrets.map((m) => m.name) };
    this.containers.set(k.name, k);
    return k;
  }
  run(spec: RunSpec): Promise<string> {
    // Like podman: a run that fails may already have created the container.
    const k = this.container(spec, this.failOn.has('run') ? 'created' : 'running');
    this.step('run', spec.name);
    this.serving(k);
    return Promise.resolve(k.id);
  }
  create(spec: RunSpec): Promise<string> {
    this.step('create', spec.name);
    return Promise.resolve(this.container(spec, 'created').id);
  }
  removeContainer(name: string): Promise<void> { this.step('removeContainer', name); this.containers.delete(name); this.unserving(name); return Promise.resolve(); }
  logsTail(name: string): Promise<string> { this.step('logsTail', name); return Promise.resolve(''); }
  containerState(name: string): Promise<string | undefined> { this.step('containerState', name); return Promise.resolve(this.containers.get(name)?.state); }
  inspectContainer(name: string): Promise<ContainerDetails | undefined> {
    this.step('inspectContainer', name);
    const k = this.containers.get(name);
    return Promise.resolve(k && { ...k, createdAt: undefined, startedAt: undefined, nanoCpus: 0, memoryBytes: 0, pidsLimit: 0, mounts: [] });
  }
  renameContainer(name: string, newName: string): Promise<void> {
    this.step('renameContainer', `${name} ${newName}`);
    const k = this.containers.get(name);
    if (!k) return Promise.reject(new EngineError(`podman rename ${name}`, `Error: no container with name or ID "${name}" found`));
    if (this.containers.has(newName)) return Promise.reject(new EngineError(`podman rename ${name}`, `Error: the container name "${newName}" is already in use`));
    this.containers.delete(name);
    this.containers.set(newName, { ...k, name: newName });
    return Promise.resolve();
  }
  startContainer(name: string): Promise<void> {
    this.step('startContainer', name);
    const k = this.containers.get(name);
    if (!k) return Promise.reject(new EngineError(`podman start ${name}`, `Error: no container with name or ID "${name}" found`));
    k.state = 'running';
    this.serving(k);
    return Promise.resolve();
  }
  stopContainer(name: string): Promise<void> {
    this.step('stopContainer', name);
    const k = this.containers.get(name);
    if (k) k.state = 'exited';
    this.unserving(name);
    return Promise.resolve();
  }
  networkExists(name: string): Promise<boolean> { this.step('networkExists', name); return Promise.resolve(this.networks.has(name)); }
  secretExists(name: string): Promise<boolean> { this.step('secretExists', name); return Promise.resolve(this.secrets.has(name)); }
  readLogs(name: string, opts: { tail: number }): Promise<LogLine[]> {
    this.step('readLogs', name);
    if (!this.containers.has(name)) throw new EngineError(`podman logs ${name}`, `Error: no container with name or ID "${name}" found`);
    return Promise.resolve(opts.tail === 0 ? [] : (this.logs.get(name) ?? []).slice(-opts.tail));
  }
  streamLogs(name: string, _opts: LogOptions): Promise<number> { this.step('streamLogs', name); return Promise.resolve(0); }
  exportVolume(name: string): Promise<void> { this.step('exportVolume', name); return Promise.resolve(); }
  importVolume(name: string): Promise<void> { this.step('importVolume', name); return Promise.resolve(); }
  volumeHasData(name: string): Promise<boolean> { this.step('volumeHasData', name); return Promise.resolve(false); }
  volumeStorePath(): Promise<string> { this.step('volumeStorePath'); return Promise.resolve('/nonexistent/volumes'); }
  stopContainers(names: string[]): Promise<void> {
    this.step('stopContainers', names.join(','));
    for (const n of names) {
      const k = this.containers.get(n);
      if (k) k.state = 'exited';
      this.unserving(n);
    }
    return Promise.resolve();
  }
}
