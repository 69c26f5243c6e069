// Sleep/wake benchmarks (issue 4). Run after `npm run build`: node bench/wake.mjs
//  1. Wake latency: a request through Caddy to a stopped tenant until the first byte of the
//     tenant's own response, against a bare `podman start` plus polling the port.
//  2. A POST with a body to a stopped tenant: the 307 round trip it costs on top.
//  3. `sweep` over 200 tenants: wall time and podman calls, against one bare `podman ps`.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './lib.mjs';
import { DOMAIN, IMAGE, firstByte, median, ms, pct, sleep, startStack } from './wake-lib.mjs';

/** @type {import('./lib.mjs').Row[]} */
const rows = [];

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const SEEDED = Number(process.env.SEEDED ?? 200);

/** @param {string} obj */
async function stopped(obj) {
  await execa('podman', ['stop', '-t', '5', obj]);
  await sleep(200);
}

async function wakeLatency() {
  const s = await startStack('wake', '41000-41001');
  try {
    await s.run(['add', 't1']);
    const obj = `${s.prefix}t1`;
    const port = JSON.parse(await s.run(['list', '--json']))[0].port;
    await s.watchdog({ FEATHER_TENANT_IDLE_MINUTES: '600' });
    const host = `t1.${DOMAIN}`;
    const ours = [];
    const raw = [];
    const post = [];
    for (let i = 0; i < ROUNDS; i++) {
      await stopped(obj);
      const r = await firstByte(s.httpPort, host, '/');
      if (r.status !== 200) throw new Error(`wake answered ${r.status}`);
      ours.push(r.ms);

      await stopped(obj);
      const t0 = performance.now();
      await execa('podman', ['start', obj]);
      for (;;) {
        const ok = await firstByte(port, host, '/').then((x) => x.status === 200, () => false);
        if (ok) break;
        await sleep(10);
      }
      raw.push(performance.now() - t0);

      await stopped(obj);
      const t1 = performance.now();
      const body = 'x'.repeat(10_000);
      const first = await firstByte(s.httpPort, host, '/cgi-bin/check', { method: 'POST', body });
      if (first.status !== 307) throw new Error(`POST to a sleeping tenant answered ${first.status}`);
      const again = await firstByte(s.httpPort, host, '/cgi-bin/check', { method: 'POST', body });
      if (again.status !== 403) throw new Error(`repeated POST answered ${again.status}`);
      post.push(performance.now() - t1);
    }
    const m = median(ours);
    const b = median(raw);
    console.log(`wake latency, request through Caddy to first byte (${ROUNDS} rounds):`);
    console.log(`  ours (Caddy error route -> wake server -> podman start -> poll -> proxy): median ${ms(m)}, p90 ${ms(pct(ours, 0.9))}`);
    console.log(`  raw  (podman start + poll the port every 10 ms):                         median ${ms(b)}, p90 ${ms(pct(raw, 0.9))}`);
    console.log(`  difference ${ms(m - b)} (aim: within 300 ms), ratio ${(m / b).toFixed(2)}x`);
    console.log(`  POST with a 10 KB body, 307 + repeat until the tenant's answer: median ${ms(median(post))} (${ms(median(post) - m)} over a GET wake)`);
    rows.push({ what: 'wake: request to a stopped tenant -> first byte of its response', ours: m, raw: b, aim: 'within 300 ms of raw' });
    rows.push({ what: 'wake: POST with a body (307, then repeated)', ours: median(post), raw: b, aim: '-' });
  } finally {
    await s.cleanup();
  }
}

