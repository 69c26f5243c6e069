import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { NODE_IMAGE, httpRequest, startStack, type Stack, type Watchdog } from '../helpers/stack.js';
import { podman } from '../helpers/podman.js';
import { forwarder, gatewayOf, pushFromInside } from '../helpers/ingest.js';

// Summaries pushed by tenants (issue 13) through the real watchdog, Caddy and podman, with the
// login gate off (its own route sends /_feather/summary to the watchdog): from inside a tenant's
// container with the token podman mounted there, and refused with another tenant's.

let s: Stack;
let w: Watchdog;
const via: Record<string, { gateway: string; port: number }> = {};
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  s = await startStack({ ports: 4, env: { FEATHER_TENANT_IMAGE: NODE_IMAGE } });
  for (const n of ['alice', 'bob']) expect((await s.run(['add', n])).exitCode).toBe(0);
  w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
  for (const n of ['alice', 'bob']) {
    const gateway = await gatewayOf(s, n);
    const f = await forwarder(gateway, s.httpPort);
    closers.push(() => f.close());
    via[n] = { gateway, port: f.port };
  }
});
afterAll(async () => {
  for (const c of closers) await c();
  await s?.cleanup();
});

const HOST = (n: string) => `${n}.test.local`;
const stored = async (n: string) => JSON.parse((await s.run(['summaries', n, '--last', '1000', '--json'])).stdout) as { receivedAt: string; summary: Record<string, unknown> }[];
const tokenOf = async (n: string) => (await podman('exec', `${s.prefix}${n}`, 'cat', '/run/secrets/feather-ingest-token')).stdout.trim();
const post = (n: string, body: string | Buffer, headers: Record<string, string> = {}, path = '/_feather/summary') =>
  s.get(n, path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('summaries', () => {
  it('a tenant pushes one from inside its container with its token; another tenant\'s token is refused on its host', async () => {
    const before = Date.now();
    const ok = await pushFromInside(s, 'alice', via.alice!, HOST('alice'), '{"notebooks":3,"cells":41}');
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body)).toMatchObject({ stored: true });
    // bob's container, with bob's own token, to alice's host; and to its own, where it works.
    const cross = await pushFromInside(s, 'bob', via.bob!, HOST('alice'), '{"from":"bob"}');
    expect(cross.status).toBe(401);
    expect((await pushFromInside(s, 'bob', via.bob!, HOST('bob'), '{"mine":true}')).status).toBe(201);

    const a = await stored('alice');
    expect(a.map((x) => x.summary)).toEqual([{ notebooks: 3, cells: 41 }]);
    expect(Date.parse(a[0]!.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect((await stored('bob')).map((x) => x.summary)).toEqual([{ mine: true }]);
    expect((await s.run(['summaries', 'alice'])).stdout).toContain('{"notebooks":3,"cells":41}');
  });

  it('the token file is 0400 and the user\'s; the token is in no inspect output, and only its hash in the state', async () => {
    const obj = `${s.prefix}alice`;
    expect((await podman('exec', obj, 'stat', '-c', '%a %u', '/run/secrets/feather-ingest-token')).stdout.trim()).toBe('400 1000');
    const token = await tokenOf('alice');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await podman('inspect', obj)).stdout).not.toContain(token);
    expect(readFileSync(join(s.stateDir, 'state.db')).includes(Buffer.from(token))).toBe(false);
    expect((await s.run(['show', 'alice'])).stdout).toMatch(/summaries:\s+ingest token set/);
  });

  it('refuses, storing nothing: no or a wrong token, another origin without the token, too large, bad JSON, not an object, other methods and spellings', async () => {
    const token = await tokenOf('alice');
    const bobs = await tokenOf('bob');
    const count = (await stored('alice')).length;
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, () => ReturnType<typeof post>, number][] = [
      ['no token', () => post('alice', '{"x":1}'), 401],
      ['bob\'s token on alice\'s host', () => post('alice', '{"x":1}', { authorization: `Bearer ${bobs}` }), 401],
      ['a token with a byte changed', () => post('alice', '{"x":1}', { authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` }), 401],
      // A page on bob's host posting to alice's: the browser sends cookies, never an Authorization header of its own.
      ['another tenant\'s page', () => post('alice', '{"x":1}', { origin: 'http://bob.test.local', 'sec-fetch-site': 'same-site', cookie: 'a=b' }), 401],
      ['over 64 KiB', () => post('alice', JSON.stringify({ pad: 'x'.repeat(64 * 1024) }), auth), 413],
      ['not JSON', () => post('alice', '{"x":', auth), 400],
      ['an array', () => post('alice', '[1,2]', auth), 400],
      ['GET', () => s.get('alice', '/_feather/summary', { headers: auth }), 405],
      ['another spelling', () => post('alice', '{"x":1}', auth, '/_FEATHER/summary'), 404],
      ['a doubled slash', () => post('alice', '{"x":1}', auth, '//_feather/summary'), 404],
    ];
    for (const [what, send, status] of cases) expect([what, (await send()).status]).toEqual([what, status]);
    expect((await stored('alice')).length).toBe(count);
    // Exactly 64 KiB is fine.
    const body = JSON.stringify({ pad: 'x'.repeat(64 * 1024 - 10) });
    expect(Buffer.byteLength(body)).toBe(64 * 1024);
    expect((await post('alice', body, auth)).status).toBe(201);
  });

  it('passwd keeps the token; rotate-ingest-token replaces it (the old one is refused); export and import carry the summaries', async () => {
    const t1 = await tokenOf('alice');
    expect((await s.run(['passwd', 'alice'])).exitCode).toBe(0);
    expect(await tokenOf('alice')).toBe(t1);
    expect((await post('alice', '{"after":"passwd"}', { authorization: `Bearer ${t1}` })).status).toBe(201);

    const r = await s.run(['rotate-ingest-token', 'alice', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'alice', file: '/run/secrets/feather-ingest-token', replaced: true, running: true });
    const t2 = await tokenOf('alice');
    expect(t2).not.toBe(t1);
    expect(r.stdout + r.stderr).not.toContain(t2);
    expect((await post('alice', '{"x":1}', { authorization: `Bearer ${t1}` })).status).toBe(401);
    expect((await pushFromInside(s, 'alice', via.alice!, HOST('alice'), '{"after":"rotate"}')).status).toBe(201);
    // Only the current secret is left.
    const secrets = (await podman('secret', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((n) => n.startsWith(`${s.prefix}alice.ingest-`));
    expect(secrets).toHaveLength(1);

    const before = await stored('alice');
    const file = join(s.dir, 'alice.tar');
    expect((await s.run(['export', 'alice', '-o', file])).exitCode).toBe(0);
    const imp = await s.run(['import', file, '--name', 'alice2', '--json']);
    expect(imp.exitCode).toBe(0);
    expect(await stored('alice2')).toEqual(before);
    // The imported tenant has a token of its own.
    const t3 = await tokenOf('alice2');
    expect(t3).not.toBe(t2);
    expect((await post('alice2', '{"x":1}', { authorization: `Bearer ${t2}` })).status).toBe(401);
    expect((await post('alice2', '{"x":1}', { authorization: `Bearer ${t3}` })).status).toBe(201);

    // An archive whose summaries entry was changed is refused, nothing created.
    const tar = readFileSync(file);
    // The summaries are in it; the token that pushed them, and its hash, are not.
    expect(tar.includes(Buffer.from(t2))).toBe(false);
    expect(tar.includes(Buffer.from(createHash('sha256').update(t2).digest('hex')))).toBe(false);
    const at = tar.indexOf(Buffer.from('"after":"rotate"'));
    expect(at).toBeGreaterThan(0);
    tar[at + 2] = 'A'.charCodeAt(0);
    writeFileSync(file, tar);
    const bad = await s.run(['import', file, '--name', 'alice3']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('summaries.json is corrupted');
    expect((await s.run(['show', 'alice3'])).exitCode).toBe(3);
    expect(w.child.exitCode).toBeNull();
  });

  it('a push is not activity: its answer carries the gate\'s header, so no sweep counts it', async () => {
    expect((await s.run(['sweep'], { FEATHER_TENANT_IDLE_MINUTES: '60' })).exitCode).toBe(0);
    const u = JSON.parse((await s.run(['usage', 'alice', '--json'])).stdout) as { days: { requests: number }[] };
    expect(u.days.map((d) => d.requests)).toEqual([0]);
  });
});

describe('summaries: bodies and spellings that lie (review)', () => {
  const auth = async () => ({ authorization: `Bearer ${await tokenOf('alice')}` });

  it('a deeply nested object within 64 KiB is a 400, not a crash; invalid UTF-8 is a 400, not stored with replacement characters', async () => {
    const headers = await auth();
    const count = (await stored('alice')).length;
    // 30,000 levels fit in 64 KiB; JSON.stringify overflows the stack on them (measured: past ~4,000).
    const deep = `{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    expect(Buffer.byteLength(deep)).toBeLessThan(64 * 1024);
    const r = await post('alice', deep, headers);
    expect([r.status, r.headers['x-feather-gate']]).toEqual([400, 'summary']);
    // Deep enough to be no aggregate, shallow enough for JSON.stringify: refused all the same.
    expect((await post('alice', `{"a":${'['.repeat(100)}${']'.repeat(100)}}`, headers)).status).toBe(400);
    expect((await post('alice', `{"a":${'['.repeat(30)}${']'.repeat(30)}}`, headers)).status).toBe(201);
    const bad = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    expect((await post('alice', bad, headers)).status).toBe(400);
    expect((await stored('alice')).length).toBe(count + 1);
    expect(w.child.exitCode).toBeNull();
  });

  it('other spellings, Host games and chunked bodies: only the exact path on the tenant\'s own host stores, by its own token', async () => {
    const headers = await auth();
    const count = (await stored('alice')).length;
    for (const path of ['/_feather/summary.', '/_feather/summary%2e', '/_feather/%73ummary', '/_feather//summary', '/_feather/x/../summary', '/_feather\\summary', '/_feather%2Fsummary', '/_feather/summary/', '/_Feather/Summary', '/./_feather/summary']) {
      const r = await post('alice', '{"spelt":1}', headers, path);
      expect([path, r.status === 201]).toEqual([path, false]);
    }
    expect((await stored('alice')).length).toBe(count);
    // The Host as a client may spell it: any case, a port. Caddy routes it to alice, and alice's token works.
    for (const host of ['ALICE.TEST.LOCAL', `alice.test.local:${s.httpPort}`]) {
      const r = await httpRequest(s.httpPort, host, '/_feather/summary', { method: 'POST', body: '{"host":1}', headers: { 'content-type': 'application/json', ...headers } });
      expect([host, r.status]).toEqual([host, 201]);
    }
    // alice's token on bob's host, spelt in capitals: still bob's host, still refused.
    expect((await httpRequest(s.httpPort, 'BOB.TEST.LOCAL', '/_feather/summary', { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json', ...headers } })).status).toBe(401);
    // The absolute form names the host in the request-target: it wins over the Host header (RFC 9112),
    // for Caddy's routing and the watchdog's check alike. alice's token never stores anything for bob.
    const absolute = (target: string, host: string) => httpRequest(s.httpPort, host, target, { method: 'POST', body: '{"absolute":1}', headers: { 'content-type': 'application/json', ...headers } });
    const bobBefore = (await stored('bob')).length;
    expect((await absolute(`http://bob.test.local:${s.httpPort}/_feather/summary`, HOST('alice'))).status).not.toBe(201);
    expect((await absolute(`http://alice.test.local:${s.httpPort}/_feather/summary`, HOST('bob'))).status).toBe(201);
    expect((await stored('bob')).length).toBe(bobBefore);
    // The scheme's name in any case (RFC 9110), as at the admin API.
    expect((await post('alice', '{"scheme":"lower"}', { authorization: headers.authorization.replace('Bearer', 'bearer') })).status).toBe(201);
    // A chunked body (no Content-Length) over 64 KiB: 413; within it: stored.
    const chunked = (body: string) => httpRequest(s.httpPort, HOST('alice'), '/_feather/summary', { method: 'POST', body, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } });
    expect((await chunked(JSON.stringify({ pad: 'x'.repeat(64 * 1024 - 9) }))).status).toBe(413);
    expect((await chunked('{"chunked":true}')).status).toBe(201);
    expect((await stored('alice')).length).toBe(count + 5);
    expect((await stored('bob')).every((x) => !('x' in x.summary))).toBe(true);
  });
});

describe('summaries are not activity (review)', () => {
  it('a push from inside the container is not traffic either: the sweep does not count its bytes', async () => {
    const kind = async () => (JSON.parse((await s.run(['show', 'bob', '--json'])).stdout) as { lastActivity: { kind: string } }).lastActivity.kind;
    expect((await s.run(['sweep'], { FEATHER_TENANT_IDLE_MINUTES: '60' })).exitCode).toBe(0);
    const before = await kind();
    expect(before).not.toBe('traffic');
    const r = await pushFromInside(s, 'bob', via.bob!, HOST('bob'), JSON.stringify({ report: 'x'.repeat(20_000) }));
    expect(r.status).toBe(201);
    expect((await s.run(['sweep'], { FEATHER_TENANT_IDLE_MINUTES: '60' })).exitCode).toBe(0);
    expect(await kind()).toBe(before);
  });
});
