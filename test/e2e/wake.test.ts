import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { osProcessProbe } from '../../src/os/process-probe.js';
import { portOpen } from '../../src/net/port-open.js';
import { startStack, waitFor, type Stack, type Watchdog } from '../helpers/stack.js';
import { NOW, curl, sleepAll, startEvents, sweepJson, toWakeServer, tune } from '../helpers/wake.js';
import { state } from '../helpers/podman.js';

// Waking through Caddy with the real watchdog: a request to a sleeping tenant starts it (once,
// however many arrive) and gets the tenant's own response; Caddy's config never changes.

let s: Stack;
let w: Watchdog;
let password = '';
beforeAll(async () => {
  s = await startStack({ ports: 2 });
  const added = await s.run(['add', 'alice', '--json']);
  expect(added.exitCode).toBe(0);
  password = (JSON.parse(added.stdout) as { password: string }).password;
  expect((await s.run(['add', 'bob'])).exitCode).toBe(0);
  // Sweeps of its own are out of the way here (60 min idle); the tests sleep tenants with `sweep`.
  w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
});
afterAll(async () => {
  await s?.cleanup();
});

describe('wake through Caddy', () => {
  it('a GET to a sleeping tenant wakes it and gets its real response; Caddy config is byte-identical throughout', async () => {
    const before = await s.caddyConfig();
    await sleepAll(s, ['alice', 'bob']);
    expect(await s.caddyConfig()).toBe(before);
    const listed = JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string; state: string }[];
    expect(listed.map((e) => e.state)).toEqual(['asleep', 'asleep']);

    const starts = await startEvents(s, 'alice');
    const r = await s.get('alice', '/cgi-bin/info');
    expect(r.status).toBe(200);
    expect(r.body).toContain('tenant=alice');
    expect(await state(s, 'alice')).toBe('running');
    expect(await state(s, 'bob')).toBe('exited');
    expect(await startEvents(s, 'alice')).toBe(starts + 1);
    expect(await s.caddyConfig()).toBe(before);
    expect(await w.metric('feather_tenant_wakes_total{result="ok"}')).toBeGreaterThanOrEqual(1);
    expect((await s.run(['list', '--json'])).stdout).toMatch(/"state": "running"/);
  });

  it('a POST with a body reaches the sleeping tenant whole, repeated after a 307 by a client that follows it', async () => {
    await sleepAll(s, ['alice']);
    const body = `payload-${'x'.repeat(300_000)}-end`;
    const echoed = await curl(s, 'alice', '/cgi-bin/echo', { method: 'POST', body });
    expect(echoed.status).toBe(200);
    expect(echoed.body).toBe(`method=POST\n${body}`);

    await sleepAll(s, ['alice']);
    expect((await curl(s, 'alice', '/cgi-bin/check', { method: 'POST', body: `${password}\n` })).status).toBe(200);
    expect((await curl(s, 'alice', '/cgi-bin/check', { method: 'POST', body: 'wrong\n' })).status).toBe(403);

    // What a client that does not follow redirects sees: the 307, sent once the tenant is up.
    await sleepAll(s, ['alice']);
    const raw = await s.get('alice', '/cgi-bin/echo?x=1', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(raw.status).toBe(307);
    expect(raw.headers.location).toBe('/cgi-bin/echo?x=1');
    expect(await state(s, 'alice')).toBe('running');
    expect((await s.get('alice', '/cgi-bin/echo', { method: 'POST', body: 'hello' })).body).toBe('method=POST\nhello');
  });

  it('a bodiless non-GET request is held and replayed with its method', async () => {
    await sleepAll(s, ['alice']);
    const r = await curl(s, 'alice', '/cgi-bin/echo', { method: 'DELETE', follow: false });
    expect(r).toEqual({ status: 200, body: 'method=DELETE\n' });
  });

  it('20 concurrent requests to a sleeping tenant cause exactly one podman start, and all succeed', async () => {
    await sleepAll(s, ['alice']);
    const starts = await startEvents(s, 'alice');
    const metricStarts = await w.metric('feather_tenant_container_starts_total');
    const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      if (i % 2 === 0) {
        const r = await s.get('alice', `/cgi-bin/info?${i}`);
        return r.status === 200 && r.body.includes('tenant=alice');
      }
      const body = `body-${i}-${'y'.repeat(1000 + i)}`;
      const r = await curl(s, 'alice', `/cgi-bin/echo?${i}`, { method: 'POST', body });
      return r.status === 200 && r.body === `method=POST\n${body}`;
    }));
    expect(results).toEqual(Array.from({ length: 20 }, () => true));
    expect(await startEvents(s, 'alice')).toBe(starts + 1);
    expect(await w.metric('feather_tenant_container_starts_total')).toBe(metricStarts + 1);
  });

  it('a browser navigation gets the waiting page at once; its status poll reports the wake until the tenant answers', async () => {
    await tune(s, 'alice', 'start', 2);
    await sleepAll(s, ['alice']);
    const html = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' };
    const page = await s.get('alice', '/', { headers: html });
    expect(page.status).toBe(503);
    expect(page.headers['x-feather-wake']).toBe('1');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('Waking up alice');

    // At once, not after the wake: the wake is still going on when the page is there.
    const status = await s.get('alice', '/.feather-tenant/wake-status', { headers: { accept: 'application/json' } });
    expect(status.headers['x-feather-wake']).toBe('1');
    expect(['starting', 'waiting']).toContain((JSON.parse(status.body) as { phase: string }).phase);
    // The page's rule: reload once an answer comes without our header (the tenant's own).
    for (;;) {
      const st = await s.get('alice', '/.feather-tenant/wake-status');
      if (!st.headers['x-feather-wake']) break;
      expect(['starting', 'waiting', 'ready']).toContain((JSON.parse(st.body) as { phase: string }).phase);
      await new Promise((r) => setTimeout(r, 200));
    }
    const app = await s.get('alice', '/', { headers: html });
    expect(app.status).toBe(200);
    expect(app.body).toContain('Feather work container');
    await tune(s, 'alice', 'start', 0);
  });

  it('an unknown host gets a plain 404 and nothing is started', async () => {
    const starts = await w.metric('feather_tenant_container_starts_total');
    for (const host of ['nobody.test.local', 'wake.test.local', 'bob.other.domain']) {
      const r = await toWakeServer(s, host, '/', { 'x-feather-wake-method': 'GET' });
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
    }
    expect(await w.metric('feather_tenant_container_starts_total')).toBe(starts);
  });
});

