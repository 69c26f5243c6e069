import type { Env } from '../core/config.js';
import { EngineError } from '../core/errors.js';
import type { ContainerSummary } from '../core/container.js';
import { podmanExec } from './exec.js';
import { parsePsJson } from './parse.js';
import { containerFilters, matching } from './filters.js';
import type { ContainerFilter, PodmanReads } from './types.js';

/** The listings through podman processes: what every read was before the API socket. */
export class CliReads implements PodmanReads {
  constructor(
    private readonly bin: string,
    private readonly env: Env,
  ) {}

  async containers(filter: ContainerFilter): Promise<ContainerSummary[]> {
    const args = Object.entries(containerFilters(filter)).flatMap(([k, vs]) => vs.flatMap((v) => ['--filter', `${k}=${v}`]));
    const r = await podmanExec(this.bin, this.env, ['ps', '--all', '--format', 'json', ...args]);
    return matching(parsePsJson(r.stdout), filter);
  }

  async networkBridges(labelFilter: string): Promise<string[]> {
    const r = await podmanExec(this.bin, this.env, ['network', 'ls', '--filter', `label=${labelFilter}`, '--format', '{{.NetworkInterface}}']);
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async imageId(image: string): Promise<string | undefined> {
    const r = await podmanExec(this.bin, this.env, ['image', 'inspect', '--format', '{{.Id}}', '--', image], { okCodes: [0, 125] });
    if (r.exitCode === 0) return r.stdout.trim();
    if (/image not known|no such image/i.test(r.stderr)) return undefined;
    throw new EngineError('podman image inspect', r.stderr);
  }
}
