// Wake latency, swarm backend against podman, in one run (issue 14): `npm run bench:swarm`. Needs
// root, podman and the two-node harness (scripts/swarm-harness.sh, with FEATHER_SWARM_NS, _BASE
// and _SUBNET as given; brought up here if it is not, and then taken down again). ROUNDS rounds
// (default 5), each measuring the four in turn so drift hits them alike:
//  swarm, ours:   a tenant pinned to node 2, put to sleep by a sweep (scaled to 0, marked asleep);
//                 a GET through Caddy on the manager (its Host, no `Accept: text/html`: held, not the
//                 waiting page) from the request to the first byte of the tenant's own answer
//                 (curl's time_starttransfer), the watchdog waking it (scale 1, probe, relay).
//  swarm, raw:    asleep the same way; `docker service scale --detach S=1` (what the wake runs),
//                 then Caddy's direct route polled every 10 ms until the app answers (the
//                 watchdog's own probe; the public route would wake it through the watchdog).
//  podman, ours:  the same GET to a tenant asleep by a sweep on this host's podman, through its
//                 private Caddy and watchdog (bench/wake-lib.mjs, as bench/wake.mjs).
//  podman, raw:   `podman start` + its published port polled every 10 ms.
import { execa } from 'execa';
import { report } from './lib.mjs';
import { DOMAIN, IMAGE, firstByte, median, sleep, startStack } from './wake-lib.mjs';
import { swarmSide, until } from './swarm-lib.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const NAME = 't1';
const HOST = `${NAME}.${DOMAIN}`;
// The watchdog never sweeps during the run; the bench's own sweep finds every tenant idle at once.
const WATCHDOG = { FEATHER_TENANT_IDLE_MINUTES: '600', FEATHER_TENANT_SWEEP_INTERVAL: '3600' };
const IDLE_NOW = { FEATHER_TENANT_IDLE_MINUTES: '0.0001' };

/** @typedef {(args: string[], extra?: Record<string, string>) => Promise<string>} Run */

/** Asleep the way the watchdog puts it to sleep: a sweep that finds it idle (stopped, marked asleep). */
/** @param {Run} run */
async function sweepToSleep(run) {
  for (let i = 0; ; i++) {
    const r = JSON.parse(await run(['sweep', '--json'], IDLE_NOW));
    if (r.stopped.some((/** @type {{ name: string }} */ s) => s.name === NAME)) return;
    if (i === 50) throw new Error(`the sweep kept ${NAME}: ${JSON.stringify(r.kept)}`);
    await sleep(200);
  }
}

/** @type {Awaited<ReturnType<typeof swarmSide>> | undefined} */
let sw;
/** @type {Awaited<ReturnType<typeof startStack>> | undefined} */
let pm;
/** @type {Promise<unknown> | undefined} */
let cleaning;
const cleanup = () => (cleaning ??= (async () => {
  await pm?.cleanup().catch((/** @type {Error} */ e) => console.error(`podman cleanup: ${e.message}`));
  await sw?.close().catch((/** @type {Error} */ e) => console.error(`swarm cleanup: ${e.message}`));
})());
// `on`, not `once`: execa's exit handler kills the process again when it finds no other listener
// for the signal, which ended a first cleanup half-way (seen: the watchdog and tenants left).
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => void cleanup().then(() => process.exit(130)));

