import type { Config, Env } from '../core/config.js';
import { HOME, LABEL_SECRET, PASSWORD_TARGET, objectName, tenantLabels } from '../core/tenant.js';

export interface RunSpec {
  name: string;
  port: number;
  image: string;
  /** The podman secret with the password; default: the tenant's object name (as add makes it). */
  secret?: string | undefined;
  /** The data volume; default: the tenant's object name (adopted tenants keep their own). */
  volume?: string | undefined;
}

/**
 * The `podman run` arguments for a tenant: secure by default. Secrets never appear here:
 * the password comes in as a podman secret, and API keys as `--env NAME` without a value,
 * which podman fills from its own environment.
 */
export function runArgs(c: Config, spec: RunSpec, env: Env): string[] {
  const obj = objectName(c, spec.name);
  const secret = spec.secret ?? obj;
  const [uid, gid = uid] = c.user.split(':');
  const args = [
    'run', '--detach', '--name', obj, '--hostname', spec.name,
    // catatonit as PID 1: forwards SIGTERM so `stop` takes milliseconds, and reaps zombies.
    '--init',
    '--user', c.user,
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
    '--cpus', c.cpus, '--memory', c.memory, '--pids-limit', String(c.pids),
    '--network', obj,
    // The birth container uses host networking: 0.0.0.0 would bypass Caddy.
    '--publish', `127.0.0.1:${spec.port}:${c.containerPort}`,
    '--volume', `${spec.volume ?? obj}:${HOME}`,
    '--secret', `${secret},type=mount,target=${PASSWORD_TARGET},uid=${uid},gid=${gid},mode=0400`,
    '--env', `FEATHER_TENANT=${spec.name}`,
    '--env', `FEATHER_PASSWORD_FILE=/run/secrets/${PASSWORD_TARGET}`,
    '--pull', 'never',
  ];
  if (c.passwordEnv) args.push('--secret', `${secret},type=env,target=${c.passwordEnv}`);
  for (const key of c.passthroughEnv) {
    if (env[key] !== undefined) args.push('--env', key);
  }
  for (const [k, v] of Object.entries({ ...tenantLabels(c, spec.name), [LABEL_SECRET]: secret })) args.push('--label', `${k}=${v}`);
  // `--` ends the options: whatever the image is, podman reads it as the image (image-ref.ts checks it too).
  args.push('--', spec.image);
  return args;
}
