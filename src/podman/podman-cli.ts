// The one implementation of PodmanClient (types.ts). Over 200 lines because podman has about thirty
// calls we make, each a short method with its own not-found and exit-code handling; they read best
// side by side. Spawning is os/run-process.ts, parsing parse.ts, argv of a container run-args.ts.
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError, OperationError } from '../core/errors.js';
import { CliReads } from './cli-reads.js';
import { streamProcess } from '../os/stream-process.js';
import { podmanExec, podmanSpawnError, type ExecOptions, type Run } from './exec.js';
import type { Env } from '../core/config.js';
import type { LogOptions, PodmanClient, PodmanReads } from './types.js';
import type { ContainerDetails, ContainerSummary, RunSpec } from '../core/container.js';
import { runArgv } from './run-args.js';
import { parseInspectJson, parseLabelsJson } from './parse.js';
import { parseTimestampedLogs, type LogLine } from './parse-logs.js';
import { IptablesFirewall, type TenantFirewall } from '../firewall/iptables.js';

/**
 * podman driven through its CLI (no shell). Missing objects are not errors where that is safe.
 * Every name, image and file goes after `--`, so none can be read as an option, whatever it is.
 */
export class PodmanCli implements PodmanClient {
  constructor(
    private readonly bin: string,
    private readonly env: Env,
    // Tenant networks and the rules that keep them apart are made and removed together.
    private readonly firewall: TenantFirewall = new IptablesFirewall(env),
    // The listings list and reconcile wait for: a podman process each, or podman's API socket (reads.ts).
    private readonly reads: PodmanReads = new CliReads(bin, env),
  ) {}

  private exec(args: string[], opts: ExecOptions = {}): Promise<Run> {
    return podmanExec(this.bin, this.env, args, opts);
  }

  listContainers(labelFilter?: string): Promise<ContainerSummary[]> {
    return this.reads.containers(labelFilter === undefined ? {} : { label: labelFilter });
  }

  listContainersNamed(prefix: string): Promise<ContainerSummary[]> {
    return this.reads.containers({ namePrefix: prefix });
  }

  async containerExists(name: string): Promise<boolean> {
    return (await this.exec(['container', 'exists', '--', name], { okCodes: [0, 1] })).exitCode === 0;
  }

  async imageExists(image: string): Promise<boolean> {
    return (await this.exec(['image', 'exists', '--', image], { okCodes: [0, 1] })).exitCode === 0;
  }

  imageId(image: string): Promise<string | undefined> {
    return this.reads.imageId(image);
  }

  async volumeExists(name: string): Promise<boolean> {
    return (await this.exec(['volume', 'exists', '--', name], { okCodes: [0, 1] })).exitCode === 0;
  }

  async objectLabels(kind: 'volume' | 'network' | 'secret', name: string): Promise<Record<string, string> | undefined> {
    const format = kind === 'secret' ? '{{json .Spec.Labels}}' : '{{json .Labels}}';
    const r = await this.exec([kind, 'inspect', '--format', format, '--', name], { okCodes: [0, 125] });
    if (r.exitCode === 0) return parseLabelsJson(r.stdout);
    if (/no such|not found/i.test(r.stderr)) return undefined;
    throw new EngineError(`podman ${kind} inspect`, r.stderr);
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.exec(['volume', 'create', ...labelArgs(labels), '--', name]);
  }

  async removeVolume(name: string): Promise<void> {
    const r = await this.exec(['volume', 'rm', '--', name], { okCodes: [0, 1, 125] });
    if (r.exitCode !== 0 && !/no such volume/i.test(r.stderr)) throw new EngineError('podman volume rm', r.stderr);
  }

  async volumeMountpoint(name: string): Promise<string> {
    return (await this.exec(['volume', 'inspect', '--format', '{{.Mountpoint}}', '--', name])).stdout.trim();
  }

