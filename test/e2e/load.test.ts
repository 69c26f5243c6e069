import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { DOMAIN, NODE_IMAGE, startStack, waitFor, type Stack, type Watchdog } from '../helpers/stack.js';
import { sleepAll } from '../helpers/wake.js';
import { podman } from '../helpers/podman.js';

// The watchdog under a burst, through the real Caddy, with the Node stand-in tenant (a real
// listen backlog; busybox's 9 would drop connections by itself): clients that give up are let
// go at once, descriptors and the tenant's connections included, and past the cap on held
// requests the answer is 503 with Retry-After. Loopback only; 150 clients at most.

let s: Stack;
let w: Watchdog;
beforeAll(async () => {
  s = await startStack({ ports: 1, env: { FEATHER_TENANT_IMAGE: NODE_IMAGE } });
  expect((await s.run(['add', 'alice'])).exitCode).toBe(0);
  w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
});
afterAll(async () => {
  await s?.cleanup();
});

const CLIENTS = 150;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fds = () => readdirSync(`/proc/${w.child.pid}/fd`).length;

/** A GET through Caddy that the client abandons after `ms` (or its status and body, if answered before). */
function impatient(path: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: s.httpPort, path, headers: { host: `alice.${DOMAIN}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${body.trim()}`));
    });
    req.on('error', () => resolve('gave up'));
    req.end();
    setTimeout(() => req.destroy(), ms);
  });
}

/** Connections open at the tenant right now (its own count, the request asking included). */
async function openAtTenant(): Promise<number> {
  const r = await s.get('alice', '/open');
  if (r.status !== 200) throw new Error(`/open answered ${r.status}`);
  return (JSON.parse(r.body) as { open: number }).open;
}

async function startDelay(seconds: number): Promise<void> {
  const r = await podman('exec', `${s.prefix}alice`, 'sh', '-c', `echo ${seconds} > /home/user/.feather-start-delay`);
  expect(r.exitCode).toBe(0);
}

/** The watchdog's descriptors at rest: the lowest of a few samples (a sweep's pipes come and go). */
async function baseline(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(fds());
    await wait(100);
  }
  return Math.min(...samples);
}

describe('the watchdog under load', () => {
  it('on a slow endpoint: replayed to the tenant, then cut at the tenant and in the watchdog the moment the clients go', async () => {
    await sleepAll(s, ['alice']);
    const base = await baseline();
    // The wake takes well under a second, so the requests are replayed, and the tenant holds
    // them for 20 s; the clients give up after 2 s.
    const clients = Array.from({ length: CLIENTS }, () => impatient('/slow?ms=20000', 2_000));
    await waitFor(async () => (await openAtTenant()) >= CLIENTS, 10_000, 'the replayed requests at the tenant');
    expect(fds()).toBeGreaterThan(base + CLIENTS);
    expect(new Set(await Promise.all(clients)), JSON.stringify(w.logs().slice(-5))).toEqual(new Set(['gave up']));
    // Nothing of ours times the tenant out: only the clients' leaving can close these.
    await waitFor(async () => (await openAtTenant()) < 5, 5_000, "the tenant's connections to close");
    await waitFor(() => Promise.resolve(fds() <= base + 3), 5_000, `the watchdog's descriptors back to ${base}`);
  });

  it('on a waking tenant: a held request whose client has gone is never replayed', async () => {
    await startDelay(3);
    await sleepAll(s, ['alice']);
    const base = await baseline();
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => impatient('/slow?ms=20000', 1_000)));
    expect(new Set(clients), JSON.stringify(w.logs().slice(-5))).toEqual(new Set(['gave up']));
    // Their slots are free while the tenant is still waking...
    await waitFor(async () => (await w.metric('feather_tenant_held_requests')) === 0, 5_000, 'no request held');
    await waitFor(() => Promise.resolve(fds() <= base + 3), 5_000, `the watchdog's descriptors back to ${base}`);
    // ...and once it is up, none of them reaches it.
    await waitFor(async () => (await s.get('alice', '/')).status === 200, 20_000, 'alice awake');
    expect(await openAtTenant()).toBeLessThan(5);
    expect(await w.metric('feather_tenant_wake_requests_total{kind="abandoned"}')).toBe(CLIENTS);
    expect(await w.metric('feather_tenant_open_fds')).toBeLessThanOrEqual(base + 5);
  });

  it('past FEATHER_TENANT_MAX_HELD: 503 with Retry-After, the held ones answered after the wake, and it keeps serving', async () => {
    await w.stop('SIGTERM');
    // A cap of 10: one tenant may hold half of it, 5.
    w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60', FEATHER_TENANT_MAX_HELD: '10' });
    expect(await w.metric('feather_tenant_max_held_requests')).toBe(10);
    await startDelay(2);
    await sleepAll(s, ['alice']);
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => s.get('alice', `/?${i}`)));
    const ok = all.filter((r) => r.status === 200);
    const refused = all.filter((r) => r.status === 503);
    expect(ok.length).toBe(5);
    for (const r of ok) expect(r.body).toContain('tenant=alice');
    expect(refused.length).toBe(15);
    for (const r of refused) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(await w.metric('feather_tenant_wake_requests_total{kind="over_capacity"}')).toBe(15);
    // One line for the whole episode, and one for its end.
    const msgs = w.logs().map((l) => l.msg).filter((m) => m.includes('held'));
    expect(msgs).toEqual([
      'too many requests held for tenants: answering 503 with Retry-After until some finish (FEATHER_TENANT_MAX_HELD)',
    ]);
    // It keeps serving: the tenant is up, and another wake with held requests works.
    expect((await s.get('alice', '/')).status).toBe(200);
    await sleepAll(s, ['alice']);
    const again = await Promise.all(Array.from({ length: 5 }, () => s.get('alice', '/')));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(w.logs().map((l) => l.msg)).toContain('held requests below the cap again');
  });

  it('fits the default cap to the open-files limit it runs under, and says so', async () => {
    // A `node` first on PATH that lowers the limit, soft and hard, for this watchdog only.
    const bin = join(s.dir, 'low-nofile-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'node'), `#!/bin/sh\nulimit -n 512\nexec '${process.execPath}' "$@"\n`);
    chmodSync(join(bin, 'node'), 0o755);
    await w.stop('SIGTERM');
    w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60', PATH: `${bin}:${s.env.PATH}` });
    expect(await w.metric('feather_tenant_max_fds')).toBe(512);
    expect(await w.metric('feather_tenant_max_held_requests')).toBe(160); // (512 - 192) / 2
    expect(w.logs()).toContainEqual(expect.objectContaining({ msg: 'watchdog started', maxHeld: 160, openFilesLimit: 512 }));
    expect(w.logs()).toContainEqual(expect.objectContaining({ level: 'warn', openFilesLimit: 512, maxHeld: 160 }));
  });
});
