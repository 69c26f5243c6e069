import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaddyAdmin } from '../../src/caddy/admin-client.js';
import type { HttpAnswer, Transport } from '../../src/caddy/http-transport.js';
import { scenario } from '../fixtures/caddy-scenario.mjs';

// The Caddy adapter against answers recorded from a real Caddy 2.6.2 (scripts/record-caddy.mjs):
// status codes, error bodies and the ETag that Caddy sends as an HTTP trailer, replayed in order.
interface Exchange { method: string; path: string; ifMatch: string | null; answer: HttpAnswer }
const recorded = JSON.parse(readFileSync(new URL('../fixtures/caddy-admin.json', import.meta.url), 'utf8')) as {
  results: Record<string, unknown>;
  exchanges: Exchange[];
};
const BASE = 'http://caddy.test:2019';

function replay(exchanges: Exchange[]): Transport {
  let next = 0;
  return (url, ask) => {
    const want = exchanges[next++];
    expect(want, `an unrecorded request: ${ask.method} ${url}`).toBeDefined();
    expect({ method: ask.method, path: url.slice(BASE.length), ifMatch: ask.headers['if-match'] ?? null })
      .toEqual({ method: want?.method, path: want?.path, ifMatch: want?.ifMatch });
    return Promise.resolve(want?.answer as HttpAnswer);
  };
}

describe('CaddyAdmin on recorded Caddy 2.6.2 answers', () => {
  it('reads, inserts, replaces and deletes routes by @id as the real server answered', async () => {
    expect(await scenario(new CaddyAdmin(BASE, replay(recorded.exchanges)))).toEqual(recorded.results);
  });

  it('the recording covers what the adapter interprets: the ETag trailer, a refused If-Match, absent ids', () => {
    const statuses = new Set(recorded.exchanges.map((e) => e.answer.status));
    expect(statuses).toEqual(new Set([200, 400, 404, 412])); // 400: Caddy's answer to a path through nothing
    expect(recorded.exchanges[0]?.answer.etag).toMatch(/^"\/config\/apps\/http\/servers [0-9a-f]+"$/);
    expect(recorded.results).toMatchObject({ staleReplace: false, deleted: true, deletedAgain: false, missing: null, noPath: null });
  });
});

describe('CaddyAdmin.insertRoute on an empty route list', () => {
  // Caddy 2.6.2's answers (checked by hand on the swarm harness' Caddy, issue 14) for a server whose
  // `routes` is `[]`, as it is once the last tenant's route is deleted: the list exists, and has
  // no index 0 to insert at.
  it('appends, where PUT .../routes/0 is out of bounds', async () => {
    const seen: string[] = [];
    const answers: Record<string, HttpAnswer> = {
      'PUT /routes': { status: 500, text: '{"error":"[/config/apps/http/servers/s/routes] key already exists: routes"}', etag: undefined },
      'PUT /routes/0': { status: 500, text: '{"error":"[/config/apps/http/servers/s/routes/0] array index out of bounds: 0"}', etag: undefined },
      'POST /routes': { status: 200, text: '', etag: undefined },
    };
    const transport: Transport = (url, ask) => {
      const key = `${ask.method} ${url.slice(`${BASE}/config/apps/http/servers/s`.length)}`;
      seen.push(key);
      return Promise.resolve(answers[key] ?? { status: 404, text: '', etag: undefined });
    };
    await new CaddyAdmin(BASE, transport).insertRoute('s', { '@id': 'r1', match: [{ host: ['a.test'] }], handle: [] }, false);
    expect(seen).toEqual(['PUT /routes', 'PUT /routes/0', 'POST /routes']);
  });
});
