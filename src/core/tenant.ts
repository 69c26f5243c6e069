import type { Config } from './config.js';

// Names of everything we make for a tenant, and the labels that mark it as ours. Labels are
// the source of truth for "is this ours?": a test prefix never sees an operator's tenants.
export const LABEL_MANAGED = 'io.feather-tenant.managed';
export const LABEL_PREFIX = 'io.feather-tenant.prefix';
export const LABEL_TENANT = 'io.feather-tenant.tenant';
/** On containers: the podman secret they were created with (passwd switches to a new one). */
export const LABEL_SECRET = 'io.feather-tenant.secret';
/** On containers: the podman secret holding the summary ingest token they were created with. */
export const LABEL_INGEST = 'io.feather-tenant.ingest';

/** Where the password file appears inside the container. */
export const PASSWORD_TARGET = 'feather-password';
export const PASSWORD_PATH = `/run/secrets/${PASSWORD_TARGET}`;
export const HOME = '/home/user';

export function objectName(c: Pick<Config, 'prefix'>, name: string): string {
  return `${c.prefix}${name}`;
}

/**
 * The Linux bridge of a tenant's network, named by its port (unique on the host: ports are
 * published on the host's loopback). Left to podman, bridges are named podman1, podman2, ...:
 * a birth container shares the host's network namespace with the host's own podman, and a
 * bridge name freed while a tenant sleeps could be taken by a host network, which the tenant
 * would join on waking. At most 15 characters (IFNAMSIZ). podman 4.3 cannot name bridges; the
 * birth image's podman 5 can (test-birth checks it there).
 */
export function bridgeName(port: number): string {
  return `feather${port}`;
}

export function tenantLabels(c: Pick<Config, 'prefix'>, name: string): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_PREFIX]: c.prefix, [LABEL_TENANT]: name };
}

/** The podman `--filter label=` value that selects all of this prefix's objects. */
export function prefixFilter(c: Pick<Config, 'prefix'>): string {
  return `${LABEL_PREFIX}=${c.prefix}`;
}

export function tenantHost(c: Pick<Config, 'domain'>, name: string): string {
  return `${name}.${c.domain}`;
}

export function tenantUrl(c: Pick<Config, 'domain' | 'scheme'>, name: string): string {
  return `${c.scheme}://${tenantHost(c, name)}`;
}

/** A fresh secret name for a password change: podman 4.3 cannot replace a secret in place. */
export function nextSecretName(c: Pick<Config, 'prefix'>, name: string, now: number): string {
  return `${objectName(c, name)}.pw-${now.toString(36)}`;
}

/**
 * The container an `upgrade` builds from the new image while the old one still has the tenant's
 * name (renamed to it once it answered; removed if it never does). A '.' cannot occur in a tenant
 * name, so this never collides with another tenant's container.
 */
export function nextContainerName(c: Pick<Config, 'prefix'>, name: string): string {
  return nextContainerOf(objectName(c, name));
}

/** The upgrade's next container of the tenant whose container is `obj`. */
export function nextContainerOf(obj: string): string {
  return `${obj}.next`;
}

/** True for an upgrade's next container (see nextContainerName): not a tenant's own container. */
export function isNextContainer(containerName: string): boolean {
  return containerName.endsWith('.next');
}

/** A fresh secret name for a summary ingest token (add, import, rotate-ingest-token). */
export function nextIngestSecretName(c: Pick<Config, 'prefix'>, name: string, now: number): string {
  return `${objectName(c, name)}.ingest-${now.toString(36)}`;
}
