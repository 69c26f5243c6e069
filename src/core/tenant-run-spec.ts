import type { Config, Env } from './config.js';
import type { Isolated, RunSpec } from './container.js';
import { HOME, LABEL_INGEST, LABEL_SECRET, PASSWORD_TARGET, objectName, tenantLabels, tenantUrl } from './tenant.js';
import { INGEST_PATH, INGEST_TARGET } from './summary.js';

export interface TenantRun {
  name: string;
  port: number;
  image: string;
  /** The podman secret with the password; default: the tenant's object name (as add makes it). */
  secret?: string | undefined;
  /** The data volume; default: the tenant's object name (adopted tenants keep their own). */
  volume?: string | undefined;
  /** The podman secret with the summary ingest token; none for a tenant from before issue 13 until rotate-ingest-token. */
  ingestSecret?: string | null | undefined;
}

/**
 * The secure defaults every container and service of ours has (a tenant's container, its Swarm
 * service, the admin instance's colours), decided once: its own user, an init, no capabilities,
 * limits.
 */
export function confined(c: Pick<Config, 'user' | 'cpus' | 'memory' | 'pids'>): Pick<Isolated, 'user' | 'init' | 'capDrop' | 'limits'> {
  return {
    user: c.user,
    // An init as PID 1 (catatonit under podman, tini under Swarm): forwards SIGTERM so `stop`
    // takes milliseconds, and reaps zombies.
    init: true,
    capDrop: ['ALL'],
    limits: { cpus: c.cpus, memory: c.memory, pids: c.pids },
  };
}

/** What a tenant's container and its Swarm service (core/tenant-service-spec.ts) share: its names, image, network, and the secure defaults. */
export function isolated(c: Pick<Config, 'prefix' | 'user' | 'cpus' | 'memory' | 'pids'>, name: string, image: string): Isolated {
  const obj = objectName(c, name);
  return { name: obj, hostname: name, image, network: obj, ...confined(c) };
}

/** The owner of the tenant's secret files: its user's uid and gid (the gid defaults to the uid). */
export function secretOwner(c: Pick<Config, 'user'>): { uid: string; gid: string } {
  const [uid = c.user, gid = uid] = c.user.split(':');
  return { uid, gid };
}

/** The password's secret as a file only the tenant's user reads. */
export function passwordMount(c: Pick<Config, 'user'>, secret: string) {
  return { name: secret, target: PASSWORD_TARGET, ...secretOwner(c), mode: '0400' };
}

/**
 * What a tenant's container and its Swarm service (core/tenant-service-spec.ts) share beyond
 * isolated(): the volume, the password as a file its user alone reads, the environment that
 * says where, and the labels that name the tenant and its secret.
 */
export function tenantCommon(c: Pick<Config, 'prefix' | 'user' | 'cpus' | 'memory' | 'pids'>, t: { name: string; image: string; secret?: string | undefined }) {
  const obj = objectName(c, t.name);
  const secret = t.secret ?? obj;
  return {
    isolated: isolated(c, t.name, t.image),
    volume: obj,
    password: passwordMount(c, secret),
    env: { FEATHER_TENANT: t.name, FEATHER_PASSWORD_FILE: `/run/secrets/${PASSWORD_TARGET}` },
    labels: { ...tenantLabels(c, t.name), [LABEL_SECRET]: secret },
  };
}

/**
 * The summary ingest token of a tenant's container or Swarm service: the secret as a file its
 * user alone reads, where to push summaries and the file with the token (never the token itself),
 * and the label that names the secret (reconcile compares it with the state). undefined: none.
 */
export function ingestMount(c: Pick<Config, 'user' | 'domain' | 'scheme'>, name: string, secret: string | null | undefined) {
  if (!secret) return undefined;
  return {
    secret: { name: secret, target: INGEST_TARGET, ...secretOwner(c), mode: '0400' },
    env: { FEATHER_SUMMARY_URL: `${tenantUrl(c, name)}/_feather/summary`, FEATHER_INGEST_TOKEN_FILE: INGEST_PATH },
    labels: { [LABEL_INGEST]: secret },
  };
}

/**
 * A tenant's container: secure by default. Secrets never appear here: the password comes in as a
 * podman secret, and API keys by name only, which podman fills from its own environment.
 */
export function tenantRunSpec(c: Config, t: TenantRun, env: Env): RunSpec {
  const common = tenantCommon(c, t);
  const ingest = ingestMount(c, t.name, t.ingestSecret);
  return {
    ...common.isolated,
    noNewPrivileges: true,
    // The birth container uses host networking: 0.0.0.0 would bypass Caddy.
    publish: [{ hostIp: '127.0.0.1', hostPort: t.port, containerPort: c.containerPort }],
    volumes: [{ source: t.volume ?? common.volume, target: HOME }],
    secrets: [
      { ...common.password, type: 'mount' },
      ...(c.passwordEnv ? [{ name: common.password.name, type: 'env' as const, target: c.passwordEnv }] : []),
      ...(ingest ? [{ ...ingest.secret, type: 'mount' as const }] : []),
    ],
    env: { ...common.env, ...ingest?.env },
    envFromHost: c.passthroughEnv.filter((key) => env[key] !== undefined),
    labels: { ...common.labels, ...ingest?.labels },
    pull: 'never',
  };
}
