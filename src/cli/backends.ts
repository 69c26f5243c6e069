// Which backend (FEATHER_TENANT_BACKEND) runs which command: the one place a command without a
// path on the configured backend is refused (exit 2), before its module, the context or anything
// outside is touched. The command table (table.ts) says each command's backends; program.ts calls
// refuseOnBackend before every run, and `--help` marks the commands of one backend only.
import type { Env } from '../core/config.js';
import { backendRefusal, type BackendName } from '../core/backends.js';

export type { BackendName };

export const EVERY_BACKEND: readonly BackendName[] = ['podman', 'swarm'];
/** Still speaking to this server's podman alone (docs/many-servers.md#limits-today). */
export const PODMAN_ONLY: readonly BackendName[] = ['podman'];
export const SWARM_ONLY: readonly BackendName[] = ['swarm'];

/** Throws the refusal when `backends` does not hold the configured backend. */
export async function refuseOnBackend(command: string, spec: { backends: readonly BackendName[]; backendHint?: string }, env: Env): Promise<void> {
  if (spec.backends.length === EVERY_BACKEND.length) return; // every backend: no config to read
  const { loadConfig } = await import('../runtime/load-config.js');
  const backend = loadConfig(env).backend;
  if (!spec.backends.includes(backend)) throw backendRefusal(command, backend, spec.backendHint);
}

/** What `--help` adds to a command of one backend only. */
export function backendNote(backends: readonly BackendName[]): string {
  return backends.length === EVERY_BACKEND.length ? '' : ` [${backends.join(', ')} backend only]`;
}
