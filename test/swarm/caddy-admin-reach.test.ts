// Caddy's admin API is out of tenants' reach on swarm. Caddy's container joins every tenant's
// overlay network, so any TCP listener of its is a peer of every tenant: with the admin API on
// 0.0.0.0:2019 (`origins` checks only the Host header, which the client chooses) a tenant's
// container got 200 on /config/ and could rewrite every route, the gate's included. The admin API
// is on a unix socket in the shared directory (scripts/swarm-harness.sh), which no tenant mounts.
// From a tenant's container on each node: every port Caddy listens on, and 2019, with the Host
// headers the admin API could accept.
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SOCK, SHARED, docker, removeVolume, swarmCli, taskContainer } from './cluster.js';

const s = swarmCli('ftad-', { FEATHER_TENANT_DOMAIN: 'adminreach.test', FEATHER_TENANT_IMAGE: 'localhost/feather-work-node:latest' });
const TENANTS = [['alice', 1], ['bob', 2]] as const;
/** Caddy's public HTTP port in its container: tenants reach it (it is the public entry), the admin API never. */
const PUBLIC = 80;
const HOSTS = ['127.0.0.1:2019', 'localhost:2019', ''];

/**
 * Ports the process `pid` listens on: its sockets' inodes (/proc/PID/fd) in a listening state in
 * its network namespace (/proc/PID/net/{tcp,udp}{,6}). Only Caddy's own: Docker's embedded DNS also
 * listens in the container's namespace (127.0.0.11, a random port).
 */
function listeningPorts(pid: string, proto: 'tcp' | 'udp'): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`));
    if (m?.[1]) inodes.add(m[1]);
  }
  const ports = new Set<number>();
  // LISTEN for TCP; for UDP, a bound unconnected socket (07): a server's (Go's DNS lookups connect theirs)
  const listening = proto === 'tcp' ? '0A' : '07';
  for (const file of [proto, `${proto}6`]) {
    const text = existsSync(`/proc/${pid}/net/${file}`) ? readFileSync(`/proc/${pid}/net/${file}`, 'utf8') : '';
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === listening && f[1] && inodes.has(f[9] ?? '')) ports.add(parseInt(f[1].split(':')[1] ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return ''; // closed meanwhile
  }
}

// Runs in the tenant's container (the work image has node): one raw request per port and Host,
// `GET /config/`; prints, for each, refused / timeout / closed (no answer) or the status and body,
// and whether the admin socket's path exists there.
const PROBE = `
const net = require('node:net');
const [ip, ports, hosts, sock] = [process.argv[1], JSON.parse(process.argv[2]), JSON.parse(process.argv[3]), process.argv[4]];
const one = (port, host) => new Promise((done) => {
  let got = '';
  const s = net.connect(port, ip);
  const end = (what) => { s.destroy(); done({ port, host, what }); };
  const timer = setTimeout(() => end(got ? 'answer ' + got.slice(0, 300) : 'timeout'), 4000);
  s.on('connect', () => s.write('GET /config/ HTTP/1.1\\r\\nHost: ' + host + '\\r\\nConnection: close\\r\\n\\r\\n'));
  s.on('data', (d) => { got += d; });
  s.on('error', (e) => { clearTimeout(timer); end(e.code === 'ECONNREFUSED' ? 'refused' : 'error ' + e.code); });
  s.on('close', () => { clearTimeout(timer); end(got ? 'answer ' + got.slice(0, 300) : 'closed'); });
});
Promise.all(ports.flatMap((p) => hosts.map((h) => one(p, h))))
  .then((probes) => process.stdout.write(JSON.stringify({ probes, socketSeen: require('node:fs').existsSync(sock) })));`;

interface Probe { port: number; host: string; what: string }

describe("Caddy's admin API from tenants' containers", () => {
  let caddyPorts: number[] = [];
  let caddyUdp: number[] = [];
  beforeAll(async () => {
    for (const [name, node] of TENANTS) {
      const r = await s.cli('add', name, '--node', String(node));
      expect(r.stderr).not.toMatch(/rolling back/);
      expect(r.code).toBe(0);
    }
    const pid = (await docker(1, 'inspect', '--format', '{{.State.Pid}}', 'feather-caddy')).stdout;
    [caddyPorts, caddyUdp] = [listeningPorts(pid, 'tcp'), listeningPorts(pid, 'udp')];
  });
  afterAll(async () => {
    for (const [name, node] of TENANTS) {
      await s.cli('remove', name);
      await removeVolume(node, `ftad-${name}`);
    }
    s.close();
  });

  it('Caddy listens on no TCP port but the public one, on no UDP port; its admin API is a socket only root reaches', () => {
    expect(caddyPorts).toEqual([PUBLIC]);
    expect(caddyUdp).toEqual([]);
    const sock = statSync(ADMIN_SOCK);
    expect([sock.isSocket(), sock.uid]).toEqual([true, 0]);
    expect(statSync(SHARED).mode & 0o777).toBe(0o700);
  });

  it.each(TENANTS)('from %s on node %i: port 2019 and every port Caddy listens on refuse or say nothing; never the admin API', async (name, node) => {
    const container = await taskContainer(node, `ftad-${name}`);
    expect(container).not.toBe('');
    const caddyIp = (await docker(1, 'inspect', '--format', `{{(index .NetworkSettings.Networks "ftad-${name}").IPAddress}}`, 'feather-caddy')).stdout;
    expect(caddyIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const ports = [...new Set([2019, PUBLIC, ...caddyPorts])];
    const r = await docker(node, 'exec', container, 'node', '-e', PROBE, caddyIp, JSON.stringify(ports), JSON.stringify(HOSTS), ADMIN_SOCK);
    expect(r.stderr).toBe('');
    const { probes, socketSeen } = JSON.parse(r.stdout) as { probes: Probe[]; socketSeen: boolean };
    // the shared directory is Caddy's mount, never a tenant's
    expect(socketSeen).toBe(false);
    expect(probes).toHaveLength(ports.length * HOSTS.length);
    // The public entry answers (the tenant's own route, or Caddy's empty 200 for a host without
    // one), but never with Caddy's configuration.
    const publicOnes = probes.filter((p) => p.port === PUBLIC);
    for (const p of publicOnes) expect(p.what).toMatch(/^answer HTTP\/1\.1 /);
    for (const p of publicOnes) expect(p.what).not.toMatch(/"apps"|"admin"|"listen"/);
    // Everything else: nothing listening (refused) or no answer at all, for every Host header.
    const others = probes.filter((p) => p.port !== PUBLIC);
    process.stderr.write(`from ${name} (node ${node}) to Caddy at ${caddyIp}: ${others.map((p) => `${p.port} Host ${JSON.stringify(p.host)} ${p.what.slice(0, 40)}`).join('; ')}\n`);
    expect(others.filter((p) => !/^(refused|timeout|closed)$/.test(p.what))).toEqual([]);
    // and the tenant itself is still served through Caddy's public entry
    expect((await s.get(name, '/')).status).toBe(200);
  });
});