async function sweep200() {
  const s = await startStack('sweep', '41010-41014');
  try {
    for (let i = 0; i < 5; i++) await s.run(['add', `run${i}`]);
    // 200 more tenants, created but not running (as asleep ones are): rows in SQLite and
    // containers with our labels, cheaply (no port, no network, no volume).
    const names = Array.from({ length: SEEDED }, (_, i) => `seed${i}`);
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(names.slice(i, i + 8).map((n) => execa('podman', [
        'create', '--name', `${s.prefix}${n}`, '--pull', 'never', '--network', 'none',
        '--label', 'io.feather-tenant.managed=true', '--label', `io.feather-tenant.prefix=${s.prefix}`, '--label', `io.feather-tenant.tenant=${n}`, IMAGE,
      ])));
    }
    const db = new Database(join(s.env.FEATHER_TENANT_STATE_DIR, 'state.db'));
    const ins = db.prepare(`INSERT INTO tenants (name, port, status, image, volume, created_at, updated_at, asleep_at) VALUES (?, ?, 'active', ?, ?, 0, 0, 1)`);
    db.transaction(() => names.forEach((n, i) => ins.run(n, 50_000 + i, IMAGE, `${s.prefix}${n}`)))();
    db.close();

    // Count podman calls through a wrapper.
    const calls = join(s.dir, 'podman-calls');
    const wrapper = join(s.dir, 'podman-counting');
    writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> '${calls}'\nexec podman "$@"\n`);
    chmodSync(wrapper, 0o755);
    const countCalls = () => {
      const lines = readFileSync(calls, 'utf8').trim().split('\n');
      writeFileSync(calls, '');
      return lines.reduce((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), /** @type {Record<string, number>} */ ({}));
    };
    writeFileSync(calls, '');
    const env = { FEATHER_TENANT_PODMAN: wrapper, FEATHER_TENANT_IDLE_MINUTES: '0.0001' };

    // Stopping the 5, ours and raw alternately, 3 times each (the 5 are started again before each).
    const running = Array.from({ length: 5 }, (_, i) => `${s.prefix}run${i}`);
    const stops = [];
    const rawStops = [];
    let first;
    let stoppingCalls;
    let t0;
    for (let k = 0; k < 3; k++) {
      if (k > 0) await execa('podman', ['start', ...running]);
      await sleep(100);
      t0 = performance.now();
      const r = JSON.parse(await s.run(['sweep', '--json'], env));
      stops.push(performance.now() - t0);
      first ??= r;
      stoppingCalls ??= countCalls();
      // The raw steps of that sweep: one podman ps, one podman stop of the same five.
      await execa('podman', ['start', ...running]);
      t0 = performance.now();
      await execa('podman', ['ps', '-a', '--format', 'json', '--filter', `label=io.feather-tenant.prefix=${s.prefix}`]);
      await execa('podman', ['stop', '-t', '10', ...running]);
      rawStops.push(performance.now() - t0);
    }
    countCalls();
    const stopping = median(stops);
    const rawStopping = median(rawStops);

    const idle = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      await s.run(['sweep', '--json'], env);
      idle.push(performance.now() - t0);
    }
    const idleCalls = countCalls();
    const raw = [];
    const node = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      await execa('podman', ['ps', '-a', '--format', 'json', '--filter', `label=io.feather-tenant.prefix=${s.prefix}`]);
      raw.push(performance.now() - t0);
      t0 = performance.now();
      await execa('node', ['-e', '0']);
      node.push(performance.now() - t0);
    }
    console.log(`sweep over ${SEEDED + 5} tenants (${SEEDED} stopped, 5 running and idle):`);
    console.log(`  sweep stopping the 5 idle ones: median ${ms(stopping)} of 3 (raw ${ms(rawStopping)}); podman calls ${JSON.stringify(stoppingCalls)}; stopped ${first.stopped.length}`);
    console.log(`  sweep with nothing to stop:     median ${ms(median(idle))} of 5; podman calls per sweep ${JSON.stringify(Object.fromEntries(Object.entries(idleCalls).map(([k, v]) => [k, v / 5])))}`);
    console.log(`  raw podman ps -a --format json: median ${ms(median(raw))}; bare node start: median ${ms(median(node))}`);
    console.log(`  ratio sweep / (podman ps + node start): ${(median(idle) / (median(raw) + median(node))).toFixed(2)}x (aim: under 2 s in all)`);
    rows.push({ what: `sweep over ${SEEDED + 5} tenants, nothing to stop (raw: podman ps + node start)`, ours: median(idle), raw: median(raw) + median(node), aim: 'under 2000 ms, 1 podman call' });
    rows.push({ what: `sweep over ${SEEDED + 5} tenants, stopping 5 (raw: podman ps + podman stop of the 5 + node start)`, ours: stopping, raw: rawStopping + median(node), aim: 'under 2000 ms' });
  } finally {
    await s.cleanup();
  }
}

await wakeLatency();
await sweep200();
report(rows);
