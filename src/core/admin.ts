// Pure: the admin instance (the operator's own Feather, not a tenant): its two colours, the names
// of what it runs on, its secure run spec, and the plans of `admin swap` and of reconcile's admin
// step. Side effects are in admin/.
import type { Config, Env } from './config.js';
import type { RunSpec } from './container.js';
import { HOME, tenantLabels } from './tenant.js';
import { confined } from './tenant-run-spec.js';

export type Colour = 'blue' | 'green';
export const COLOURS: readonly Colour[] = ['blue', 'green'];
/** The name the admin instance takes among tenants: reserved (core/names.ts), so no tenant can have it. */
export const ADMIN = 'admin';
/** The lock `admin swap` and reconcile's admin step take: a reserved tenant name, so no tenant's lock. */
export const ADMIN_LOCK = ADMIN;
/** On the admin's containers: which colour this one is. */
export const LABEL_COLOUR = 'io.feather-tenant.admin-colour';

export const otherColour = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');

export function adminPort(c: Pick<Config, 'adminPorts'>, colour: Colour): number {
  return c.adminPorts[colour === 'blue' ? 0 : 1];
}

/** The colour published on `port`, if either is: the live one when the record is missing (a lost state). */
export function colourAt(c: Pick<Config, 'adminPorts'>, port: number | undefined): Colour | undefined {
  return port === c.adminPorts[0] ? 'blue' : port === c.adminPorts[1] ? 'green' : undefined;
}

/**
 * Named with the prefix, like every object of ours (a test's or a second installation's admin
 * never meets the operator's): `feather-user-admin.blue` with the default prefix. The dot keeps
 * it apart from every tenant's `<prefix><name>` (a tenant name has no dot: `admin-blue` is one),
 * and the tenant label is `admin`, a reserved name: reconcile, list and adopt never take it for a
 * tenant.
 */
export const adminContainer = (c: Pick<Config, 'prefix'>, colour: Colour): string => `${c.prefix}${ADMIN}.${colour}`;
export const adminNetwork = (c: Pick<Config, 'prefix'>): string => `${c.prefix}${ADMIN}`;
export const adminRouteId = (c: Pick<Config, 'prefix'>): string => `${c.prefix}${ADMIN}`;
/** One podman secret per API key and colour: a colour's keys are remade each time it is created. */
export const adminKeySecret = (c: Pick<Config, 'prefix'>, colour: Colour, key: string): string => `${adminContainer(c, colour)}.key-${key}`;

export function adminLabels(c: Pick<Config, 'prefix'>, colour?: Colour): Record<string, string> {
  return { ...tenantLabels(c, ADMIN), ...(colour ? { [LABEL_COLOUR]: colour } : {}) };
}

/** The API keys (FEATHER_TENANT_PASSTHROUGH_ENV) this process has: each goes in as a secret. */
export function adminKeys(c: Pick<Config, 'passthroughEnv'>, env: Env): string[] {
  return c.passthroughEnv.filter((key) => (env[key] ?? '') !== '');
}

/**
 * One colour's container: secure by default as a tenant's (non-root, no capabilities, no new
 * privileges, the tenants' limits, published on 127.0.0.1 only). The API keys arrive as podman
 * secrets of type env: never in argv, and not in `podman inspect` (a tenant's passthrough
 * variables are).
 */
export function adminRunSpec(c: Config, colour: Colour, image: string, keys: readonly string[]): RunSpec {
  return {
    name: adminContainer(c, colour),
    hostname: ADMIN,
    image,
    ...confined(c),
    noNewPrivileges: true,
    network: adminNetwork(c),
    publish: [{ hostIp: '127.0.0.1', hostPort: adminPort(c, colour), containerPort: c.containerPort }],
    volumes: [{ source: c.adminVolume, target: HOME }],
    secrets: keys.map((key) => ({ name: adminKeySecret(c, colour, key), type: 'env' as const, target: key })),
    env: { FEATHER_TENANT: ADMIN },
    envFromHost: [],
    labels: adminLabels(c, colour),
    pull: 'never',
  };
}

/** What `admin swap` will do, decided before anything changes. */
export interface SwapPlan {
  /** The colour serving now; undefined when no admin instance has run yet. */
  live: Colour | undefined;
  standby: Colour;
  port: number;
  image: string;
  /** A container of the standby colour exists (a stopped old colour, or a killed swap's): removed first. */
  removeStandby: boolean;
}

export function planSwap(c: Config, o: { live: Colour | undefined; image: string; existing: ReadonlySet<string> }): SwapPlan {
  const standby = o.live ? otherColour(o.live) : 'blue';
  return { live: o.live, standby, port: adminPort(c, standby), image: o.image, removeStandby: o.existing.has(adminContainer(c, standby)) };
}

/** What reconcile does for the admin instance. */
export type AdminAction =
  | { kind: 'create'; colour: Colour; image: string }
  | { kind: 'start'; colour: Colour }
  | { kind: 'route'; colour: Colour; port: number }
  | { kind: 'stop'; colour: Colour };

export interface AdminWorld {
  /** The recorded live colour and its image; undefined: never started (blue from the work image). */
  live: { colour: Colour; image: string } | undefined;
  /** The admin's containers by colour, with their state. */
  containers: ReadonlyMap<Colour, string>;
  /** The admin route as it is equals the one for the live colour (host and port). */
  routeOk: (colour: Colour) => boolean;
}

/**
 * After a birth restart (or a swap killed half-way): the live colour runs and the route dials
 * it; the other colour, if running, is stopped (a swap interrupted in its drain).
 */
export function planAdmin(c: Config, w: AdminWorld): AdminAction[] {
  const colour = w.live?.colour ?? 'blue';
  const actions: AdminAction[] = [];
  const state = w.containers.get(colour);
  if (state === undefined) actions.push({ kind: 'create', colour, image: w.live?.image ?? c.image });
  else if (state !== 'running') actions.push({ kind: 'start', colour });
  if (!w.routeOk(colour)) actions.push({ kind: 'route', colour, port: adminPort(c, colour) });
  if (w.containers.get(otherColour(colour)) === 'running') actions.push({ kind: 'stop', colour: otherColour(colour) });
  return actions;
}
