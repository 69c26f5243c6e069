import type { Config } from './config.js';
import type { SecretChange, ServiceSpec, ServiceSummary, SwarmNode } from './service.js';
import { ConflictError, UsageError } from './errors.js';
import { HOME, LABEL_INGEST, LABEL_SECRET, objectName, tenantLabels } from './tenant.js';
import { ingestMount, passwordMount, tenantCommon } from './tenant-run-spec.js';

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
export function tenantServiceSpec(c: Config, t: { name: string; image: string; node: string; secret?: string | undefined; ingestSecret?: string | null | undefined }): ServiceSpec {
  const common = tenantCommon(c, t);
  const ingest = ingestMount(c, t.name, t.ingestSecret);
  return {
    ...common.isolated,
    reserve: RESERVE,
    volume: { source: common.volume, target: HOME, labels: tenantLabels(c, t.name) },
    secrets: [common.password, ...(ingest ? [ingest.secret] : [])],
    env: { ...common.env, ...ingest?.env },
    labels: { ...common.labels, ...ingest?.labels, [LABEL_NODE]: t.node },
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

/**
 * What moves a tenant's service from the secrets its labels name to the wanted ones (the password's
 * and the ingest token's); undefined when it already has them. A service carries no ingest token
 * until it gets one (tenants added before summaries worked on swarm); reconcile's roll back of a
 * first rotate-ingest-token takes it away again.
 */
export function secretChange(c: Config, name: string, labels: Record<string, string>, want: { secret: string | null; ingestSecret: string | null }): SecretChange | undefined {
  const curSecret = labels[LABEL_SECRET] ?? objectName(c, name);
  const curIngest = labels[LABEL_INGEST] ?? null;
  const secret = want.secret ?? curSecret;
  const change: SecretChange = { remove: [], add: [], env: {}, removeEnv: [], labels: {}, removeLabels: [] };
  if (secret !== curSecret) {
    change.remove.push(curSecret);
    change.add.push(passwordMount(c, secret));
    change.labels[LABEL_SECRET] = secret;
  }
  if (want.ingestSecret !== curIngest) {
    if (curIngest) change.remove.push(curIngest);
    const ingest = ingestMount(c, name, want.ingestSecret);
    if (ingest) {
      change.add.push(ingest.secret);
      Object.assign(change.env, ingest.env);
      Object.assign(change.labels, ingest.labels);
    } else {
      change.removeEnv.push(...Object.keys(ingestMount(c, name, curIngest)?.env ?? {}));
      change.removeLabels.push(LABEL_INGEST);
    }
  }
  return change.remove.length + change.add.length === 0 ? undefined : change;
}
