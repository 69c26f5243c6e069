import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { NOW, sweepJson } from '../helpers/wake.js';
import { state } from '../helpers/podman.js';

// `sweep` against real podman and Caddy with the idle timeout shortened to seconds: idle tenants
// go to sleep, busy ones stay up, whether busy means requests or one long streaming response.

let s: Stack;
beforeAll(async () => {
  s = await startStack({ ports: 4 });
});
afterAll(async () => {
  await s?.cleanup();
});
// Each test starts from no tenants, whatever the previous one left.
afterEach(async () => {
  const left = JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string }[];
  for (const t of left) await s.run(['remove', t.name, '--purge', '--yes']);
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function add(...names: string[]): Promise<void> {
  for (const n of names) expect((await s.run(['add', n])).exitCode).toBe(0);
}

describe('sweep', () => {
  it('stops an idle tenant (a dry run first changes nothing) and leaves one with a request every second', async () => {
    await add('idle');
    const idleSince = Date.now();
    await add('busy');
    const stopped = new Set<string>();
    let dryRunSaid: string[] | undefined;
    let nextSweep = 0;
    let lastRequestBeforeSweep = 0;
    let requestStarted = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 9_000) {
      requestStarted = Date.now();
      const r = await s.get('busy', '/cgi-bin/info');
      expect(r.status).toBe(200);
      if (dryRunSaid === undefined && Date.now() - idleSince > 3_500) {
        // idle is past its 3 s: the dry run names it and stops nothing
        dryRunSaid = (await sweepJson(s, '0.05', { args: ['--dry-run'] })).stopped.map((x) => x.name);
        expect(await state(s, 'idle')).toBe('running');
      } else if (dryRunSaid !== undefined && Date.now() >= nextSweep) {
        nextSweep = Date.now() + 2_000;
        lastRequestBeforeSweep = requestStarted;
        for (const x of (await sweepJson(s, '0.05')).stopped) stopped.add(x.name);
      }
      await wait(1_000);
    }
    expect(dryRunSaid).toEqual(['idle']);
    expect([...stopped]).toEqual(['idle']);
    expect(await state(s, 'idle')).toBe('exited');
    expect(await state(s, 'busy')).toBe('running');

    const list = JSON.parse((await s.run(['list', '--json'])).stdout) as { name: string; state: string; lastActive: string | null }[];
    expect(list.map((e) => [e.name, e.state])).toEqual([['busy', 'running'], ['idle', 'asleep']]);
    // The last sweep read busy's request before it from the access log: that is its LAST ACTIVE.
    expect(Date.parse(list[0]?.lastActive ?? '')).toBeGreaterThanOrEqual(lastRequestBeforeSweep);
    const table = (await s.run(['list'])).stdout;
    expect(table).toMatch(/STATE\s+LAST ACTIVE/);
    expect(table).toMatch(/busy .*running\s+\d+s ago/);
    expect(table).toMatch(/idle .*asleep\s+(\d+s ago|-)/);

    const text = await s.run(['sweep'], { FEATHER_TENANT_IDLE_MINUTES: '60' });
    expect(text.stdout.trim()).toBe('nothing to stop (1 running)');
  });

  it('a tenant streaming one long response stays up through its traffic; an idle one beside it goes', async () => {
    await add('quiet', 'streamer');
    const env = { FEATHER_TENANT_ACTIVE_TRAFFIC: '1000' };
    // 24 s of 500 bytes a second, from right after streamer's start; Caddy logs the request
    // only when it ends. The first sweep takes a traffic baseline, the next ones see it grow.
    const stream = s.get('streamer', '/cgi-bin/stream?24');
    let ended = false;
    void stream.finally(() => (ended = true));
    const stopped = new Set<string>();
    while (!ended) {
      for (const x of (await sweepJson(s, '0.2', { env })).stopped) stopped.add(x.name); // 12 s idle
      await wait(700);
    }
    const body = (await stream).body;
    expect(body.trim().split('\n')).toHaveLength(25);
    expect(body.trim().endsWith('done')).toBe(true);
    expect([...stopped]).toEqual(['quiet']);
    expect(await state(s, 'streamer')).toBe('running');
  });

  it('a pinned tenant is never put to sleep; unpinned, it is', async () => {
    await add('pinned');
    expect((await s.run(['pin', 'pinned'])).stdout.trim()).toBe('pinned pinned: sweeps leave it running');
    await wait(200);
    const kept = await sweepJson(s, '0.001', { env: NOW.env });
    expect(kept.stopped).toEqual([]);
    expect(kept.kept).toContainEqual(expect.objectContaining({ name: 'pinned', reason: 'pinned' }));
    expect((await s.run(['list'])).stdout).toMatch(/running, pinned/);
    expect((await s.run(['unpin', 'pinned', '--json'])).stdout).toContain('"pinned": false');
    expect((await sweepJson(s, '0.001', { env: NOW.env })).stopped.map((x) => x.name)).toEqual(['pinned']);
    expect(await state(s, 'pinned')).toBe('exited');

    expect((await s.run(['pin', 'nobody'])).exitCode).toBe(3);
    expect((await s.run(['pin', 'Bad'])).exitCode).toBe(2);
    const badIdle = await s.run(['sweep'], { FEATHER_TENANT_IDLE_MINUTES: 'soon' });
    expect(badIdle.exitCode).toBe(2);
    expect(badIdle.stderr).toContain('FEATHER_TENANT_IDLE_MINUTES');
  });
});

describe('Caddy setup by add', () => {
  it('on a Caddy without them, the first add sets up the access log and the wake route; later adds change nothing there', async () => {
    const bare = await startStack({ ports: 2, bareCaddy: true });
    try {
      const first = await bare.run(['add', 'one']);
      expect(first.exitCode).toBe(0);
      expect(first.stderr).toContain('Caddy: add access log');
      expect(first.stderr).toContain(`Caddy: add wake route ${bare.prefix}wake`);
      const config = await bare.caddyConfig();
      const second = await bare.run(['add', 'two']);
      expect(second.exitCode).toBe(0);
      expect(second.stderr).not.toContain('Caddy:');

      const cfg = JSON.parse(config) as {
        logging: { logs: Record<string, { writer: { filename: string }; include: string[] }> };
        apps: { http: { servers: { tenants: { logs: unknown; errors: { routes: { '@id': string }[] } } } } };
      };
      expect(cfg.logging.logs.feather_tenant_access?.writer.filename).toBe(bare.env.FEATHER_TENANT_ACCESS_LOG);
      expect(cfg.apps.http.servers.tenants.errors.routes.map((r) => r['@id'])).toEqual([`${bare.prefix}wake`]);
      // And the log really fills: a request to a tenant appears in it, host by host.
      expect((await bare.get('one', '/cgi-bin/info')).status).toBe(200);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(bare.env.FEATHER_TENANT_ACCESS_LOG as string, 'utf8')).toContain('"host":"one.test.local"');
    } finally {
      await bare.cleanup();
    }
  });
});
