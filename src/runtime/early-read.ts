import type { Env } from '../core/config.js';
import { podmanReads } from '../podman/reads.js';
import type { PodmanReads } from '../podman/types.js';
import type { ContainerSummary } from '../core/container.js';
import { loadConfig } from './load-config.js';

/**
 * Starts the `podman ps` of reconcile, list and upgrade (or its request to podman's API socket, when
 * FEATHER_TENANT_PODMAN_SOCKET is set) before SQLite and the rest of the command are loaded:
 * that read is most of their time, and the loading can happen while podman answers.
 * undefined when the configuration is bad (the command reports that itself), or names another backend.
 */
export function startContainerRead(env: Env): Promise<ContainerSummary[]> | undefined {
  let prefix: string;
  let podman: PodmanReads;
  try {
    const c = loadConfig(env);
    // podman's read: the swarm backend lists its services itself (and its manager may have no podman)
    if (c.backend !== 'podman') return undefined;
    prefix = c.prefix;
    podman = podmanReads(c, env);
  } catch {
    return undefined;
  }
  const read = podman.containers({ namePrefix: prefix });
  read.catch(() => undefined); // a failure is reported where it is awaited, never as unhandled
  return read;
}

let started: Promise<ContainerSummary[]> | undefined;

/** Called by the launcher (bin/feather-tenant.js) for `reconcile`, `list` and `upgrade`, before the CLI is even loaded. */
export function startEarlyRead(env: Env): void {
  started ??= startContainerRead(env);
}

/** The read the launcher started, once; else one started now. */
export function takeEarlyRead(env: Env): Promise<ContainerSummary[]> | undefined {
  const read = started ?? startContainerRead(env);
  started = undefined;
  return read;
}
