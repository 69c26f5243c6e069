import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createIngest } from '../../src/auth/summary-ingest.js';
import { PushBudget } from '../../src/core/push-budget.js';
import { bearerToken, generateIngestToken, hashIngestToken, ingestTokenMatches, parseSummary } from '../../src/core/summary.js';
import { parseSummaries, renderSummaries } from '../../src/transfer/summaries-entry.js';
import { rotateIngestToken } from '../../src/commands/rotate-ingest-token.js';
import { FeatherError } from '../../src/core/errors.js';
import { fakeContext, type FakeContext } from '../fakes/context.js';
import { freePort, httpRequest } from '../helpers/net.js';

describe('summary validation', () => {
  it('takes a JSON object of at most 64 KiB, re-serialised; refuses anything else with 400 or 413', () => {
    expect(parseSummary(Buffer.from(' { "a" : [1, 2] } '))).toEqual({ ok: true, text: '{"a":[1,2]}' });
    const exact = Buffer.from(JSON.stringify({ p: 'x'.repeat(64 * 1024 - 8) }));
    expect(exact.length).toBe(64 * 1024);
    expect(parseSummary(exact).ok).toBe(true);
    expect(parseSummary(Buffer.concat([exact, Buffer.from(' ')]))).toMatchObject({ ok: false, status: 413 });
    for (const bad of ['', '{', '[1]', 'null', '"s"', '3', '{"a":1}{"b":2}']) expect([bad, parseSummary(Buffer.from(bad))]).toMatchObject([bad, { ok: false, status: 400 }]);
    expect(parseSummary(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatchObject({ ok: false, status: 400 });
  });

  it('reads only a plain Bearer token, and matches it against the stored hash alone', () => {
    const t = generateIngestToken();
    expect(bearerToken(`Bearer ${t}`)).toBe(t);
    for (const scheme of ['bearer', 'BEARER', 'beArer']) expect(bearerToken(`${scheme} ${t}`)).toBe(t);
    for (const h of [undefined, '', t, `Basic ${t}`, `bearer${t}`, `Bearer ${t} x`, `Bearer ${'a'.repeat(513)}`]) expect(bearerToken(h)).toBeUndefined();
    expect(ingestTokenMatches(t, hashIngestToken(t))).toBe(true);
    expect(ingestTokenMatches(generateIngestToken(), hashIngestToken(t))).toBe(false);
    for (const stored of [null, '', 'not-hex', hashIngestToken(t).toUpperCase()]) expect(ingestTokenMatches(t, stored)).toBe(false);
  });
});

describe('the summaries entry of an archive', () => {
  it('round-trips, and refuses what the ingest would refuse', () => {
    const list = [{ receivedAt: 1_700_000_000_000, body: '{"a":1}' }, { receivedAt: 1_700_000_001_000, body: '{"b":{"c":[true]}}' }];
    expect(parseSummaries(renderSummaries(list))).toEqual(list);
    expect(parseSummaries(renderSummaries([]))).toEqual([]);
    const bad: [string, string][] = [
      ['{}', 'not a JSON array'],
      ['[{"summary":{}}]', 'item 0 has no receivedAt date'],
      ['[{"receivedAt":"x","summary":{}}]', 'item 0 has no receivedAt date'],
      ['[{"receivedAt":"2026-01-01T00:00:00Z","summary":[1]}]', 'a summary is a JSON object'],
      [`[{"receivedAt":"2026-01-01T00:00:00Z","summary":{"p":"${'x'.repeat(64 * 1024)}"}}]`, 'at most 65536 bytes'],
      [JSON.stringify(Array.from({ length: 1001 }, () => ({ receivedAt: '2026-01-01T00:00:00Z', summary: {} }))), 'more than the 1000 kept'],
    ];
    for (const [text, why] of bad) expect(() => parseSummaries(Buffer.from(text))).toThrow(why);
  });

  it('refuses a summary nested too deep as a bad archive (exit 2), however deep: never a stack overflow', () => {
    for (const depth of [40, 30_000, 1_000_000]) {
      const text = `[{"receivedAt":"2026-01-01T00:00:00Z","summary":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}]`;
      let err: unknown;
      try {
        parseSummaries(Buffer.from(text));
      } catch (e) {
        err = e;
      }
      expect([depth, err instanceof FeatherError && err.exitCode]).toEqual([depth, 2]);
      expect(String((err as Error).message)).toContain('nests');
    }
  });

  it('refuses invalid UTF-8 in the entry rather than importing replacement characters', () => {
    const text = Buffer.concat([Buffer.from('[{"receivedAt":"2026-01-01T00:00:00Z","summary":{"n":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}}]')]);
    expect(() => parseSummaries(text)).toThrow('not UTF-8');
  });
});

describe('POST /_feather/summary (the handler)', () => {
  const token = generateIngestToken();
  const stored: [string, string][] = [];
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const ingest = createIngest({
      domain: 'x.test',
      ingestHash: (t) => (t === 'alice' ? hashIngestToken(token) : t === 'old' ? null : undefined),
      store: (t, _at, body) => (stored.push([t, body]), true),
      now: () => 1_700_000_000_000,
    });
    server = createServer((req, res) => void ingest.serve(req, res));
    port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const post = (host: string, body: string, headers: Record<string, string> = {}) => httpRequest(port, host, '/_feather/summary', { method: 'POST', body, headers });

  it('stores an object pushed with the tenant\'s token; every answer carries the gate\'s header (never activity)', async () => {
    const r = await post('alice.x.test', '{"n":1}', { authorization: `Bearer ${token}` });
    expect([r.status, JSON.parse(r.body)]).toEqual([201, { stored: true, receivedAt: '2023-11-14T22:13:20.000Z' }]);
    expect(r.headers['x-feather-gate']).toBe('summary');
    expect(stored).toEqual([['alice', '{"n":1}']]);
  });

  it('refuses without storing: unknown tenant, a tenant without a token, no or a wrong token, too large, bad JSON, GET', async () => {
    stored.length = 0;
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, Promise<{ status: number; headers: Record<string, unknown> }>, number][] = [
      ['unknown tenant', post('bob.x.test', '{}', auth), 404],
      ['a tenant without a token yet', post('old.x.test', '{}', auth), 401],
      ['no token', post('alice.x.test', '{}'), 401],
      ['a wrong token', post('alice.x.test', '{}', { authorization: `Bearer ${generateIngestToken()}` }), 401],
      ['declared too large', post('alice.x.test', 'x'.repeat(64 * 1024 + 1), auth), 413],
      ['not JSON', post('alice.x.test', 'nope', auth), 400],
      ['GET', httpRequest(port, 'alice.x.test', '/_feather/summary', { headers: auth }), 405],
    ];
    for (const [what, p, status] of cases) {
      const r = await p;
      expect([what, r.status, r.headers['x-feather-gate']]).toEqual([what, status, 'summary']);
    }
    expect(stored).toEqual([]);
  });

  it('a tenant pushing faster than its budget gets 429 with Retry-After, stored nothing; others and the wrong token unaffected', async () => {
    let now = 1_700_000_000_000;
    const kept: string[] = [];
    const ingest = createIngest({
      domain: 'x.test',
      ingestHash: (t) => (t === 'alice' || t === 'bob' ? hashIngestToken(token) : undefined),
      store: (t) => (kept.push(t), true),
      now: () => now,
      budget: new PushBudget(3, 1_000),
    });
    const srv = createServer((req, res) => void ingest.serve(req, res));
    const p2 = await freePort();
    await new Promise<void>((r) => srv.listen(p2, '127.0.0.1', () => r()));
    try {
      const push = (host: string, t = token) => httpRequest(p2, host, '/_feather/summary', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${t}` } });
      // A wrong token spends nothing of alice's budget.
      for (let i = 0; i < 5; i++) expect((await push('alice.x.test', generateIngestToken())).status).toBe(401);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await push('alice.x.test')).status);
      expect(statuses).toEqual([201, 201, 201, 429]);
      const refused = await push('alice.x.test');
      expect([refused.status, refused.headers['retry-after'], refused.headers['x-feather-gate']]).toEqual([429, '1', 'summary']);
      expect((await push('bob.x.test')).status).toBe(201);
      now += 1_000;
      expect((await push('alice.x.test')).status).toBe(201);
      expect(kept).toEqual(['alice', 'alice', 'alice', 'bob', 'alice']);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});

describe('a push budget (pure)', () => {
  it('a burst, then one per refill; the wait it answers is until the next push; one budget per tenant', () => {
    const b = new PushBudget(2, 1_000);
    expect([b.take('a', 0), b.take('a', 0), b.take('a', 0)]).toEqual([0, 0, 1_000]);
    expect(b.take('a', 400)).toBe(600);
    expect(b.take('a', 1_000)).toBe(0);
    expect(b.take('a', 1_000)).toBe(1_000);
    // Refilled to the burst at most, however long it waited.
    expect([b.take('a', 1e9), b.take('a', 1e9), b.take('a', 1e9)]).toEqual([0, 0, 1_000]);
    // Each tenant has its own.
    expect(b.take('b', 1e9)).toBe(0);
  });
});

describe('the ingest token of a tenant (commands on fakes)', () => {
  let ctx: FakeContext;
  afterEach(() => ctx.close());

  async function stoppedTenant(): Promise<void> {
    ctx.podman.failOn.clear();
    const row = ctx.store().reserve({ name: 'alice', image: ctx.config.image, volume: 'fake-alice', range: ctx.config.ports, alsoUsed: new Set(), now: ctx.now() });
    ctx.store().activate('alice', 'id', 'scrypt$h', ctx.now());
    ctx.store().setDesired('alice', 'stopped', ctx.now());
    ctx.podman.secrets.set('fake-alice', 'pw');
    ctx.podman.networks.set('fake-alice', {});
    await ctx.podman.create({ ...(await import('../../src/core/tenant-run-spec.js')).tenantRunSpec(ctx.config, { name: 'alice', port: row.port, image: ctx.config.image }, {}) });
    ctx.podman.containers.get('fake-alice')!.state = 'exited';
  }

  it('a tenant from before issue 13 gets its first token; a rotation replaces it and removes the old secret', async () => {
    ctx = fakeContext();
    await stoppedTenant();
    expect(ctx.store().get('alice')?.ingestHash).toBeNull();
    expect(await rotateIngestToken(ctx, 'alice')).toEqual({ name: 'alice', file: '/run/secrets/feather-ingest-token', replaced: false, running: false });
    const first = ctx.store().get('alice')!;
    const token = ctx.podman.secrets.get(first.ingestSecret!)!;
    expect(ingestTokenMatches(token, first.ingestHash)).toBe(true);
    expect(ctx.podman.containers.get('fake-alice')?.labels['io.feather-tenant.ingest']).toBe(first.ingestSecret);

    ctx.advance(5_000);
    expect((await rotateIngestToken(ctx, 'alice')).replaced).toBe(true);
    const second = ctx.store().get('alice')!;
    expect(second.ingestSecret).not.toBe(first.ingestSecret);
    expect(ctx.podman.secrets.has(first.ingestSecret!)).toBe(false);
    expect(ingestTokenMatches(token, second.ingestHash)).toBe(false);
    expect(second.ingestPending).toBeNull();
  });

  it('a rotation that fails at the container keeps the old token working, and leaves no secret behind', async () => {
    ctx = fakeContext();
    await stoppedTenant();
    await rotateIngestToken(ctx, 'alice');
    const before = ctx.store().get('alice')!;
    const secrets = [...ctx.podman.secrets.keys()].sort();
    ctx.podman.failOn.add('create');
    const err = await rotateIngestToken(ctx, 'alice').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FeatherError);
    ctx.podman.failOn.clear();
    const after = ctx.store().get('alice')!;
    expect([after.ingestHash, after.ingestSecret, after.ingestPending]).toEqual([before.ingestHash, before.ingestSecret, null]);
    expect([...ctx.podman.secrets.keys()].sort()).toEqual(secrets);
  });
});
