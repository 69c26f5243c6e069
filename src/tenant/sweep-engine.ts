import type { Context } from '../runtime/context.js';
import type { ContainerSummary } from '../core/container.js';
import type { ServiceSummary } from '../core/service.js';
import { prefixFilter } from '../core/tenant.js';

/** What `sweep` reads and does on the tenants' engine: podman's containers, or Swarm's services. */
export interface SweepEngine {
  /** Every tenant container (or service) of our prefix, in the one shape the sweep plans on. */
  list(): Promise<ContainerSummary[]>;
  /** Stops them all (podman stop; scale 0), the spec, volume and secret kept. */
  stop(objects: string[]): Promise<void>;
}

/** podman's stop grace; a service's is its own (Swarm's default, 10 s too). */
const STOP_SECONDS = 10;

export function sweepEngine(ctx: Pick<Context, 'config' | 'podman' | 'swarm'>): SweepEngine {
  const swarm = ctx.swarm;
  if (!swarm) {
    return {
      list: () => ctx.podman.listContainers(prefixFilter(ctx.config)),
      stop: (objects) => ctx.podman.stopContainers(objects, STOP_SECONDS),
    };
  }
  return {
    list: async () => (await swarm.list(prefixFilter(ctx.config))).map(asContainer),
    // One scale each, at once: each waits for its task to end.
    stop: async (objects) => {
      const failed = (await Promise.allSettled(objects.map((o) => swarm.scale(o, 0)))).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * A service as the sweep sees a container. No pid: its task runs on another node, so traffic
 * counters and cgroup usage (read through /proc/<pid>) are skipped there, and usage has requests
 * and active minutes only. Its last update stands for its start: a scale to 1 is an update.
 */
function asContainer(s: ServiceSummary): ContainerSummary {
  const state = s.desired === 0 ? 'exited' : s.running > 0 ? 'running' : 'created';
  return {
    id: s.name, name: s.name, state, image: '', labels: s.labels, hostPorts: [],
    startedAt: s.desired > 0 ? s.updatedAt : undefined, createdAt: undefined, pid: undefined,
  };
}
