import { execa } from 'execa';

/** Direct podman look-ups for assertions (the CLI under test is never used to check itself). */
export async function podman(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('podman', args, { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function exists(kind: 'container' | 'volume' | 'network' | 'secret', name: string): Promise<boolean> {
  if (kind === 'network') return (await podman('network', 'inspect', name)).exitCode === 0;
  if (kind === 'secret') return (await podman('secret', 'inspect', name)).exitCode === 0;
  return (await podman(kind, 'exists', name)).exitCode === 0;
}

/** Every podman object that carries this prefix's label or name. */
export async function objectsOf(prefix: string): Promise<string[]> {
  const [c, v, n, s] = await Promise.all([
    podman('ps', '-a', '--format', '{{.Names}}'),
    podman('volume', 'ls', '--format', '{{.Name}}'),
    podman('network', 'ls', '--format', '{{.Name}}'),
    podman('secret', 'ls', '--format', '{{.Name}}'),
  ]);
  const pick = (kind: string, out: string) => out.split('\n').filter((x) => x.startsWith(prefix)).map((x) => `${kind}:${x}`);
  return [...pick('container', c.stdout), ...pick('volume', v.stdout), ...pick('network', n.stdout), ...pick('secret', s.stdout)];
}

/** A tenant container's state (running, exited, created, ...), straight from podman. */
export async function state(s: { prefix: string }, name: string): Promise<string> {
  return (await podman('inspect', '--format', '{{.State.Status}}', `${s.prefix}${name}`)).stdout.trim();
}