  async createNetwork(name: string, labels: Record<string, string>, opts: { bridge?: string } = {}): Promise<void> {
    // isolate=true asks netavark to keep this bridge apart from other isolated networks; podman
    // 4.3's netavark drops that on teardowns, so our firewall rules do it too (isolation-plan.ts).
    const options = ['network', 'create', '--opt', 'isolate=true', ...labelArgs(labels)];
    let named = false;
    if (opts.bridge) {
      const r = await this.exec([...options, '--interface-name', opts.bridge, '--', name], { okCodes: [0, 125] });
      // podman 4.3 cannot name a bridge (the birth's podman 5 can): there it gets podmanN.
      if (r.exitCode !== 0 && !/unknown flag: --interface-name/.test(r.stderr)) throw new EngineError('podman network create', r.stderr);
      named = r.exitCode === 0;
    }
    if (!named) await this.exec([...options, '--', name]);
    // A bridge we named is known; podman 4.3's podmanN has to be read back.
    if (named && opts.bridge) await this.firewall.protect([opts.bridge]);
    else await this.isolate([name]);
  }

  async isolate(networks: string[]): Promise<number> {
    if (!this.firewall.enabled) return 0;
    const bridges = await Promise.all(networks.map((n) => this.networkBridge(n)));
    return this.firewall.protect(bridges.filter((b): b is string => !!b));
  }

  async isolateLabelled(labelFilter: string, opts: { dryRun?: boolean } = {}): Promise<number> {
    if (!this.firewall.enabled) return 0;
    return this.firewall.protect(await this.reads.networkBridges(labelFilter), opts);
  }

  private async networkBridge(name: string): Promise<string | undefined> {
    const r = await this.exec(['network', 'inspect', '--format', '{{.NetworkInterface}}', '--', name], { okCodes: [0, 125] });
    return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
  }

  async removeNetwork(name: string): Promise<void> {
    // Rules go first: once the network is gone another one may get its bridge name.
    const bridge = this.firewall.enabled ? await this.networkBridge(name) : undefined;
    if (bridge) await this.firewall.release(bridge);
    const r = await this.exec(['network', 'rm', '--force', '--', name], { okCodes: [0, 1, 125] });
    if (r.exitCode !== 0 && !/unable to find network|network not found/i.test(r.stderr)) {
      if (bridge) await this.firewall.protect([bridge]); // still there: keep it apart
      throw new EngineError('podman network rm', r.stderr);
    }
  }

  async createSecret(name: string, value: string, labels: Record<string, string>): Promise<void> {
    // Not stdin: podman 4.3 accepts `-` only from a FIFO, and Node's pipes are sockets. The value
    // travels in the podman process's environment, which only root can read, never in argv.
    await this.exec(['secret', 'create', '--env', ...labelArgs(labels), '--', name, SECRET_ENV], { env: { [SECRET_ENV]: value } });
  }

  async removeSecret(name: string): Promise<void> {
    const r = await this.exec(['secret', 'rm', '--', name], { okCodes: [0, 1, 125] });
    if (r.exitCode !== 0 && !/no such secret/i.test(r.stderr)) throw new EngineError('podman secret rm', r.stderr);
  }

  async run(spec: RunSpec): Promise<string> {
    return (await this.exec(runArgv('run', spec))).stdout.trim();
  }

  async removeContainer(name: string, stopSeconds: number): Promise<void> {
    const r = await this.exec(['rm', '--force', '--time', String(stopSeconds), '--', name], { okCodes: [0, 1, 125] });
    if (r.exitCode !== 0 && !/no such container/i.test(r.stderr)) throw new EngineError('podman rm', r.stderr);
  }

  async logsTail(name: string, lines: number): Promise<string> {
    const r = await this.exec(['logs', '--tail', String(lines), '--', name], { okCodes: [0, 125] });
    return `${r.stdout}\n${r.stderr.split('\n').filter((l) => !/failed to connect to syslog/.test(l)).join('\n')}`.trim();
  }

  async readLogs(name: string, opts: { tail: number; since?: string | undefined }): Promise<LogLine[]> {
    const since = opts.since === undefined ? [] : ['--since', opts.since];
    const r = await this.exec(['logs', '--timestamps', '--tail', String(opts.tail), ...since, '--', name]);
    return parseTimestampedLogs(r.stdout, r.stderr);
  }

