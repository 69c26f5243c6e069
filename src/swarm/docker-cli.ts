// The swarm engine (issue 14): SwarmEngine driven through the docker CLI against a Swarm
// manager (DOCKER_HOST). Spawning is os/run-process.ts, parsing parse.ts, argv service-args.ts.
import type { Env } from '../core/config.js';
import { EngineError, OperationError } from '../core/errors.js';
import type { SecretChange, ServiceSpec, ServiceSummary, ServiceTask, SwarmNode } from '../core/service.js';
import { NODE_LABEL } from '../core/tenant-service-spec.js';
import { LABEL_MANAGED, LABEL_PREFIX, LABEL_TENANT, PASSWORD_TARGET } from '../core/tenant.js';
import { runProcess, type ProcessResult } from '../os/run-process.js';
import { pollUntil } from '../os/poll.js';
import type { BackendState, NodeVolume, SwarmEngine } from '../backend/port.js';
import { parseNodes, parseServices, parseTask } from './parse.js';
import { moveArgv, secretUpdateArgv, serviceCreateArgv } from './service-args.js';
import { exportVolume, importVolume, requireEmptyVolume, type StreamDeps } from './volume-stream.js';
import { streamProcess } from '../os/stream-process.js';
import { parseTimestampedLogs, type LogLine } from '../podman/parse-logs.js';
import type { LogOptions } from '../podman/types.js';
import { LABEL_NODE } from '../core/tenant-service-spec.js';

const NOT_FOUND = /no such|not found/i;
/** The name the operator gives Caddy's container on the manager (docs/many-servers.md). */
export const CADDY_CONTAINER = 'feather-caddy';

export class DockerSwarm implements SwarmEngine {
  constructor(
    private readonly bin: string,
    private readonly env: Env,
    private readonly containerPort: number,
    /** Caddy's container on the manager: it joins every tenant network to reach the service by name. */
    private readonly caddyContainer = CADDY_CONTAINER,
  ) {}

  private async exec(args: string[], opts: { stdin?: string; notFoundOk?: boolean } = {}): Promise<ProcessResult & { missing: boolean }> {
    let r: ProcessResult;
    try {
      r = await runProcess(this.bin, args, { ...this.env }, opts.stdin);
    } catch (err) {
      throw this.spawnError(err);
    }
    const words = `docker ${args.slice(0, 2).join(' ')}`;
    if (r.exitCode === 0) return { ...r, missing: false };
    if (opts.notFoundOk && NOT_FOUND.test(r.stderr)) return { ...r, missing: true };
    throw new EngineError(words, r.stderr, /Cannot connect|connect: /.test(r.stderr) ? 'is DOCKER_HOST set to the swarm manager?' : undefined);
  }

  private spawnError(err: unknown): OperationError {
    return new OperationError(`could not run ${this.bin}: ${(err as Error).message}`, 'install the docker client, or set FEATHER_TENANT_DOCKER to its path');
  }

  streamLogs(name: string, opts: LogOptions): Promise<number> {
    // --raw: the lines as the app wrote them, as podman's logs prints them (one replica: no task to tell apart)
    return streamProcess(this.bin, ['service', 'logs', '--raw', ...logArgs(opts), '--', name], { ...this.env }, { spawnError: (err) => this.spawnError(err) });
  }

  async readLogs(name: string, opts: { tail: number; since?: string | undefined }): Promise<LogLine[]> {
    // --raw --timestamps: "<RFC 3339> <line>", the app's stdout on docker's stdout and stderr on its stderr, as podman's
    const r = await this.exec(['service', 'logs', '--raw', '--timestamps', ...logArgs({ follow: false, ...opts }), '--', name]);
    return parseTimestampedLogs(r.stdout, r.stderr);
  }

  async nodes(): Promise<SwarmNode[]> {
    const ids = (await this.exec(['node', 'ls', '--quiet'])).stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const format = `{{index .Spec.Labels "${NODE_LABEL}"}}\t{{.Description.Hostname}}\t{{.Status.State}}\t{{.Spec.Availability}}`;
    return parseNodes((await this.exec(['node', 'inspect', '--format', format, ...ids])).stdout);
  }

  async ensure(spec: ServiceSpec, password: string, beforeService?: () => Promise<void>): Promise<void> {
    const mine = (labels: Record<string, string> | undefined, kind: string, name: string) => {
      if (labels === undefined) return false;
      const ours = [LABEL_MANAGED, LABEL_PREFIX, LABEL_TENANT].every((k) => labels[k] === spec.labels[k]);
      if (!ours) throw new OperationError(`a swarm ${kind} named ${name} exists and is not this tenant's`, 'remove it, or choose another prefix');
      return true;
    };
    const [network, ...secrets] = await Promise.all([
      this.labels('network', spec.network),
      ...spec.secrets.map((x) => this.labels('secret', x.name)),
    ]);
    if (!mine(network, 'network', spec.network)) {
      // attachable: Caddy's container joins it; encrypted would need IPsec (XFRM) between nodes
      await this.exec(['network', 'create', '--driver', 'overlay', '--attachable', ...labelArgs(spec.volume.labels), spec.network]);
    }
    const joined = await runProcess(this.bin, ['network', 'connect', spec.network, this.caddyContainer], { ...this.env });
    if (joined.exitCode !== 0 && !/already exists/i.test(joined.stderr)) {
      throw new EngineError('docker network connect', joined.stderr, `is Caddy's container named ${this.caddyContainer} running on this manager?`);
    }
    for (const [i, x] of spec.secrets.entries()) {
      if (mine(secrets[i], 'secret', x.name)) continue;
      // Only the password's is made here; the ingest token's was made (createSecret) before.
      if (x.target !== PASSWORD_TARGET) throw new OperationError(`swarm secret ${x.name} is missing`);
      await this.createSecret(x.name, password, spec.volume.labels);
    }
    if (mine(await this.labels('service', spec.name), 'service', spec.name)) return;
    await beforeService?.();
    await this.exec(serviceCreateArgv(spec));
  }

