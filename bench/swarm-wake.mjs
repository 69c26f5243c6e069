// Wake latency, swarm backend against podman, in one run (issue 14). Needs root, podman and the
// two-node harness (scripts/swarm-harness.sh; brought up here if it is not, and taken down again).
//  swarm raw:  `docker service scale S=1` until the first answer through Caddy on the manager,
//              for a tenant pinned to node 2 (so across the overlay network).
//  swarm CLI:  `feather-tenant start` (scale 1, waits for the task) until that first answer.
//  podman:     `podman start` of the same image until the first answer on its published port.
// Each first answer is polled every 50 ms (curl in the manager's network namespace for swarm).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, IMAGE, ROOT, median } from './lib.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const harness = join(ROOT, 'scripts/swarm-harness.sh');
// the harness's own variables (scripts/swarm-harness.sh), its defaults when unset
const BASE = process.env.FEATHER_SWARM_BASE ?? '/tmp/feather-swarm';
const NS = process.env.FEATHER_SWARM_NS ?? 'fts';
const DOCKER = '/var/cache/feather-tenant-swarm/root/usr/bin/docker';
const inManager = ['nsenter', `--net=/run/netns/${NS}-n1`, '--'];

/** @param {string[]} argv @param {Record<string, string>} [env] */
function run(argv, env = {}) {
  const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
/** @param {() => boolean} answered */
async function until(answered) {
  for (let i = 0; i < 1200; i++) {
    if (answered()) return;
    await sleep(50);
  }
  throw new Error('no answer within 60 s');
}
/** @param {string[]} curl */
const answers = (curl) => spawnSync(curl[0] ?? '', curl.slice(1), { encoding: 'utf8' }).stdout.trim() === '200';

const wasUp = spawnSync(DOCKER, ['-H', `unix://${BASE}/n1/docker.sock`, 'info'], { stdio: 'ignore' }).status === 0;
if (!wasUp) run(['bash', harness, 'up']);
const state = mkdtempSync(join(tmpdir(), 'ftb-swarm-'));
const env = {
  FEATHER_TENANT_BACKEND: 'swarm', FEATHER_TENANT_DOCKER: DOCKER, DOCKER_HOST: `unix://${BASE}/n1/docker.sock`,
  FEATHER_TENANT_STATE_DIR: state, FEATHER_TENANT_CADDY_ADMIN: `unix:${BASE}/caddy/admin.sock`, FEATHER_TENANT_PREFIX: 'ftsb-',
  FEATHER_TENANT_DOMAIN: 'bench.test', FEATHER_TENANT_SCHEME: 'http', FEATHER_TENANT_IMAGE: IMAGE, FEATHER_TENANT_ACCESS_LOG: '/tmp/access.log',
};
const cli = (/** @type {string[]} */ ...args) => run([...inManager, process.execPath, CLI, ...args], env);
const viaCaddy = [...inManager, 'curl', '-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code}', '-H', 'Host: alice.bench.test', 'http://127.0.0.1:8080/'];
const podmanPort = 39391;
const direct = ['curl', '-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code}', `http://127.0.0.1:${podmanPort}/`];

/** @type {Record<string, number[]>} */
const times = { 'swarm raw scale 0->1': [], 'swarm feather-tenant start': [], 'podman start': [] };
try {
  cli('add', 'alice', '--node', '2');
  run(['podman', 'run', '-d', '--name', 'ftsb-podman', '--init', '-p', `127.0.0.1:${podmanPort}:8080`, IMAGE]);
  for (let i = 0; i < ROUNDS; i++) {
    cli('stop', 'alice');
    let t0 = performance.now();
    run([DOCKER, '-H', `unix://${BASE}/n1/docker.sock`, 'service', 'scale', '--detach', 'ftsb-alice=1']);
    await until(() => answers(viaCaddy));
    times['swarm raw scale 0->1']?.push(performance.now() - t0);
    cli('stop', 'alice');
    t0 = performance.now();
    cli('start', 'alice');
    await until(() => answers(viaCaddy));
    times['swarm feather-tenant start']?.push(performance.now() - t0);
    run(['podman', 'stop', '-t', '2', 'ftsb-podman']);
    t0 = performance.now();
    run(['podman', 'start', 'ftsb-podman']);
    await until(() => answers(direct));
    times['podman start']?.push(performance.now() - t0);
  }
  for (const [what, xs] of Object.entries(times)) {
    console.log(`${what.padEnd(28)} median ${median(xs).toFixed(0)} ms  (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}; ${xs.length} wakes)`);
  }
} finally {
  spawnSync(inManager[0] ?? '', [...inManager.slice(1), process.execPath, CLI, 'remove', 'alice'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  spawnSync('podman', ['rm', '-f', 'ftsb-podman'], { stdio: 'ignore' });
  // remove keeps the volume; the task's container goes a moment after its service
  for (let i = 0; i < 50 && spawnSync(DOCKER, ['-H', `unix://${BASE}/n2/docker.sock`, 'volume', 'rm', 'ftsb-alice'], { stdio: 'ignore' }).status !== 0; i++) await sleep(200);
  rmSync(state, { recursive: true, force: true });
  if (!wasUp) spawnSync('bash', [harness, 'down'], { stdio: 'ignore' });
}
