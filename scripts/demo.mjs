#!/usr/bin/env node
// The demo: provisions a tenant through real podman and a real (private) Caddy, shows it
// served through Caddy by subdomain, removes it, and shows that its data volume stays.
// Run it with: bash scripts/setup-host.sh && npm ci && npm run demo
import { $, chalk } from 'zx';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCaddy } from './lib/private-caddy.mjs';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'feather-demo-'));
const caddy = await startCaddy(join(dir, 'caddy'));
const domain = 'users.example.test';
const env = {
  ...process.env,
  // Self-contained: an empty config file, so an operator's /etc/feather-tenant is not read.
  FEATHER_TENANT_CONFIG: join(dir, 'config.json'),
  FEATHER_TENANT_STATE_DIR: join(dir, 'state'),
  FEATHER_TENANT_PREFIX: 'feather-demo-',
  FEATHER_TENANT_PORTS: '9401-9410',
  FEATHER_TENANT_IMAGE: process.env.FEATHER_TEST_IMAGE ?? 'localhost/feather-work-test:latest',
  FEATHER_TENANT_DOMAIN: domain,
  FEATHER_TENANT_CADDY_ADMIN: caddy.adminUrl,
  FEATHER_TENANT_SCHEME: 'http',
};
writeFileSync(env.FEATHER_TENANT_CONFIG, '{}');
const ft = (/** @type {string[]} */ ...args) => $({ env, cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })`node bin/feather-tenant.js ${args}`;
const step = (/** @type {string} */ s) => console.log(chalk.bold(`\n▶ ${s}`));
const curl = (/** @type {string} */ name, path = '/') => $`curl -sS -H ${`Host: ${name}.${domain}`} ${`http://127.0.0.1:${caddy.httpPort}${path}`}`;

let ok = false;
try {
  console.log(`Caddy admin ${caddy.adminUrl}, HTTP 127.0.0.1:${caddy.httpPort}; state in ${env.FEATHER_TENANT_STATE_DIR}`);
  step('feather-tenant add alice');
  await ft('add', 'alice');
  step('feather-tenant list');
  await ft('list');
  step(`curl -H 'Host: alice.${domain}' through Caddy`);
  console.log((await curl('alice')).stdout.trim());
  console.log((await curl('alice', '/cgi-bin/info')).stdout.trim());
  await curl('alice', '/cgi-bin/write?notes.txt');
  step('feather-tenant remove alice (the volume stays)');
  await ft('remove', 'alice');
  step(`curl -H 'Host: alice.${domain}' again: Caddy's catch-all answers`);
  console.log((await curl('alice')).stdout.trim());
  step('the volume and alice\'s file are still there');
  const mount = (await $`podman volume inspect --format {{.Mountpoint}} feather-demo-alice`).stdout.trim();
  await $({ stdio: ['ignore', 'inherit', 'inherit'] })`ls -l ${mount}`;
  ok = true;
} finally {
  step('clean up: feather-tenant remove alice --purge --yes (demo data only)');
  await ft('remove', 'alice', '--purge', '--yes').catch(() => {});
  await caddy.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(ok ? chalk.green('\ndemo finished') : chalk.red('\ndemo failed'));
}
