import type { Config, Env } from '../core/config.js';
import { ApiReads } from './api-reads.js';
import { CliReads } from './cli-reads.js';
import type { PodmanReads } from './types.js';

/** The read side the configuration asks for: podman's API socket (CLI when it does not answer), or the CLI. */
export function podmanReads(c: Pick<Config, 'podman' | 'podmanSocket'>, env: Env): PodmanReads {
  const cli = new CliReads(c.podman, env);
  if (c.podmanSocket === undefined) return cli;
  const trace = env.FEATHER_TENANT_TRACE === '1' ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  return new ApiReads(c.podmanSocket, cli, trace);
}
