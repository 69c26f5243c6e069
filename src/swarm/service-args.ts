// Pure: the argv of `docker service create` for a ServiceSpec. Every value is its own argument
// (no shell); the image comes after every option.
import type { SecretChange, ServiceSecret, ServiceSpec } from '../core/service.js';
import { NODE_LABEL } from '../core/tenant-service-spec.js';

export function serviceCreateArgv(s: ServiceSpec): string[] {
  const labels = Object.entries(s.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`, '--container-label', `${k}=${v}`]);
  return [
    'service', 'create', '--detach', '--quiet',
    '--name', s.name,
    '--hostname', s.hostname,
    '--replicas', '1',
    // no IPVS in this kernel family: a VIP would fail; DNS round robin answers with the task's address
    '--endpoint-mode', 'dnsrr',
    '--network', s.network,
    '--constraint', `node.labels.${NODE_LABEL}==${s.node}`,
    '--user', s.user,
    ...(s.init ? ['--init'] : []),
    ...s.capDrop.flatMap((cap) => ['--cap-drop', cap]),
    '--limit-cpu', s.limits.cpus,
    '--limit-memory', s.limits.memory,
    '--limit-pids', String(s.limits.pids),
    '--reserve-cpu', s.reserve.cpus,
    '--reserve-memory', s.reserve.memory,
    // a crashed app restarts; a scale to 0 is not a failure, so it stays asleep
    '--restart-condition', 'any',
    // the volume is made by the task on its node, labelled like every other object of ours
    '--mount', [`type=volume,source=${s.volume.source},target=${s.volume.target}`, ...Object.entries(s.volume.labels).map(([k, v]) => `volume-label=${k}=${v}`)].join(','),
    ...s.secrets.flatMap((x) => ['--secret', secretArg(x)]),
    ...Object.entries(s.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...labels,
    // images are loaded on every node (no registry): never resolve them against one
    '--no-resolve-image',
    s.image,
  ];
}

/** The constraint swap of `move`: the old pin out, the new one in, in one update. */
export function moveArgv(name: string, from: string | undefined, to: string, nodeLabel: string): string[] {
  return [
    'service', 'update', '--detach', '--quiet', '--no-resolve-image',
    ...(from === undefined ? [] : ['--constraint-rm', `node.labels.${NODE_LABEL}==${from}`]),
    '--constraint-add', `node.labels.${NODE_LABEL}==${to}`,
    '--label-add', `${nodeLabel}=${to}`,
    '--container-label-add', `${nodeLabel}=${to}`,
    name,
  ];
}

function secretArg(x: ServiceSecret): string {
  return `source=${x.name},target=${x.target},uid=${x.uid},gid=${x.gid},mode=${x.mode}`;
}

/**
 * The secret swap of passwd and rotate-ingest-token: the old secrets out and the new ones in (the
 * same target) in one update, so the task restarts once, with the new file; a service scaled to
 * 0 stays at 0. `wait`: docker waits until the service converged (a task on the new secrets
 * runs, then its 5 s update monitor), or says why not; a service at 0 has nothing to wait for
 * (measured on the harness, a loaded machine: passwd of a stopped tenant 6.2-6.4 s waiting, 1.6-1.8 s
 * not; of a running one 11.2-11.8 s, the 5 s monitor included).
 */
export function secretUpdateArgv(name: string, c: SecretChange, wait: boolean): string[] {
  return [
    'service', 'update', `--detach=${!wait}`, '--quiet', '--no-resolve-image',
    ...c.remove.flatMap((x) => ['--secret-rm', x]),
    ...c.add.flatMap((x) => ['--secret-add', secretArg(x)]),
    ...c.removeEnv.flatMap((k) => ['--env-rm', k]),
    ...Object.entries(c.env).flatMap(([k, v]) => ['--env-add', `${k}=${v}`]),
    ...c.removeLabels.flatMap((k) => ['--label-rm', k, '--container-label-rm', k]),
    ...Object.entries(c.labels).flatMap(([k, v]) => ['--label-add', `${k}=${v}`, '--container-label-add', `${k}=${v}`]),
    name,
  ];
}
