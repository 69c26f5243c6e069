import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, waitFor, type Stack, type Watchdog } from '../helpers/stack.js';
import { tune } from '../helpers/wake.js';
import { state } from '../helpers/podman.js';

// The watchdog as a daemon: its own sweeps (idle timeout 3 s, every second; ready timeout 5 s),
// metrics and health, podman and Caddy failing under it, and a clean SIGTERM.

let s: Stack;
let w: Watchdog;
let podmanDown: string;
beforeAll(async () => {
  s = await startStack({ ports: 2 });
  // A podman that fails while a flag file exists, to imitate a podman hiccup.
  podmanDown = join(s.dir, 'podman-down');
  const wrapper = join(s.dir, 'flaky-podman');
  writeFileSync(wrapper, `#!/bin/sh\nif [ -e '${podmanDown}' ]; then echo 'Error: simulated podman outage' >&2; exit 125; fi\nexec podman "$@"\n`);
  chmodSync(wrapper, 0o755);
  expect((await s.run(['add', 'idle'])).exitCode).toBe(0);
  expect((await s.run(['add', 'busy'])).exitCode).toBe(0);
  w = await s.startWatchdog({
    FEATHER_TENANT_IDLE_MINUTES: '0.05', FEATHER_TENANT_SWEEP_INTERVAL: '1', FEATHER_TENANT_READY_TIMEOUT: '5', FEATHER_TENANT_PODMAN: wrapper,
  });
});
afterAll(async () => {
  await s?.cleanup();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logged = (msg: string) => waitFor(() => Promise.resolve(w.logs().some((l) => l.msg === msg)), 15_000, `log line "${msg}"`);
const asleep = (name: string) => waitFor(async () => (await state(s, name)) === 'exited', 15_000, `${name} asleep`);

describe('watchdog', () => {
  it('puts an idle tenant to sleep by itself and keeps one with a request every second; metrics and health say so', async () => {
    const t0 = Date.now();
    while (Date.now() - t0 < 8_000) {
      expect((await s.get('busy', '/cgi-bin/info')).status).toBe(200);
      await wait(1_000);
    }
    expect(await state(s, 'idle')).toBe('exited');
    expect(await state(s, 'busy')).toBe('running');
    expect(w.logs()).toContainEqual(expect.objectContaining({ level: 'info', msg: 'sweep', stopped: ['idle'] }));

    expect(await w.metric('feather_tenant_sweeps_total{result="ok"}')).toBeGreaterThanOrEqual(2);
    expect(await w.metric('feather_tenant_swept_tenants_total')).toBe(1);
    expect(await w.metric('feather_tenant_tenants{state="asleep"}')).toBe(1);
    expect(await w.metric('feather_tenant_tenants{state="running"}')).toBe(1);
    expect(await w.metric('feather_tenant_last_sweep_timestamp_seconds')).toBeGreaterThan(t0 / 1000);
    const health = await fetch(`${w.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, wakesInFlight: 0 });

    const r = await s.get('idle', '/cgi-bin/info');
    expect(r.body).toContain('tenant=idle');
    expect(await w.metric('feather_tenant_wakes_total{result="ok"}')).toBe(1);
    expect(await w.metric('feather_tenant_wake_duration_seconds_count')).toBe(1);
    expect(await w.metric('feather_tenant_container_starts_total')).toBe(1);
  });

  it('a held request gets 503 with Retry-After when the tenant does not answer within the ready timeout', async () => {
    await tune(s, 'idle', 'start', 9);
    await asleep('idle');
    const r = await s.get('idle', '/cgi-bin/info');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('10');
    expect(r.body).toContain('idle did not start: did not answer HTTP within 5 s');
    expect(await w.metric('feather_tenant_wakes_total{result="failed"}')).toBe(1);
    // The container keeps starting: once the app is up, requests go through again.
    await waitFor(async () => (await s.get('idle', '/cgi-bin/info')).status === 200, 20_000, 'idle up');
    await tune(s, 'idle', 'start', 0);
  });

  it('keeps working through podman and Caddy failing for a while, and says so in its logs', async () => {
    await asleep('idle');
    const from = w.logs().length;
    writeFileSync(podmanDown, '');
    await logged('sweep failed; trying again next interval');
    const health = (await (await fetch(`${w.url}/healthz`)).json()) as { ok: boolean; lastSweepError?: string };
    expect(health.ok).toBe(true);
    expect(health.lastSweepError).toContain('simulated podman outage');
    const r = await s.get('idle', '/cgi-bin/info');
    expect(r.status).toBe(503);
    expect(r.body).toContain('simulated podman outage');
    // Four more sweeps fail, and wakes after the failed one's memory (5 s): each told once.
    await wait(5_500);
    expect((await s.get('idle', '/cgi-bin/info')).status).toBe(503);
    const times = (msg: string) => w.logs().slice(from).filter((l) => l.msg === msg).length;
    expect(times('sweep failed; trying again next interval')).toBe(1);
    expect(times('tenant isolation check failed; retrying every sweep')).toBe(1);
    expect(times('podman cannot start tenants: wakes fail until it works again')).toBe(1);
    expect(times('wake failed')).toBe(0);
    rmSync(podmanDown);
    await logged('sweeps work again');
    expect(w.logs().find((l) => l.msg === 'sweeps work again')).toMatchObject({ outage: 'sweeps', failedTotal: expect.any(Number) as number });

    await s.stopCaddy();
    await logged('Caddy check failed; retrying every sweep');
    await s.startCaddy({ resume: true });
    await logged('Caddy reachable again');
    // Caddy came back with its config (and so the wake route): the wake works, nothing repaired.
    await waitFor(async () => (await s.get('idle', '/cgi-bin/info')).status === 200, 15_000, 'idle awake');
    expect(w.logs().some((l) => l.msg === 'repaired Caddy config')).toBe(false);
    expect(w.logs().filter((l) => l.msg === 'Caddy check failed; retrying every sweep')).toHaveLength(1);
    expect(w.logs().map((l) => l.msg)).toContain('podman starts tenants again');
  });

  it('on SIGTERM it finishes the wake in flight, answers the held request, and exits 0', async () => {
    await tune(s, 'busy', 'start', 1);
    await asleep('busy');
    const wakes = () => w.logs().filter((l) => l.msg === 'wake started' && l.tenant === 'busy').length;
    const before = wakes();
    const held = s.get('busy', '/cgi-bin/info');
    await waitFor(() => Promise.resolve(wakes() > before), 5_000, 'the wake to start');
    const code = await w.stop('SIGTERM');
    const r = await held;
    expect(r.status).toBe(200);
    expect(r.body).toContain('tenant=busy');
    expect(code).toBe(0);
    const msgs = w.logs().map((l) => l.msg);
    expect(msgs.indexOf('shutting down: finishing wakes in flight')).toBeLessThan(msgs.lastIndexOf('wake finished'));
    expect(msgs.at(-1)).toBe('watchdog stopped');
    await expect(fetch(`${w.url}/healthz`)).rejects.toThrow();
  });
});

afterAll(() => {
  if (process.env.FEATHER_TEST_DEBUG) console.log(w.logs().slice(-15).map((l) => JSON.stringify(l)).join('\n'));
});
