// Pure: what the docker CLI prints (one tab-separated line per object, JSON where it nests).
import type { ServiceSummary, ServiceTask, SwarmNode } from '../core/service.js';
import { LABEL_NODE } from '../core/tenant-service-spec.js';

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/** `node inspect --format '{{index .Spec.Labels "feather.host"}}\t{{.Description.Hostname}}\t{{.Status.State}}\t{{.Spec.Availability}}'`. */
export function parseNodes(text: string): SwarmNode[] {
  return lines(text).flatMap((l) => {
    const [host = '', hostname = '', state, availability] = l.split('\t');
    return host === '' ? [] : [{ host, hostname, ready: state === 'ready' && availability === 'active' }];
  });
}

/**
 * `service inspect --format '{{.Spec.Name}}\t{{json .Spec.Labels}}\t{{.Spec.Mode.Replicated.Replicas}}\t{{json .Spec.TaskTemplate.Resources.Limits}}\t{{json .UpdatedAt}}\t{{.Spec.TaskTemplate.ContainerSpec.Image}}'`
 * joined with `service ps --filter desired-state=running`.
 */
export function parseServices(inspect: string, runningTasks: string): ServiceSummary[] {
  const running = new Map<string, number>();
  for (const l of lines(runningTasks)) {
    // `{{.Name}}\t{{.CurrentState}}`: task names are <service>.<slot>; "Running 3 seconds ago"
    const [task = '', state = ''] = l.split('\t');
    if (!state.startsWith('Running')) continue;
    const service = task.trim().replace(/\.\d+$/, '');
    running.set(service, (running.get(service) ?? 0) + 1);
  }
  return lines(inspect).map((l) => {
    const [name = '', labelsJson = '{}', replicas = '0', limitsJson = '{}', updatedJson, image] = l.split('\t');
    const labels = (JSON.parse(labelsJson) ?? {}) as Record<string, string>;
    const l2 = (JSON.parse(limitsJson) ?? {}) as { NanoCPUs?: number; MemoryBytes?: number; Pids?: number };
    const limits = { nanoCpus: l2.NanoCPUs ?? 0, memoryBytes: l2.MemoryBytes ?? 0, pids: l2.Pids ?? 0 };
    const updated = updatedJson ? new Date(JSON.parse(updatedJson) as string) : undefined;
    const updatedAt = updated && !Number.isNaN(updated.getTime()) ? updated : undefined;
    return { name, labels, desired: Number(replicas) || 0, running: running.get(name) ?? 0, node: labels[LABEL_NODE], limits, ...(updatedAt ? { updatedAt } : {}), ...(image ? { image } : {}) };
  });
}

/** `service ps --no-trunc --filter desired-state=running --format '{{.ID}}\t{{.Image}}\t{{.CurrentState}}'`: the first task. */
export function parseTask(text: string): ServiceTask | undefined {
  const [id = '', image = '', state = ''] = lines(text)[0]?.split('\t') ?? [];
  return id === '' ? undefined : { id, image, state };
}
