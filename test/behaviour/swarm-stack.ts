// The swarm backend's BackendStack on the two-node harness (test/swarm/cluster.ts): the CLI and
// curl in the manager's network namespace, next to the harness's Caddy; docker on either node.
import { adminGet, docker, inManagerNs, removeVolume, swarmCli, taskContainer } from '../swarm/cluster.js';
import type { BackendStack, Reply, Run } from './backend-stack.js';

// Not swarm-backend.test.ts's swarm.test: both files run at once against the harness's one Caddy
// and both have an alice; under one domain two routes match alice.swarm.test, the first one wins,
// and each file is served the other's alice (seen in 3 runs of 3 before this).
const DOMAIN = 'behaviour.swarm.test';
const NODES = [1, 2] as const;

/** The running task's container of a service, and its node; undefined when none runs. */
async function task(service: string): Promise<{ node: 1 | 2; id: string } | undefined> {
  for (const node of NODES) {
    const id = await taskContainer(node, service);
    if (id !== '') return { node, id };
  }
  return undefined;
}

/** `curl -i` output: the status line, the headers, then the body. */
function parseReply(raw: string, code: number): Reply {
  const at = raw.indexOf('\r\n\r\n');
  const head = (at < 0 ? raw : raw.slice(0, at)).split('\r\n');
  const headers: Reply['headers'] = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const status = code === 0 ? Number(/^HTTP\/\S+ (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0) : 0;
  return { status, headers, body: at < 0 ? '' : raw.slice(at + 4) };
}

const names = async (n: 1 | 2, ...args: string[]) => (await docker(n, ...args, '--format', '{{.Name}}')).stdout.split('\n').filter(Boolean);

export function swarmStack(env: Record<string, string>, prefix = 'ftsb-'): Promise<BackendStack> {
  const s = swarmCli(prefix, { ...env, FEATHER_TENANT_DOMAIN: DOMAIN });
  const mine = (list: string[]) => list.filter((x) => x.startsWith(prefix));
  const stack: BackendStack = {
    prefix,
    domain: DOMAIN,
    cli: (...args) => s.cli(...args),
    async get(name, path, headers = {}) {
      const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
      const r = await inManagerNs('curl', '-s', '-i', '-m', '5', ...h, '-H', `Host: ${name}.${DOMAIN}`, `http://127.0.0.1:8080${path}`);
      return parseReply(r.stdout, r.code);
    },
    async exec(name, ...argv): Promise<Run> {
      const t = await task(`${prefix}${name}`);
      if (t === undefined) return { code: -1, stdout: '', stderr: `no running task of ${prefix}${name}` };
      return docker(t.node, 'exec', t.id, ...argv);
    },
    async address(name) {
      const t = await task(`${prefix}${name}`);
      if (t === undefined) return '';
      return (await docker(t.node, 'inspect', '--format', `{{(index .NetworkSettings.Networks "${prefix}${name}").IPAddress}}`, t.id)).stdout;
    },
    async objects() {
      const [services, networks, secrets, v1, v2] = await Promise.all([
        names(1, 'service', 'ls'), names(1, 'network', 'ls'), names(1, 'secret', 'ls'),
        names(1, 'volume', 'ls'), names(2, 'volume', 'ls'),
      ]);
      return [
        ...mine(services).map((x) => `service:${x}`), ...mine(networks).map((x) => `network:${x}`),
        ...mine(secrets).map((x) => `secret:${x}`), ...mine(v1).map((x) => `volume:n1:${x}`), ...mine(v2).map((x) => `volume:n2:${x}`),
      ].sort();
    },
    async routeIds() {
      const r = await adminGet('/config/apps/http/servers/tenants/routes');
      if (r.code !== 0) throw new Error(`Caddy's admin API: curl exit ${r.code}`);
      return mine(((JSON.parse(r.stdout || 'null') as { '@id'?: string }[] | null) ?? []).map((x) => x['@id'] ?? ''));
    },
    async cleanup() {
      const listed = await s.cli('list', '--json');
      for (const t of listed.code === 0 ? (JSON.parse(listed.stdout) as { name: string }[]) : []) await s.cli('remove', t.name);
      const left = await stack.objects();
      const of = (kind: string) => left.filter((o) => o.startsWith(`${kind}:`)).map((o) => o.slice(kind.length + 1));
      if (of('service').length) await docker(1, 'service', 'rm', ...of('service'));
      for (const v of of('volume')) await removeVolume(v.startsWith('n1:') ? 1 : 2, v.slice(3));
      if (of('network').length) await docker(1, 'network', 'rm', ...of('network'));
      if (of('secret').length) await docker(1, 'secret', 'rm', ...of('secret'));
      s.close();
    },
  };
  return Promise.resolve(stack);
}
