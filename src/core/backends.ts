// The backends a tenant can run on (FEATHER_TENANT_BACKEND), and the one refusal of a command
// that has no path on the configured one (issue 14): cli/backends.ts checks the command table.
import type { Config } from './config.js';
import { UsageError } from './errors.js';

export type BackendName = Config['backend'];

const LIMITS = 'see docs/many-servers.md#limits-today';

/** The error for a command that has no path on this backend (exit 2: nothing was changed). */
export function backendRefusal(command: string, backend: BackendName, hint = LIMITS): UsageError {
  return new UsageError(`${command} does not work with FEATHER_TENANT_BACKEND=${backend}${backend === 'swarm' ? ' yet' : ''}`, hint);
}

/** move's hint on podman: where the operator goes instead. */
export const MOVE_ON_PODMAN = 'on podman, move a user between servers with export and import (docs/migration.md)';
