// An in-memory swarm for command-level unit tests: the SwarmEngine (src/backend/port.ts)
// as swarm/docker-cli.ts implements it, under the swarm backend (src/backend/swarm.ts). `failOn` makes a method reject, to check a command's undo.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { BackendState, NodeVolume, SwarmEngine } from '../../src/backend/port.js';
import { ConflictError, EngineError } from '../../src/core/errors.js';
import type { SecretChange, ServiceSpec, ServiceSummary, ServiceTask, SwarmNode } from '../../src/core/service.js';
import type { LogLine } from '../../src/podman/parse-logs.js';
import type { LogOptions } from '../../src/podman/types.js';

export class FakeSwarm implements SwarmEngine {
  nodeList: SwarmNode[] = [{ host: '1', hostname: 'n1', ready: true }, { host: '2', hostname: 'n2', ready: true }];
  services = new Map<string, { spec: ServiceSpec; replicas: 0 | 1 }>();
  secrets = new Map<string, string>();
  failOn = new Set<keyof SwarmEngine>();
  calls: string[] = [];

  private step(what: keyof SwarmEngine, detail: string): Promise<void> {
    this.calls.push(`${what} ${detail}`);
    return this.failOn.has(what) ? Promise.reject(new EngineError(`docker ${what}`, 'injected failure')) : Promise.resolve();
  }

  nodes(): Promise<SwarmNode[]> {
    return Promise.resolve(this.nodeList);
  }

  async ensure(spec: ServiceSpec, password: string, beforeService?: () => Promise<void>): Promise<void> {
    await this.step('ensure', spec.name);
    if (!this.services.has(spec.name)) await beforeService?.();
    for (const s of spec.secrets) {
      if (this.secrets.has(s.name)) continue;
      // as docker-cli.ts: only the password's is made here, the ingest token's must exist
      if (s.target !== 'feather-password') throw new EngineError('docker service create', `secret not found: ${s.name}`);
      this.secrets.set(s.name, password);
    }
    if (!this.services.has(spec.name)) this.services.set(spec.name, { spec, replicas: 1 });
  }

  async createSecret(name: string, value: string): Promise<void> {
    await this.step('createSecret', name);
    if (this.secrets.has(name)) throw new EngineError('docker secret create', `secret ${name} already exists`);
    this.secrets.set(name, value);
  }

  async removeSecret(name: string): Promise<void> {
    await this.step('removeSecret', name);
    if ([...this.services.values()].some((s) => s.spec.secrets.some((x) => x.name === name))) throw new EngineError('docker secret rm', `secret '${name}' is in use by a service`);
    this.secrets.delete(name);
  }

  /** Applies the change to the spec as docker does (secrets, env, labels); the replicas stay. */
  async updateSecrets(name: string, c: SecretChange): Promise<void> {
    await this.step('updateSecrets', `${name} -${c.remove.join(',')} +${c.add.map((x) => x.name).join(',')}`);
    const s = this.services.get(name);
    if (!s) throw new EngineError('docker service update', `service ${name} not found`);
    for (const x of c.add) if (!this.secrets.has(x.name)) throw new EngineError('docker service update', `secret not found: ${x.name}`);
    const env = Object.fromEntries(Object.entries(s.spec.env).filter(([k]) => !c.removeEnv.includes(k)));
    const labels = Object.fromEntries(Object.entries(s.spec.labels).filter(([k]) => !c.removeLabels.includes(k)));
    s.spec = {
      ...s.spec,
      secrets: [...s.spec.secrets.filter((x) => !c.remove.includes(x.name)), ...c.add],
      env: { ...env, ...c.env },
      labels: { ...labels, ...c.labels },
    };
  }

  async scale(name: string, replicas: 0 | 1): Promise<void> {
    await this.step('scale', `${name}=${replicas}`);
    const s = this.services.get(name);
    if (s) s.replicas = replicas;
  }

  state(name: string): Promise<BackendState | undefined> {
    const s = this.services.get(name);
    return Promise.resolve(s === undefined ? undefined : s.replicas === 1 ? 'running' : 'stopped');
  }