describe('sweeps racing wakes', () => {
  it('a sweep during a wake leaves the tenant running and the waiting request gets its answer', async () => {
    await tune(s, 'alice', 'start', 3);
    await sleepAll(s, ['alice']);
    let done = false;
    const held = s.get('alice', '/cgi-bin/info').finally(() => (done = true));
    const reasons: string[] = [];
    while (!done) {
      // An idle timeout of 1.2 s: without the wake's lease, the just-started container would go.
      const r = await sweepJson(s, '0.02', { env: NOW.env });
      expect(r.stopped.map((x) => x.name)).not.toContain('alice');
      reasons.push(...r.kept.filter((k) => k.name === 'alice').map((k) => k.reason));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await held).body).toContain('tenant=alice');
    expect(reasons).toContain('waking');
    await tune(s, 'alice', 'start', 0);
  });

  it('a request arriving while a sweep is stopping the tenant waits for the stop, then wakes it', async () => {
    // The delay is read when the container starts: set it, then have it restarted by a wake.
    await tune(s, 'alice', 'stop', 6);
    await sleepAll(s, ['alice']);
    expect((await s.get('alice', '/cgi-bin/info')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const port = (JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string; port: number }[]).find((t) => t.name === 'alice')?.port ?? 0;
    const sweeping = sweepJson(s, NOW.idle, { env: NOW.env });
    // Once the app is gone (its port refuses) while the container is still stopping, a request comes.
    await waitFor(async () => !(await portOpen(port)), 10_000, "alice's app to stop");
    expect(['running', 'stopping']).toContain(await state(s, 'alice'));
    const r = await s.get('alice', '/cgi-bin/info');
    expect(r.status).toBe(200);
    expect(r.body).toContain('tenant=alice');
    const swept = await sweeping;
    expect(swept.kept).toContainEqual(expect.objectContaining({ name: 'alice', reason: 'woken' }));
    expect(await state(s, 'alice')).toBe('running');
    await tune(s, 'alice', 'stop', 0);
  });

  it('a request to a tenant another command holds (an export copying it) waits for that command, then wakes it', async () => {
    await sweepJson(s, NOW.idle, { env: NOW.env }); // whoever runs goes to sleep, bob included
    expect(await state(s, 'bob')).toBe('exited');
    // This test process stands in for `feather-tenant export bob`: it holds bob's lock.
    const db = new Database(join(s.stateDir, 'state.db'), { timeout: 5000 });
    const me = osProcessProbe.self();
    db.prepare('INSERT INTO locks (key, pid, pid_start, command, acquired_at) VALUES (?, ?, ?, ?, ?)').run('bob', me.pid, me.start, 'export', Date.now());
    try {
      const answered = s.get('bob', '/cgi-bin/info');
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await state(s, 'bob')).toBe('exited');
      expect(w.logs().some((l) => l.msg === 'wake started' && l.tenant === 'bob')).toBe(true);
      db.prepare('DELETE FROM locks WHERE key = ?').run('bob');
      const r = await answered;
      expect(r.status).toBe(200);
      expect(r.body).toContain('tenant=bob');
    } finally {
      db.prepare('DELETE FROM locks WHERE key = ?').run('bob');
      db.close();
    }
  });
});

afterAll(() => {
  if (process.env.FEATHER_TEST_DEBUG) console.log(w.logs().map((l) => JSON.stringify(l)).join('\n'));
});
