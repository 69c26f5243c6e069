#!/usr/bin/env node
// `npm run bench:upgrade`: how long `upgrade` takes a running tenant to a new image, against the
// floor a bare podman gives, in one run, and how long a request held meanwhile waited.
//  - ours: from spawning `feather-tenant upgrade alice --image X` to the tenant answering on the
//    new image (a poller GETs its port straight, every 5 ms: the first answer after the gap where
//    nothing answered). The CLI's own start-up is inside this time.
//  - bare: `podman stop` of a tenant's container, `podman run` of the same argv (the same
//    secure spec, made by the same code, see src/podman/run-args.ts) under a new name, and the
//    same port poll until it answers. No holding, no rollback safety, no state.
//  - held: a steady load through Caddy during ours (a GET every 50 ms, the watchdog holding what
//    arrives during the switch): every request's result, and the longest one.
// Each round runs ours, then the bare steps, so both see the same load on a shared machine.
// Loopback only; a private Caddy, state dir and prefix; cleaned up even when a part fails.
import { execa } from 'execa';
import { request } from 'node:http';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';
import { DOMAIN, freePort, median, sleep, startStack } from './wake-lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const NODE_IMAGE = process.env.FEATHER_TEST_NODE_IMAGE ?? 'localhost/feather-work-node:latest';
const { resolveConfig } = /** @type {typeof import('../src/core/config.js')} */ (await import(join(ROOT, 'dist/core/config.js')));
const { tenantRunSpec } = /** @type {typeof import('../src/core/tenant-run-spec.js')} */ (await import(join(ROOT, 'dist/core/tenant-run-spec.js')));
const { runArgv } = /** @type {typeof import('../src/podman/run-args.js')} */ (await import(join(ROOT, 'dist/podman/run-args.js')));

/** @param {number} port  @param {string} [host] @returns {Promise<{ ok: boolean, status: number }>} */
function get(port, host) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: host ? { host } : {}, agent: false, timeout: 120_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0 }));
    });
    req.on('error', () => resolve({ ok: false, status: 0 }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Polls the port every 5 ms from now on; `until(t0)` resolves with the ms from t0 to the first
 * answer after the port stopped answering (the new container's first answer).
 * @param {number} port
 */
function poller(port) {
  let gap = false;
  /** @type {number | undefined} */
  let answeredAt;
  let stop = false;
  const loop = (async () => {
    while (!stop && answeredAt === undefined) {
      const r = await get(port);
      if (!r.ok) gap = true;
      else if (gap) answeredAt = performance.now();
      await sleep(5);
    }
  })();
  return {
    /** @param {number} t0 */
    async until(t0) {
      await loop;
      return /** @type {number} */ (answeredAt) - t0;
    },
    async cancel() {
      stop = true;
      await loop;
    },
  };
}

const build = async (/** @type {string} */ tag) => {
  const dir = (await execa('mktemp', ['-d'])).stdout;
  await execa('sh', ['-c', `printf 'FROM ${NODE_IMAGE}\\nLABEL feather-tenant.bench-upgrade=${tag}\\n' > ${dir}/Containerfile`]);
  await execa('podman', ['build', '--pull=never', '-q', '-t', `localhost/feather-bench-upgrade-${tag}:latest`, dir]);
  await execa('rm', ['-rf', dir]);
  return `localhost/feather-bench-upgrade-${tag}:latest`;
};

const first = await freePort();
const s = await startStack('upgrade', `${first}-${first + 3}`);
/** @type {string[]} */
const images = [];
try {
  const tag = process.pid.toString(36);
  images.push(await build(`${tag}a`), await build(`${tag}b`));
  await s.run(['add', 'alice', '--image', NODE_IMAGE]);
  await s.run(['add', 'bare', '--image', NODE_IMAGE]);
  await s.watchdog({ FEATHER_TENANT_IDLE_MINUTES: '600' });
  const rows = /** @type {{ name: string, port: number }[]} */ (JSON.parse(await s.run(['list', '--json'])));
  const portOf = (/** @type {string} */ n) => /** @type {number} */ (rows.find((r) => r.name === n)?.port);

  const config = resolveConfig({ ...s.env });
  const spec = tenantRunSpec(config, { name: 'bare', port: portOf('bare'), image: NODE_IMAGE }, {});
  const bare = [];
  let current = `${s.prefix}bare`;
  const ours = [];
  const cli = [];
  const held = [];
  let requests = 0;
  let failed = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const image = images[i % 2] ?? NODE_IMAGE;
    // The load: a GET through Caddy every 50 ms, from before the upgrade until after it.
    /** @type {Promise<void>[]} */
    const load = [];
    let maxMs = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      load.push(get(s.httpPort, `alice.${DOMAIN}`).then((r) => {
        requests += 1;
        maxMs = Math.max(maxMs, performance.now() - t);
        if (r.status !== 200) failed += 1;
      }));
    }, 50);
    await sleep(300);
    const poll = poller(portOf('alice'));
    const t0 = performance.now();
    const r = await execa('node', [join(ROOT, 'bin/feather-tenant.js'), 'upgrade', 'alice', '--image', image], { env: s.env, extendEnv: false, reject: false });
    cli.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`upgrade failed: ${r.stderr}`);
    ours.push(await poll.until(t0));
    await sleep(300);
    clearInterval(timer);
    await Promise.all(load);
    held.push(maxMs);

    // The bare steps right after, on the other tenant's container: both see the same machine.
    const next = `${s.prefix}bare-${i}`;
    const barePoll = poller(portOf('bare'));
    const b0 = performance.now();
    await execa('podman', ['stop', '--time', '10', current]);
    await execa('podman', runArgv('run', { ...spec, name: next, image }));
    bare.push(await barePoll.until(b0));
    await execa('podman', ['rm', current]);
    current = next;
  }


  const m = (/** @type {number[]} */ xs) => median(xs).toFixed(0);
  console.log(`\nupgrade of a running tenant (${ROUNDS} rounds each, node stand-in image, median ms):\n`);
  console.log('| measurement | ms (median) | all rounds |');
  console.log('|---|---|---|');
  console.log(`| ours: upgrade start to the tenant answering on the new image | ${m(ours)} | ${ours.map((x) => x.toFixed(0)).join(', ')} |`);
  console.log(`| bare: podman stop + podman run + port poll | ${m(bare)} | ${bare.map((x) => x.toFixed(0)).join(', ')} |`);
  console.log(`| ratio ours / bare (aim: within 1.3x) | ${(median(ours) / median(bare)).toFixed(2)}x | |`);
  console.log(`| the whole upgrade command (old container removed, new one renamed) | ${m(cli)} | ${cli.map((x) => x.toFixed(0)).join(', ')} |`);
  console.log(`| longest wait of a request held during the switch | ${m(held)} | ${held.map((x) => x.toFixed(0)).join(', ')} |`);
  console.log(`\nrequests through Caddy during the upgrades: ${requests}, not answered 200: ${failed}`);
} finally {
  await s.cleanup();
  for (const i of images) await execa('podman', ['rmi', i], { reject: false });
}
