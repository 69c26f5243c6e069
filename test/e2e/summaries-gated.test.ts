import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_IMAGE, type Stack } from '../helpers/stack.js';
import { SESSION_COOKIE, startGatedStack, type GatedStack } from '../helpers/gated.js';
import { podman } from '../helpers/podman.js';
import { forwarder, gatewayOf, pushFromInside } from '../helpers/ingest.js';

// POST /_feather/summary with the login gate on: the watchdog answers it as the gate's path, by
// the ingest token alone. A user's session does not stand in for the token, and a token does not
// stand in for a session anywhere else.

let g: GatedStack;
let s: Stack;
beforeAll(async () => {
  g = await startGatedStack({ secret: 'summary-secret-'.padEnd(48, 'x'), tenants: ['carol', 'dave'], env: { FEATHER_TENANT_IMAGE: NODE_IMAGE } });
  s = g.s;
});
afterAll(async () => {
  await g?.cleanup();
});

const tokenOf = async (n: string) => (await podman('exec', `${s.prefix}${n}`, 'cat', '/run/secrets/feather-ingest-token')).stdout.trim();
const post = (n: string, headers: Record<string, string>, body = '{"x":1}') =>
  s.get(n, '/_feather/summary', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const stored = async (n: string) => (JSON.parse((await s.run(['summaries', n, '--json'])).stdout) as unknown[]).length;

describe('summaries with the login gate on', () => {
  it('a push from inside the container works by its token; another tenant\'s is refused', async () => {
    const f = await forwarder(await gatewayOf(s, 'carol'), s.httpPort);
    const fd = await forwarder(await gatewayOf(s, 'dave'), s.httpPort);
    try {
      expect((await pushFromInside(s, 'carol', { gateway: await gatewayOf(s, 'carol'), port: f.port }, 'carol.test.local', '{"gated":true}')).status).toBe(201);
      expect((await pushFromInside(s, 'dave', { gateway: await gatewayOf(s, 'dave'), port: fd.port }, 'carol.test.local', '{"from":"dave"}')).status).toBe(401);
    } finally {
      await f.close();
      await fd.close();
    }
    expect(await stored('carol')).toBe(1);
  });

  it('a session cookie is no token, and the token opens nothing but the summary path', async () => {
    const login = await s.get('carol', '/_feather/login', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password: g.pw.carol ?? '', next: '/' }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = /__Host-feather_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] ?? '';
    expect((await post('carol', { cookie: `${SESSION_COOKIE}=${cookie}` })).status).toBe(401);
    // A cross-origin page's POST, with the user's cookie but no token.
    expect((await post('carol', { cookie: `${SESSION_COOKIE}=${cookie}`, origin: 'http://dave.test.local', 'sec-fetch-site': 'same-site' })).status).toBe(401);
    const token = await tokenOf('carol');
    expect((await s.get('carol', '/headers', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await post('dave', { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await post('carol', { authorization: `Bearer ${token}` }, '{"ok":1}')).status).toBe(201);
    expect(await stored('carol')).toBe(2);
    expect(await stored('dave')).toBe(0);
  });

  it('other spellings of the path reach the gate, never the ingest nor the tenant: nothing stored', async () => {
    const auth = { authorization: `Bearer ${await tokenOf('carol')}` };
    const before = await stored('carol');
    for (const path of ['/_FEATHER/summary', '//_feather/summary', '/_feather/summary.', '/_feather/summary%2e', '/_feather/%73ummary', '/_feather//summary', '/_feather/x/../summary', '/_feather\\summary', '/_feather%2Fsummary', '/%5Ffeather/summary', '/_feather/summary/']) {
      const r = await s.get('carol', path, { method: 'POST', body: '{"spelt":1}', headers: { 'content-type': 'application/json', ...auth } });
      // The gate's 404 for its own paths, or its login redirect / 401 for a path that is the tenant's:
      // never 201, and never the tenant's answer without a session.
      expect([path, r.status === 201 || r.headers['x-feather-gate'] === 'passed']).toEqual([path, false]);
    }
    expect(await stored('carol')).toBe(before);
  });
});
