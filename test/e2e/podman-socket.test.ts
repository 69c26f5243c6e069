import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { startStack, stopProcess, TEST_IMAGE, waitFor, type Stack } from '../helpers/stack.js';
import { podman } from '../helpers/podman.js';

// FEATHER_TENANT_PODMAN_SOCKET against a real `podman system service`: `list --json` and
// `reconcile --dry-run` print the same with the socket as without it, and the same again when the
// service is dead (its socket left behind, or gone). A podman binary that cannot run proves the
// reads went through the socket (the launcher's early read included).

let s: Stack;
let socket: string;
let service: ChildProcess | undefined;
const NO_PODMAN = { FEATHER_TENANT_PODMAN: '/nonexistent/podman' };

const answers = (path: string) => new Promise<boolean>((resolve) => {
  const req = request({ socketPath: path, path: '/v4.0.0/libpod/_ping', agent: false }, (res) => {
    res.resume();
    resolve(res.statusCode === 200);
  });
  req.on('error', () => resolve(false));
  req.end();
});

async function startService(): Promise<void> {
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  await waitFor(() => answers(socket), 15_000, 'podman system service');
}

beforeAll(async () => {
  s = await startStack({ ports: 4 });
  socket = join(s.dir, 'podman.sock');
  for (const n of ['alice', 'bob', 'carol']) expect((await s.run(['add', n])).exitCode).toBe(0);
  expect((await s.run(['stop', 'bob'])).exitCode).toBe(0);
  // Drift for reconcile to describe: a container of ours that state does not know, and Caddy
  // restarted from its base config (every route lost).
  expect((await podman('create', '--name', `${s.prefix}stray`, '--label', `io.feather-tenant.prefix=${s.prefix}`, '--label', 'io.feather-tenant.managed=true', '--label', 'io.feather-tenant.tenant=stray', TEST_IMAGE)).exitCode).toBe(0);
  await s.stopCaddy();
  await s.startCaddy();
  await startService();
});
afterAll(async () => {
  await stopProcess(service, 'SIGKILL');
  await s?.cleanup();
});

/** The command's output without the socket, then with it (podman unusable): both, and their exit codes. */
async function bothWays(args: string[]): Promise<{ cli: string; api: string }> {
  const cli = await s.run(args);
  const api = await s.run(args, { FEATHER_TENANT_PODMAN_SOCKET: socket, ...NO_PODMAN });
  expect([cli.exitCode, api.exitCode, api.stderr]).toEqual([0, 0, '']);
  return { cli: cli.stdout, api: api.stdout };
}

describe('reads through podman\'s API socket', () => {
  it('list --json prints the same as through the CLI', async () => {
    const { cli, api } = await bothWays(['list', '--json']);
    expect(api).toBe(cli);
    const states = (JSON.parse(api) as { name: string; state: string; tracked: boolean }[]).map((t) => [t.name, t.state, t.tracked]);
    expect(states).toEqual([['alice', 'running', true], ['bob', 'exited', true], ['carol', 'running', true], ['stray', 'created', false]]);
  });

  it('reconcile --dry-run prints the same as through the CLI, and changes nothing', async () => {
    const before = s.configChanges();
    const { cli, api } = await bothWays(['reconcile', '--dry-run']);
    expect(api).toBe(cli);
    expect(api).toContain(`alice: would add route (${s.prefix}alice to port`);
    const json = await bothWays(['reconcile', '--dry-run', '--json']);
    expect(json.api).toBe(json.cli);
    expect(s.configChanges()).toBe(before);
  });

  it('a dead service (socket left behind, then gone) means the CLI, with one trace line for each read', async () => {
    const { cli } = await bothWays(['list', '--json']);
    await stopProcess(service, 'SIGKILL'); // podman leaves its socket file: connections are refused
    expect(existsSync(socket)).toBe(true);
    const refused = await s.run(['list', '--json'], { FEATHER_TENANT_PODMAN_SOCKET: socket, FEATHER_TENANT_TRACE: '1' });
    expect([refused.exitCode, refused.stdout]).toEqual([0, cli]);
    // One line for each of list's two reads: the containers, and its image's ID (out of date).
    expect(refused.stderr.split('\n').filter((l) => l.includes('podman API socket')).sort()).toEqual([
      `trace: podman API socket ${socket} not answering (ECONNREFUSED): GET /libpod/containers/json through the podman CLI`,
      `trace: podman API socket ${socket} not answering (ECONNREFUSED): GET /libpod/images/${encodeURIComponent(TEST_IMAGE)}/json through the podman CLI`,
    ]);
    rmSync(socket);
    const gone = await s.run(['reconcile', '--dry-run'], { FEATHER_TENANT_PODMAN_SOCKET: socket });
    expect([gone.exitCode, gone.stderr]).toEqual([0, '']);
    expect(gone.stdout).toBe((await s.run(['reconcile', '--dry-run'])).stdout);
    await startService();
  });
});
