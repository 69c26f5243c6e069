import type { Config } from './config.js';
import type { ServiceSpec, ServiceSummary, SwarmNode } from './service.js';
import { ConflictError, UsageError } from './errors.js';
import { HOME, tenantLabels } from './tenant.js';
import { tenantCommon } from './tenant-run-spec.js';

/** The node label that places tenants: `docker node update --label-add feather.host=N`. */
export const NODE_LABEL = 'feather.host';
/** On the service: the node it is pinned to (read back by list and show without parsing constraints). */
export const LABEL_NODE = 'io.feather-tenant.node';

// Reservations are what the scheduler keeps free per tenant: small, since most tenants sleep
// (a sleeping service reserves nothing: it has no task).
const RESERVE = { cpus: '0.05', memory: '32m' };

/**
 * A tenant as a Swarm service, with the same secure defaults as its podman container
 * (core/tenant-run-spec.ts) where Swarm has them: user, init, no capabilities, limits. No API keys
 * pass through: a service's environment is visible to `docker service inspect`.
 */
export function tenantServiceSpec(c: Config, t: { name: string; image: string; node: string; secret?: string | undefined }): ServiceSpec {
  const common = tenantCommon(c, t);
  return {
    ...common.isolated,
    reserve: RESERVE,
    volume: { source: common.volume, target: HOME, labels: tenantLabels(c, t.name) },
    secrets: [common.password],
    env: common.env,
    labels: { ...common.labels, [LABEL_NODE]: t.node },
    node: t.node,
  };
}

/**
 * Where a new tenant goes: the wanted node if it is a ready tenant node, else the ready node
 * with the fewest tenants (ties: the lowest label, so placement is repeatable).
 */
export function pickNode(nodes: SwarmNode[], services: Pick<ServiceSummary, 'node'>[], wanted?: string): string {
  const ready = nodes.filter((n) => n.ready);
  if (wanted !== undefined) {
    if (!nodes.some((n) => n.host === wanted)) {
      throw new UsageError(`no swarm node carries ${NODE_LABEL}=${wanted}`, `nodes for tenants: ${nodes.map((n) => n.host).join(', ') || 'none'}`);
    }
    if (!ready.some((n) => n.host === wanted)) throw new ConflictError(`swarm node ${wanted} is not ready`);
    return wanted;
  }
  if (ready.length === 0) {
    throw new ConflictError('no ready swarm node is labelled for tenants', `label one: docker node update --label-add ${NODE_LABEL}=1 NODE`);
  }
  const count = (host: string) => services.filter((s) => s.node === host).length;
  return [...ready].sort((a, b) => count(a.host) - count(b.host) || a.host.localeCompare(b.host, 'en', { numeric: true }))[0]!.host;
}