  async containerState(name: string): Promise<string | undefined> {
    const r = await this.exec(['container', 'inspect', '--format', '{{.State.Status}}', '--', name], { okCodes: [0, 125] });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  async inspectContainer(name: string): Promise<ContainerDetails | undefined> {
    const r = await this.exec(['container', 'inspect', '--', name], { okCodes: [0, 125] });
    if (r.exitCode !== 0) {
      if (/no such container/i.test(r.stderr)) return undefined;
      throw new EngineError('podman container inspect', r.stderr);
    }
    return parseInspectJson(r.stdout);
  }

  async create(spec: RunSpec): Promise<string> {
    return (await this.exec(runArgv('create', spec))).stdout.trim();
  }

  async startContainer(name: string): Promise<void> {
    await this.exec(['start', '--', name]);
  }

  async renameContainer(name: string, newName: string): Promise<void> {
    await this.exec(['rename', '--', name, newName]);
  }

  async stopContainer(name: string, stopSeconds: number): Promise<void> {
    await this.exec(['stop', '--time', String(stopSeconds), '--', name]);
  }

  async networkExists(name: string): Promise<boolean> {
    return (await this.exec(['network', 'exists', '--', name], { okCodes: [0, 1] })).exitCode === 0;
  }

  async secretExists(name: string): Promise<boolean> {
    // podman 4.3 has no `secret exists`; inspect prints only metadata, never the value.
    const r = await this.exec(['secret', 'inspect', '--format', '{{.ID}}', '--', name], { okCodes: [0, 125] });
    if (r.exitCode !== 0 && !/no such secret/i.test(r.stderr)) throw new EngineError('podman secret inspect', r.stderr);
    return r.exitCode === 0;
  }

  streamLogs(name: string, opts: LogOptions): Promise<number> {
    const args = ['logs'];
    if (opts.follow) args.push('--follow');
    if (opts.tail !== undefined) args.push('--tail', String(opts.tail));
    if (opts.since !== undefined) args.push('--since', opts.since);
    args.push('--', name);
    return streamProcess(this.bin, args, this.env, { dropStderr: /failed to connect to syslog/, spawnError: (err) => podmanSpawnError(this.bin, err) });
  }

  async exportVolume(name: string, file: string): Promise<void> {
    await this.exec(['volume', 'export', '--output', file, '--', name]);
  }

  async importVolume(name: string, file: string): Promise<void> {
    await this.exec(['volume', 'import', '--', name, file]);
  }

  async volumeHasData(name: string): Promise<boolean> {
    // The local driver's mountpoint is a directory on this host (and in the birth container).
    const dir = await this.volumeMountpoint(name);
    try {
      return (await readdir(dir)).length > 0;
    } catch (err) {
      throw new OperationError(`cannot look into volume ${name} at ${dir}: ${(err as Error).message}`);
    }
  }

  async volumeStorePath(): Promise<string> {
    // `podman info` takes ~240 ms of CPU here (it asks every helper binary for its version), and
    // on 2 cores that slowed an import's read by ~100 ms; `volume ls` takes ~20 ms. A local
    // volume's mountpoint is VOLUME_PATH/NAME/_data (_data itself may be a mount, its parent not).
    const r = await this.exec(['volume', 'ls', '--filter', 'driver=local', '--format', '{{.Mountpoint}}']);
    const mountpoint = r.stdout.split('\n').find((l) => l.endsWith('/_data'));
    if (mountpoint) return dirname(dirname(mountpoint));
    return (await this.exec(['info', '--format', '{{.Store.VolumePath}}'])).stdout.trim();
  }

  async stopContainers(names: string[], seconds: number): Promise<void> {
    if (names.length === 0) return;
    // --ignore: without it, one missing name makes podman 4.3 stop none of the others.
    await this.exec(['stop', '--ignore', '--time', String(seconds), '--', ...names]);
  }
}

const SECRET_ENV = 'FEATHER_TENANT_SECRET_VALUE';

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}
