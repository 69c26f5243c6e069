// A private Caddy for the demo and the benchmarks: its own admin and HTTP ports on loopback,
// its own XDG dirs, a catch-all 404 route, and automatic HTTPS off (plain HTTP on loopback).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/** @param {string} dir  @param {{ server?: string }} [opts] */
export async function startCaddy(dir, { server = 'tenants' } = {}) {
  const [adminPort, httpPort] = [await freePort(), await freePort()];
  mkdirSync(dir, { recursive: true });
  const config = {
    admin: { listen: `127.0.0.1:${adminPort}` },
    apps: { http: { servers: { [server]: {
      listen: [`127.0.0.1:${httpPort}`],
      automatic_https: { disable: true },
      routes: [{ handle: [{ handler: 'static_response', status_code: 404, body: 'no such tenant\n' }] }],
    } } } },
  };
  const file = join(dir, 'caddy.json');
  writeFileSync(file, JSON.stringify(config));
  const proc = spawn('caddy', ['run', '--config', file], {
    env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data') },
    stdio: 'ignore',
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${adminUrl}/config/`)).ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    adminUrl, httpPort, server,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve(undefined);
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
}
