import type { RunSpec, SecretMount } from '../core/container.js';

const secretArg = (s: SecretMount): string => (s.type === 'mount'
  ? `${s.name},type=mount,target=${s.target},uid=${s.uid},gid=${s.gid},mode=${s.mode}`
  : `${s.name},type=env,target=${s.target}`);

/**
 * The argv of `podman run --detach` or `podman create` for a RunSpec. Values only ever follow
 * their option, and `--` ends the options before the image: whatever a name or an image holds,
 * podman never reads it as an option (image-ref.ts checks images too).
 */
export function runArgv(verb: 'run' | 'create', s: RunSpec): string[] {
  const args = [
    ...(verb === 'run' ? ['run', '--detach'] : ['create']), '--name', s.name, '--hostname', s.hostname,
    ...(s.init ? ['--init'] : []),
    '--user', s.user,
    ...s.capDrop.flatMap((cap) => ['--cap-drop', cap]),
    ...(s.noNewPrivileges ? ['--security-opt', 'no-new-privileges'] : []),
    '--cpus', s.limits.cpus, '--memory', s.limits.memory, '--pids-limit', String(s.limits.pids),
    '--network', s.network,
    ...s.publish.flatMap((p) => ['--publish', `${p.hostIp}:${p.hostPort}:${p.containerPort}`]),
    ...s.volumes.flatMap((v) => ['--volume', `${v.source}:${v.target}`]),
    ...s.secrets.filter((x) => x.type === 'mount').flatMap((x) => ['--secret', secretArg(x)]),
    ...Object.entries(s.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    '--pull', s.pull,
    ...s.secrets.filter((x) => x.type === 'env').flatMap((x) => ['--secret', secretArg(x)]),
    ...s.envFromHost.flatMap((k) => ['--env', k]),
    ...Object.entries(s.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
  ];
  args.push('--', s.image);
  return args;
}
