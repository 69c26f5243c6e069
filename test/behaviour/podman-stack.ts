// The podman backend's BackendStack: a private startStack() (its own Caddy, prefix, state, ports).
import { startStack } from '../helpers/stack.js';
import { objectsOf, podman } from '../helpers/podman.js';
import type { BackendStack } from './backend-stack.js';

export async function podmanStack(env: Record<string, string>): Promise<BackendStack> {
  const s = await startStack({ ports: 4, env });
  const run = async (p: Promise<{ exitCode: number; stdout: string; stderr: string }>) => {
    const r = await p;
    return { code: r.exitCode, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
  };
  return {
    prefix: s.prefix,
    domain: s.env.FEATHER_TENANT_DOMAIN as string,
    cli: (...args) => run(s.run(args)),
    get: (name, path, headers = {}) => s.get(name, path, { headers }),
    exec: (name, ...argv) => run(podman('exec', `${s.prefix}${name}`, ...argv)),
    address: async (name) => (await podman('inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', `${s.prefix}${name}`)).stdout.trim(),
    objects: async () => (await objectsOf(s.prefix)).sort(),
    routeIds: async () => (await s.routes()).map((r) => r['@id'] ?? '').filter((id) => id.startsWith(s.prefix)),
    cleanup: () => s.cleanup(),
  };
}