  async createSecret(name: string, value: string, labels: Record<string, string>): Promise<void> {
    await this.exec(['secret', 'create', ...labelArgs(labels), name, '-'], { stdin: value });
  }

  async removeSecret(name: string): Promise<void> {
    await this.exec(['secret', 'rm', name], { notFoundOk: true });
  }

  async updateSecrets(name: string, change: SecretChange, wait: boolean): Promise<void> {
    await this.exec(secretUpdateArgv(name, change, wait));
  }

  private async labels(kind: 'network' | 'secret' | 'service', name: string): Promise<Record<string, string> | undefined> {
    const field = kind === 'service' ? '.Spec.Labels' : kind === 'secret' ? '.Spec.Labels' : '.Labels';
    const r = await this.exec([kind, 'inspect', '--format', `{{json ${field}}}`, name], { notFoundOk: true });
    return r.missing ? undefined : ((JSON.parse(r.stdout) ?? {}) as Record<string, string>);
  }

  async scale(name: string, replicas: 0 | 1): Promise<void> {
    // To 0 we wait for the task to end (the volume is free afterwards); to 1 the caller waits
    // for HTTP, which says more than the task's state.
    await this.exec(['service', 'scale', `--detach=${replicas === 1}`, `${name}=${replicas}`]);
  }

  async setImage(name: string, image: string): Promise<void> {
    // stop-first: the volume is local to the one node, and two tasks on it would write it at once (docs/upgrade.md#swarm)
    await this.exec(['service', 'update', '--detach', '--quiet', '--no-resolve-image', '--update-order', 'stop-first', '--image', image, name]);
  }

  async task(name: string): Promise<ServiceTask | undefined> {
    const r = await this.exec(['service', 'ps', '--no-trunc', '--filter', 'desired-state=running', '--format', '{{.ID}}\t{{.Image}}\t{{.CurrentState}}', name], { notFoundOk: true });
    return r.missing ? undefined : parseTask(r.stdout);
  }

  async inspect(name: string): Promise<ServiceSummary | undefined> {
    return (await this.inspectAll([name]))[0];
  }

  async state(name: string): Promise<BackendState | undefined> {
    const s = await this.inspect(name);
    if (s === undefined) return undefined;
    if (s.desired === 0) return 'stopped';
    return s.running > 0 ? 'running' : 'starting';
  }

  async list(labelFilter: string): Promise<ServiceSummary[]> {
    const names = (await this.exec(['service', 'ls', '--quiet', '--filter', `label=${labelFilter}`])).stdout.split('\n').filter(Boolean);
    return this.inspectAll(names);
  }

  private async inspectAll(names: string[]): Promise<ServiceSummary[]> {
    if (names.length === 0) return [];
    const format = '{{.Spec.Name}}\t{{json .Spec.Labels}}\t{{.Spec.Mode.Replicated.Replicas}}\t{{json .Spec.TaskTemplate.Resources.Limits}}\t{{json .UpdatedAt}}\t{{.Spec.TaskTemplate.ContainerSpec.Image}}';
    const inspect = await this.exec(['service', 'inspect', '--format', format, ...names], { notFoundOk: true });
    if (inspect.missing) return [];
    const ps = await this.exec(['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Name}}\t{{.CurrentState}}', ...names], { notFoundOk: true });
    return parseServices(inspect.stdout, ps.stdout);
  }

  private get streams(): StreamDeps {
    return { docker: (args) => runProcess(this.bin, args, { ...this.env }), bin: this.bin, env: { ...this.env } };
  }

  exportVolume(v: NodeVolume, file: string, onBytes?: (done: number) => void): Promise<{ bytes: number; sha256: string }> {
    return exportVolume(this.streams, v, file, onBytes);
  }

  importVolume(v: NodeVolume, file: string, sha256: string): Promise<void> {
    return importVolume(this.streams, v, file, sha256);
  }

  requireEmptyVolume(v: NodeVolume): Promise<void> {
    return requireEmptyVolume(this.streams, v);
  }

  async pin(name: string, from: string | undefined, to: string): Promise<void> {
    await this.exec(moveArgv(name, from, to, LABEL_NODE));
  }

  upstream(name: string): string {
    return `${name}:${this.containerPort}`;
  }

  async remove(name: string, secrets: string[]): Promise<void> {
    await this.exec(['service', 'rm', name], { notFoundOk: true });
    await runProcess(this.bin, ['network', 'disconnect', '--force', name, this.caddyContainer], { ...this.env });
    // the network stays in use until the task's endpoint is gone (a second or two), and the
    // manager answers a removal before it has applied it: until it is really gone
    let refused = '';
    await pollUntil({ deadline: Date.now() + 30_000, everyMs: 250, late: () => new EngineError('docker network rm', refused || 'the network is still there') }, async () => {
      refused = (await runProcess(this.bin, ['network', 'rm', name], { ...this.env })).stderr;
      const r = await runProcess(this.bin, ['network', 'inspect', '--format', '{{.Id}}', name], { ...this.env });
      return r.exitCode !== 0 && NOT_FOUND.test(r.stderr) ? true : undefined;
    });
    for (const s of secrets) await this.removeSecret(s);
  }
}

function logArgs(o: LogOptions): string[] {
  return [...(o.follow ? ['--follow'] : []), ...(o.tail === undefined ? [] : ['--tail', String(o.tail)]), ...(o.since === undefined ? [] : ['--since', o.since])];
}

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}