/** @type {Record<'swarmOurs' | 'swarmRaw' | 'podmanOurs' | 'podmanRaw', number[]>} */
const t = { swarmOurs: [], swarmRaw: [], podmanOurs: [], podmanRaw: [] };
try {
  const s = await swarmSide({ prefix: `${process.env.FEATHER_SWARM_NS ?? 'fts'}b-`, domain: DOMAIN, image: IMAGE });
  sw = s;
  const service = `${s.env.FEATHER_TENANT_PREFIX}${NAME}`;
  await s.cli(['add', NAME, '--node', '2']);
  await s.startWatchdog(WATCHDOG);
  const swarmRun = /** @type {Run} */ ((args, extra) => s.cli(args, extra));
  const swarmAsleep = async () => {
    await sweepToSleep(swarmRun);
    // scale 0 waited for the task; its DNS entry goes a moment later
    await until(async () => !(await s.answers(NAME)) && String((await s.docker(2, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`)).stdout) === '', 'swarm tenant gone');
    await sleep(200);
  };

  const p = await startStack('swarm-wake', '41020-41021');
  pm = p;
  await p.run(['add', NAME]);
  const container = `${p.prefix}${NAME}`;
  const port = JSON.parse(await p.run(['list', '--json']))[0].port;
  await p.watchdog(WATCHDOG);
  const podmanAsleep = async () => {
    await sweepToSleep(p.run);
    await sleep(200);
  };

  for (let i = 0; i < ROUNDS; i++) {
    await swarmAsleep();
    const a = await s.firstByte(NAME);
    if (a.status !== 200) throw new Error(`swarm wake answered ${a.status}`);
    t.swarmOurs.push(a.ms);
    const watchdogMs = s.lastWakeMs();

    await swarmAsleep();
    let t0 = performance.now();
    const scaled = await s.docker(1, 'service', 'scale', '--detach', `${service}=1`);
    if (scaled.exitCode !== 0) throw new Error(`docker service scale: ${scaled.stderr}`);
    const cliMs = performance.now() - t0;
    await until(() => s.answers(NAME), 'swarm raw wake');
    t.swarmRaw.push(performance.now() - t0);

    await podmanAsleep();
    const b = await firstByte(p.httpPort, HOST, '/');
    if (b.status !== 200) throw new Error(`podman wake answered ${b.status}`);
    t.podmanOurs.push(b.ms);

    await podmanAsleep();
    t0 = performance.now();
    await execa('podman', ['start', container]);
    await until(() => firstByte(port, HOST, '/').then((x) => x.status === 200, () => false), 'podman raw wake');
    t.podmanRaw.push(performance.now() - t0);
    const f = (/** @type {number[]} */ xs) => `${(xs.at(-1) ?? NaN).toFixed(0)} ms`;
    console.log(`round ${i + 1}: swarm ours ${f(t.swarmOurs)} (the watchdog's wake ${watchdogMs} ms), raw ${f(t.swarmRaw)} (docker service scale returned in ${cliMs.toFixed(0)} ms); podman ours ${f(t.podmanOurs)}, raw ${f(t.podmanRaw)}`);
  }

  const m = Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, median(xs)]));
  const range = (/** @type {number[]} */ xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
  console.log(`\nwake, request to first byte, ${ROUNDS} rounds: median (min-max) ms`);
  console.log(`  swarm  ours ${m.swarmOurs?.toFixed(0)} (${range(t.swarmOurs)}), raw ${m.swarmRaw?.toFixed(0)} (${range(t.swarmRaw)})`);
  console.log(`  podman ours ${m.podmanOurs?.toFixed(0)} (${range(t.podmanOurs)}), raw ${m.podmanRaw?.toFixed(0)} (${range(t.podmanRaw)})`);
  console.log(`  swarm / podman: ours ${((m.swarmOurs ?? NaN) / (m.podmanOurs ?? NaN)).toFixed(2)}x, raw ${((m.swarmRaw ?? NaN) / (m.podmanRaw ?? NaN)).toFixed(2)}x`);
  report([
    { what: `swarm wake (node 2, Caddy on node 1): request -> first byte, against docker service scale S=1 + polling the direct route`, ours: m.swarmOurs ?? NaN, raw: m.swarmRaw ?? NaN, aim: '-' },
    { what: 'podman wake: request -> first byte, against podman start + polling the port', ours: m.podmanOurs ?? NaN, raw: m.podmanRaw ?? NaN, aim: '-' },
  ]);
} finally {
  await cleanup();
}
