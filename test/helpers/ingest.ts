import { execa } from 'execa';
import { createConnection, createServer, type Server } from 'node:net';
import { podman } from './podman.js';
import type { Stack } from './stack.js';

// From inside a tenant's container to the test stack's Caddy, which listens on the host's
// loopback only: a forwarder on the tenant network's gateway address (the host's side of its
// bridge) takes the container's connection to Caddy, as a public address would in production.

export async function gatewayOf(s: Stack, name: string): Promise<string> {
  const r = await podman('network', 'inspect', `${s.prefix}${name}`, '--format', 'json');
  const nets = JSON.parse(r.stdout) as { subnets?: { gateway?: string }[] }[];
  const gw = nets[0]?.subnets?.[0]?.gateway;
  if (!gw) throw new Error(`no gateway for ${name}'s network: ${r.stdout}${r.stderr}`);
  return gw;
}

export async function forwarder(host: string, toPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((c) => {
    const up = createConnection({ host: '127.0.0.1', port: toPort });
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen({ host, port: 0 }, () => res());
  });
  const a = server.address();
  return { port: typeof a === 'object' && a ? a.port : 0, close: () => new Promise((r) => server.close(() => r())) };
}

// Run by the node stand-in inside the container: POSTs stdin to /_feather/summary with the
// container's own token (the file podman mounted), and prints the answer.
const PUSH = `
const fs = require('fs'); const http = require('http');
const [gw, port, host] = process.argv.slice(1);
const token = fs.readFileSync(process.env.FEATHER_INGEST_TOKEN_FILE, 'utf8');
const req = http.request({ host: gw, port: Number(port), method: 'POST', path: '/_feather/summary',
  headers: { host, authorization: 'Bearer ' + token, 'content-type': 'application/json' } }, (res) => {
  let d = ''; res.on('data', (c) => (d += c)); res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body: d })));
});
req.on('error', (e) => { console.log(JSON.stringify({ status: 0, body: String(e) })); });
req.end(fs.readFileSync(0));
`;

/** POSTs `body` from inside `from`'s container, with its own token, to `toHost` through Caddy. */
export async function pushFromInside(s: Stack, from: string, via: { gateway: string; port: number }, toHost: string, body: string): Promise<{ status: number; body: string }> {
  const r = await execa('podman', ['exec', '-i', `${s.prefix}${from}`, 'node', '-e', PUSH, via.gateway, String(via.port), toHost], { input: body, reject: false });
  if (r.exitCode !== 0) throw new Error(`podman exec failed: ${String(r.stderr)}`);
  return JSON.parse(String(r.stdout).trim()) as { status: number; body: string };
}
