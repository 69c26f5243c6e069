// Records the Caddy admin API's real answers to the calls CaddyAdmin makes, for the adapter test
// (test/unit/caddy-admin.test.ts replays them). Needs `npm run build` and a caddy binary:
//   node scripts/record-caddy.mjs > test/fixtures/caddy-admin.json
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// From the build, imported by path so type-checking needs no dist/ (typed from src/).
const ROOT = join(import.meta.dirname, '..');
const { CaddyAdmin } = /** @type {typeof import('../src/caddy/admin-client.js')} */ (await import(join(ROOT, 'dist/caddy/admin-client.js')));
const { nodeHttp } = /** @type {typeof import('../src/caddy/http-transport.js')} */ (await import(join(ROOT, 'dist/caddy/http-transport.js')));
import { scenario } from '../test/fixtures/caddy-scenario.mjs';

/** @returns {Promise<number>} */
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = /** @type {import('node:net').AddressInfo} */ (s.address()); s.close(() => res(port)); }); });
const [admin, http] = [await freePort(), await freePort()];
const dir = mkdtempSync(join(tmpdir(), 'ft-record-caddy-'));
const config = join(dir, 'caddy.json');
writeFileSync(config, JSON.stringify({
  admin: { listen: `127.0.0.1:${admin}` },
  apps: { http: { servers: { tenants: { listen: [`127.0.0.1:${http}`] } } } },
}));
const caddy = spawn('caddy', ['run', '--config', config], { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: 'ignore' });
try {
  const base = `http://127.0.0.1:${admin}`;
  for (let i = 0; i < 100; i++) {
    if (await nodeHttp(`${base}/config/`, { method: 'GET', headers: {}, timeoutMs: 500 }).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  /** @type {{ method: string, path: string, ifMatch: string | null, answer: import('../src/caddy/http-transport.js').HttpAnswer }[]} */
  const exchanges = [];
  /** @type {import('../src/caddy/http-transport.js').Transport} */
  const recording = async (url, ask) => {
    const answer = await nodeHttp(url, ask);
    exchanges.push({ method: ask.method, path: url.slice(base.length), ifMatch: ask.headers['if-match'] ?? null, answer });
    return answer;
  };
  const results = await scenario(new CaddyAdmin(base, recording));
  process.stdout.write(`${JSON.stringify({ caddy: '2.6.2', results, exchanges }, null, 2)}\n`);
} finally {
  caddy.kill();
  rmSync(dir, { recursive: true, force: true });
}
