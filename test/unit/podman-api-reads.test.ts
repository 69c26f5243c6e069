import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiReads } from '../../src/podman/api-reads.js';
import { CliReads } from '../../src/podman/cli-reads.js';
import { EngineError, OperationError } from '../../src/core/errors.js';

// Both adapters of the read side against answers recorded from real podman (test/fixtures/podman:
// podman 4.3.1 on this machine and the birth image's 5.4.2, each `podman ps` / `network ls` and
// the API's answer for the same containers and networks, one after the other): they must give
// the same domain values. The CLI side runs a stand-in podman that prints the recorded output;
// the API side asks a stand-in service on a unix socket that answers the recorded body.

const FIXTURES = resolve(import.meta.dirname, '../fixtures/podman');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const PREFIX = { '4.3': 'ftspeedx-', '5.4': 'ftx-' } as const;
type Version = keyof typeof PREFIX;

let dir: string;
let bin: string;
let socket: string;
let server: Server;
let answer: { status: number; body: string };
let asked: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ftt-unit-api-'));
  bin = join(dir, 'podman');
  writeFileSync(bin, '#!/bin/sh\ncat "$PODMAN_OUT"\n', { mode: 0o755 });
  socket = join(dir, 'podman.sock');
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(socket, r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const cli = (out: string) => new CliReads(bin, { PATH: process.env.PATH, PODMAN_OUT: join(FIXTURES, out) });
const api = (body: string, at = socket, trace?: (l: string) => void) => {
  answer = { status: 200, body };
  asked = [];
  return new ApiReads(at, cli('5.4-ps-named.json'), trace);
};
const filtersOf = (url: string) => JSON.parse(new URL(url, 'http://x').searchParams.get('filters') ?? 'null') as unknown;

describe.each(['4.3', '5.4'] as Version[])('podman %s: the CLI and the API socket read alike', (v) => {
  it('containers by name prefix (list, reconcile)', async () => {
    const viaApi = await api(fixture(`${v}-api-named.json`)).containers({ namePrefix: PREFIX[v] });
    expect(asked).toEqual([`/v4.0.0/libpod/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ name: [`^${PREFIX[v]}`] }))}`]);
    const viaCli = await cli(`${v}-ps-named.json`).containers({ namePrefix: PREFIX[v] });
    expect(viaApi).toEqual(viaCli);
    // What the recordings hold: a running container with its pid and port, a created one with a
    // two-port range, one without labels or ports, an exited one.
    expect(viaApi.map((k) => [k.name.slice(PREFIX[v].length), k.state, k.hostPorts])).toEqual([
      ['alice', 'running', [39001]], ['bob', 'created', [39002, 39003]], ['plain', 'created', []], ['carol', 'exited', [39004]],
    ]);
    expect(viaApi[0]?.pid).toBeGreaterThan(0);
    expect(viaApi[0]?.createdAt?.getMilliseconds()).toBe(0); // whole seconds, as `podman ps` has them
  });

  it('containers by label (add, sweep)', async () => {
    const label = `io.feather-tenant.prefix=${PREFIX[v]}`;
    const viaApi = await api(fixture(`${v}-api-label.json`)).containers({ label });
    expect(filtersOf(asked[0] ?? '')).toEqual({ label: [label] });
    expect(viaApi).toEqual(await cli(`${v}-ps-label.json`).containers({ label }));
    expect(viaApi.map((k) => k.name)).toEqual(['alice', 'bob', 'carol'].map((n) => `${PREFIX[v]}${n}`));
  });

  it("labelled networks' bridges (reconcile's isolation check)", async () => {
    const label = `io.feather-tenant.prefix=${PREFIX[v]}`;
    const viaApi = await api(fixture(`${v}-api-networks.json`)).networkBridges(label);
    expect(filtersOf(asked[0] ?? '')).toEqual({ label: [label] });
    expect(viaApi).toEqual(await cli(`${v}-network-ls.txt`).networkBridges(label));
    expect(viaApi).toEqual(['podman1', 'podman2']);
  });
});

describe("an image's ID (list's and show's out of date)", () => {
  it('the API answers what `podman image inspect` prints; a 404 (image not known) is undefined', async () => {
    const ref = 'localhost/feather-work-test:latest';
    const reads = api(fixture('4.3-api-image.json'));
    const viaApi = await reads.imageId(ref);
    expect(asked).toEqual([`/v4.0.0/libpod/images/${encodeURIComponent(ref)}/json`]);
    expect(viaApi).toBe(await cli('4.3-image-id.txt').imageId(ref));
    expect(viaApi).toMatch(/^[0-9a-f]{64}$/);
    answer = { status: 404, body: '{"cause":"image not known","message":"failed to find image localhost/nope:latest: localhost/nope:latest: image not known","response":404}' };
    expect(await reads.imageId('localhost/nope:latest')).toBeUndefined();
    answer = { status: 500, body: '{"cause":"x","message":"storage broken","response":500}' };
    await expect(reads.imageId(ref)).rejects.toThrow('storage broken');
  });
});

describe('the API socket when it does not answer', () => {
  it('reads through the CLI when the socket is not there, with one trace line', async () => {
    const lines: string[] = [];
    const got = await api('[]', join(dir, 'absent.sock'), (l) => lines.push(l)).containers({ namePrefix: 'ftx-' });
    expect(got.map((k) => k.name)).toEqual(['ftx-alice', 'ftx-bob', 'ftx-plain', 'ftx-carol']);
    expect(lines).toEqual([expect.stringMatching(/absent\.sock not answering \(ENOENT\): GET \/libpod\/containers\/json through the podman CLI/)]);
  });

  it('reads through the CLI when the socket is left by a dead service (connection refused)', async () => {
    const dead = join(dir, 'dead.sock');
    // A process that binds the socket and dies without closing it leaves the file behind.
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(dead)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    const lines: string[] = [];
    const got = await api('[]', dead, (l) => lines.push(l)).containers({ namePrefix: 'ftx-' });
    expect(got).toHaveLength(4);
    expect(lines).toEqual([expect.stringMatching(/not answering \(ECONNREFUSED\)/)]);
  });

  it("reports podman's error when the service answers with one (no silent fallback)", async () => {
    const reads = api('');
    answer = { status: 500, body: '{"cause":"bad is an invalid filter","message":"bad is an invalid filter","response":500}' };
    const err = await reads.containers({ namePrefix: 'ftx-' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toBe('podman API GET /libpod/containers/json failed: bad is an invalid filter');
  });

  it('refuses a path that is not a socket', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    const err = await api('[]', file).containers({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toMatch(/plain-file \(FEATHER_TENANT_PODMAN_SOCKET\) is not a socket/);
  });

  it.runIf(process.getuid?.() === 0)("refuses a socket another user owns: it could answer anything", async () => {
    const theirs = join(dir, 'theirs.sock');
    const other = createServer((_req, res) => res.end('[]'));
    await new Promise<void>((r) => other.listen(theirs, r));
    try {
      chownSync(theirs, 65534, 65534);
      const err = await new ApiReads(theirs, cli('5.4-ps-named.json'), undefined).containers({}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationError);
      expect((err as Error).message).toMatch(/refusing podman API socket .*theirs\.sock: it belongs to uid 65534, neither root nor us/);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