  async inspect(name: string): Promise<ServiceSummary | undefined> {
    return (await this.list(`io.feather-tenant.tenant=${this.services.get(name)?.spec.hostname ?? ''}`)).find((s) => s.name === name);
  }

  list(labelFilter: string): Promise<ServiceSummary[]> {
    const [k = '', v] = labelFilter.split('=');
    return Promise.resolve([...this.services.values()]
      .filter((s) => s.spec.labels[k] === v)
      .map((s) => ({ name: s.spec.name, labels: s.spec.labels, desired: s.replicas, running: s.replicas, node: s.spec.node, limits: { nanoCpus: Number(s.spec.limits.cpus) * 1e9, memoryBytes: 0, pids: s.spec.limits.pids }, image: s.spec.image })));
  }

  /** Volumes by node: `${node}/${name}` -> contents. */
  volumes = new Map<string, string>();

  /** The tar exportVolume writes: an empty archive (two zero blocks), which import's policy accepts. */
  tar: Buffer = Buffer.alloc(1024);
  /** What importVolume received: `${node}/${name}` -> the bytes. */
  imported = new Map<string, Buffer>();
  /** Whether the tenant's service existed when its volume was filled: `${node}/${name}` -> it did. */
  serviceAtFill = new Map<string, boolean>();

  async exportVolume(v: NodeVolume, file: string): Promise<{ bytes: number; sha256: string }> {
    await this.step('exportVolume', `${v.name} ${v.node}`);
    await writeFile(file, this.tar);
    return { bytes: this.tar.length, sha256: createHash('sha256').update(this.tar).digest('hex') };
  }

  async importVolume(v: NodeVolume, _file: string, sha256: string): Promise<void> {
    await this.step('importVolume', `${v.name} ${v.node} ${sha256}`);
    this.serviceAtFill.set(`${v.node}/${v.name}`, this.services.has(v.name));
    this.imported.set(`${v.node}/${v.name}`, await readFile(_file));
  }

  async requireEmptyVolume(v: NodeVolume): Promise<void> {
    await this.step('requireEmptyVolume', `${v.name} ${v.node}`);
    if (this.volumes.get(`${v.node}/${v.name}`)) throw new ConflictError(`node ${v.node} already has a volume ${v.name} holding data`);
  }

  async pin(name: string, _from: string | undefined, to: string): Promise<void> {
    await this.step('pin', `${name} ${to}`);
    const s = this.services.get(name);
    if (s) s.spec = { ...s.spec, node: to };
  }

  /** A service's log lines, oldest first (readLogs answers its tail). */
  logs = new Map<string, LogLine[]>();

  async streamLogs(name: string, _opts: LogOptions): Promise<number> {
    await this.step('streamLogs', name);
    return 0;
  }

  async readLogs(name: string, opts: { tail: number }): Promise<LogLine[]> {
    await this.step('readLogs', name);
    if (!this.services.has(name)) throw new EngineError('docker service logs', `Error: no such service: ${name}`);
    return opts.tail === 0 ? [] : (this.logs.get(name) ?? []).slice(-opts.tail);
  }

  /** Each service's current task: its ID counts up with every new task; `dies` makes the next one fail. */
  taskSeq = 0;
  tasks = new Map<string, { id: string; image: string }>();

  async setImage(name: string, image: string): Promise<void> {
    await this.step('setImage', `${name} ${image}`);
    const s = this.services.get(name);
    if (!s) throw new EngineError('docker service update', `Error: no such service: ${name}`);
    s.spec = { ...s.spec, image };
    this.tasks.set(name, { id: `t${++this.taskSeq}`, image });
  }

  task(name: string): Promise<ServiceTask | undefined> {
    const s = this.services.get(name);
    if (!s || s.replicas === 0) return Promise.resolve(undefined);
    const t = this.tasks.get(name) ?? { id: `t0-${name}`, image: s.spec.image };
    return Promise.resolve({ ...t, state: 'Running 1 second ago' });
  }

  upstream(name: string, port: number): string {
    return `${name}:${port}`;
  }

  async remove(name: string, secrets: string[]): Promise<void> {
    await this.step('remove', name);
    this.services.delete(name);
    for (const s of secrets) this.secrets.delete(s);
  }
}
