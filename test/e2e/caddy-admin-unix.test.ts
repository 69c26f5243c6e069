// The admin client against a real Caddy 2.6.2 whose admin API is on a unix socket (the swarm
// setup, docs/many-servers.md; FEATHER_TENANT_CADDY_ADMIN=unix:/path): the recorded scenario
// (reads, inserts, the ETag trailer, a refused If-Match, deletes) gives what it gave on TCP, and
// the built CLI's own requests pass Caddy's Host check there (only an empty Host does).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdmin } from '../../src/caddy/admin-client.js';
import { scenario } from '../fixtures/caddy-scenario.mjs';
import { CLI, freePort, stopProcess, waitFor } from '../helpers/stack.js';
import { execa } from 'execa';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/caddy-admin.json', import.meta.url), 'utf8')) as { results: Record<string, unknown> };

describe("Caddy's admin API on a unix socket", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftt-admin-unix-'));
  const sock = join(dir, 'admin.sock');
  let caddy: ChildProcess | undefined;
  beforeAll(async () => {
    const http = await freePort();
    writeFileSync(join(dir, 'caddy.json'), JSON.stringify({
      admin: { listen: `unix/${sock}` },
      apps: { http: { servers: { tenants: { listen: [`127.0.0.1:${http}`] } } } },
    }));
    caddy = spawn('caddy', ['run', '--config', join(dir, 'caddy.json')], {
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir }, stdio: 'ignore',
    });
    // curl, not the client under test: `-H 'Host;'` sends the empty Host Caddy wants on a socket
    await waitFor(async () => (await execa('curl', ['-sf', '-o', '/dev/null', '--unix-socket', sock, '-H', 'Host;', 'http://localhost/config/'], { reject: false })).exitCode === 0, 10_000, 'caddy on its admin socket');
  });
  afterAll(async () => {
    await stopProcess(caddy, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the recorded scenario gives on the socket what it gave on TCP', async () => {
    expect(await scenario(new CaddyAdmin(`unix:${sock}`))).toEqual(recorded.results);
  });

  it("the built CLI's config reads it as given; `reconcile --dry-run` reads Caddy's routes through it", async () => {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, FEATHER_TENANT_CONFIG: join(dir, 'none.json'),
      FEATHER_TENANT_STATE_DIR: join(dir, 'state'), FEATHER_TENANT_CADDY_ADMIN: `unix:${sock}`, FEATHER_TENANT_PREFIX: 'fttunix-',
    };
    writeFileSync(env.FEATHER_TENANT_CONFIG, '{}');
    const config = await execa('node', [CLI, 'config'], { env, extendEnv: false, reject: false });
    expect(config.exitCode).toBe(0);
    expect(JSON.parse(String(config.stdout))).toMatchObject({ caddyAdmin: `unix:${sock}` });
    const r = await execa('node', [CLI, 'reconcile', '--dry-run'], { env, extendEnv: false, reject: false });
    expect(String(r.stderr)).not.toMatch(/unreachable|403|host not allowed/);
    expect(r.exitCode).toBe(0);
  });
});
