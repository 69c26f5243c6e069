#!/usr/bin/env node
// Issue 6's benchmark: `export` and `import` against the bare podman commands they wrap, on
// volumes of BENCH_SIZES MB (default 100 and 300) of random data, in one run:
//  1. `export T -o F` (tenant stopped beforehand) vs `podman volume export -o F VOL`
//  2. `import F` up to the filled volume (read, verify, spool, `podman volume import`) vs
//     `podman volume create` + `podman volume import`
//  3. the whole `import` (also provisioning the tenant) vs the hand-done steps it replaces:
//     `podman volume create` + `podman volume import` + `feather-tenant add`
//  4. `export | import -` through a pipe vs `podman volume export | podman volume import -`
//  5. downtime of a running tenant during `export` vs `podman stop` + export + `podman start`
// and the peak RSS of our process at each size (it should not grow with the volume).
import { execa } from 'execa';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { benchStack, median, time, CLI } from './lib.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '100,300').split(',').map(Number);
const N = Number(process.env.BENCH_RUNS ?? 3);
const PREFIX = 'ftbenchm-';
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const podman = (/** @type {string[]} */ ...a) => execa('podman', a);
const MB = 1e6;

const s = await benchStack(PREFIX, '19721-19724');
const work = join(s.dir, 'files');
mkdirSync(work);
const ftEnv = { ...s.env, FEATHER_TENANT_TRACE: '1' };

/**
 * Runs our CLI, returning its wall time, its peak RSS (KiB, via GNU time) and its step trace.
 * @param {string[]} args  @param {import('execa').Options} [opts]
 */
async function ours(args, opts = {}) {
  const [bin, ...argv] = GNU_TIME ? [GNU_TIME, '-f', 'maxrss=%M', 'node', CLI, ...args] : ['node', CLI, ...args];
  /** @type {import('execa').Result | undefined} */
  let r;
  const ms = await time(async () => {
    r = await execa(String(bin), argv, { env: ftEnv, extendEnv: false, ...opts });
  });
  if (!r) throw new Error('unreachable: time() ran the command');
  const stderr = String(r.stderr);
  const rss = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? NaN);
  const steps = Object.fromEntries([...stderr.matchAll(/^trace: (\S+) at ([\d.]+) ms$/gm)].map((m) => [m[1], Number(m[2])]));
  return { ms, rss, steps, r };
}

/** @param {string} volume  @param {number} mb */
async function fill(volume, mb) {
  const { stdout: dir } = await podman('volume', 'inspect', '--format', '{{.Mountpoint}}', volume);
  // Mostly 4 MB files of random data (incompressible), plus 400 small files for per-file costs.
  for (let i = 0; i < Math.floor(mb / 4); i++) writeFileSync(join(dir, `blob${i}`), randomBytes(4 * 1024 * 1024));
  mkdirSync(join(dir, 'small'));
  for (let i = 0; i < 400; i++) writeFileSync(join(dir, 'small', `f${i}`), randomBytes(2048));
}

/** @type {{ what: string, size: number, bytes: number, ours: number, raw: number, oursRate: string, rawRate: string, aim: string }[]} */
const rows = [];
/** @type {{ what: string, size: number, kib: number }[]} */
const rss = [];
const fmt = (/** @type {number} */ bytes, /** @type {number} */ ms) => (bytes / MB / (ms / 1000)).toFixed(0);
/** @param {string} what  @param {number} size  @param {number} bytes  @param {number} oursMs  @param {number} rawMs  @param {string} aim */
function row(what, size, bytes, oursMs, rawMs, aim) {
  rows.push({ what, size, bytes, ours: oursMs, raw: rawMs, oursRate: bytes ? fmt(bytes, oursMs) : '-', rawRate: bytes ? fmt(bytes, rawMs) : '-', aim });
}

try {
  for (const size of SIZES) {
    const t = `s${size}`;
    const vol = `${PREFIX}${t}`;
    await s.ft('add', t);
    await fill(vol, size);
    const rawTar = join(work, `${t}-raw.tar`);
    const ourTar = join(work, `${t}.tar`);

    // 5. Downtime with the tenant running (once per size).
    const live = await ours(['export', t, '-o', ourTar]);
    const down = Number(/stopped for ([\d.]+) s/.exec(String(live.r.stderr))?.[1]) * 1000;
    const rawDown = await time(async () => {
      await podman('stop', '--time', '10', vol);
      await podman('volume', 'export', '-o', rawTar, vol);
      await podman('start', vol);
    });
    row('a running tenant is stopped during `export` vs `podman stop` + `volume export` + `podman start`', size, 0, down, rawDown, 'close to raw');
    await podman('stop', vol);
    const bytes = statSync(rawTar).size;

    // 1. Export, alternating ours and raw.
    /** @type {{ ours: number[], raw: number[] }} */
    const ex = { ours: [], raw: [] };
    for (let i = 0; i < N; i++) {
      const o = await ours(['export', t, '-o', ourTar]);
      ex.ours.push(o.ms);
      rss.push({ what: 'export', size, kib: o.rss });
      ex.raw.push(await time(() => podman('volume', 'export', '-o', rawTar, vol)));
    }
    row('`export -o FILE` vs `podman volume export -o FILE`', size, bytes, median(ex.ours), median(ex.raw), '>= 0.8x throughput');

    // 2 and 3. Import.
    /** @type {{ filled: number[], whole: number[], raw: number[], byHand: number[] }} */
    const im = { filled: [], whole: [], raw: [], byHand: [] };
    for (let i = 0; i < N; i++) {
      const o = await ours(['import', ourTar, '--name', `${t}i`]);
      im.whole.push(o.ms);
      im.filled.push(o.steps['import:filled']);
      rss.push({ what: 'import', size, kib: o.rss });
      await s.ft('remove', `${t}i`, '--purge', '--yes');
      const rawVol = `${PREFIX}raw${i}`;
      im.raw.push(await time(async () => {
        await podman('volume', 'create', rawVol);
        await podman('volume', 'import', rawVol, rawTar);
      }));
      await podman('volume', 'rm', rawVol);
      im.byHand.push(await time(async () => {
        await podman('volume', 'create', `${PREFIX}${t}h`);
        await podman('volume', 'import', `${PREFIX}${t}h`, rawTar);
        await execa('node', [CLI, 'add', `${t}h`], { env: s.env, extendEnv: false });
      }));
      await s.ft('remove', `${t}h`, '--purge', '--yes');
    }
    row('`import FILE` until the volume is filled vs `podman volume create` + `import`', size, bytes, median(im.filled), median(im.raw), '>= 0.8x throughput');
    row('whole `import FILE` vs `volume create` + `volume import` + `feather-tenant add`', size, bytes, median(im.whole), median(im.byHand), '>= 0.8x throughput');

    // 4. The pipe, once per size.
    const pipeOurs = await time(() => execa('sh', ['-c', `node ${CLI} export ${t} | node ${CLI} import - --name ${t}p`], { env: s.env, extendEnv: false }));
    await s.ft('remove', `${t}p`, '--purge', '--yes');
    await podman('volume', 'create', `${PREFIX}${t}p`);
    const pipeRaw = await time(() => execa('sh', ['-c', `podman volume export ${vol} | podman volume import ${PREFIX}${t}p -`]));
    await podman('volume', 'rm', `${PREFIX}${t}p`);
    row('`export | import -` (with provisioning) vs `podman volume export | podman volume import -`', size, bytes, pipeOurs, pipeRaw, 'informative');

    await s.ft('remove', t, '--purge', '--yes');
    rmSync(rawTar, { force: true });
    rmSync(ourTar, { force: true });
  }
} finally {
  // After a failure too: close() removes whatever carries the bench prefix (containers, networks
  // with their isolation rules, volumes, secrets).
  await s.close();
}

console.log(`\nvolume data: random; runs per measurement: ${N} (medians); MB = 10^6 bytes of podman's volume tar\n`);
console.log('| measurement | volume | ours (ms) | raw (ms) | ours MB/s | raw MB/s | throughput ratio | aim |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const ratio = r.oursRate === '-' ? `${(r.ours / r.raw).toFixed(2)}x the time` : `${(r.raw / r.ours).toFixed(2)}x`;
  console.log(`| ${r.what} | ${r.size} MB | ${r.ours.toFixed(0)} | ${r.raw.toFixed(0)} | ${r.oursRate} | ${r.rawRate} | ${ratio} | ${r.aim} |`);
}
// Fixed costs (node start, podman and Caddy calls, provisioning) hide the data path at these
// sizes; the difference between the largest and smallest volume shows the streaming rate alone.
if (SIZES.length > 1) {
  const [lo, hi] = [Math.min(...SIZES), Math.max(...SIZES)];
  console.log(`\nmarginal throughput, from the difference between the ${lo} MB and ${hi} MB runs:\n`);
  console.log('| measurement | ours MB/s | raw MB/s | throughput ratio |');
  console.log('|---|---|---|---|');
  for (const what of [...new Set(rows.filter((r) => r.bytes).map((r) => r.what))]) {
    const a = rows.find((r) => r.what === what && r.size === lo);
    const b = rows.find((r) => r.what === what && r.size === hi);
    if (!a || !b) continue;
    const o = (b.bytes - a.bytes) / MB / ((b.ours - a.ours) / 1000);
    const w = (b.bytes - a.bytes) / MB / ((b.raw - a.raw) / 1000);
    console.log(`| ${what} | ${o.toFixed(0)} | ${w.toFixed(0)} | ${(o / w).toFixed(2)}x |`);
  }
}
console.log('\n| our process | volume | peak RSS (MiB, max of runs) |');
console.log('|---|---|---|');
for (const what of ['export', 'import']) {
  for (const size of SIZES) {
    const kib = Math.max(...rss.filter((x) => x.what === what && x.size === size).map((x) => x.kib));
    console.log(`| \`${what}\` | ${size} MB | ${Number.isFinite(kib) ? (kib / 1024).toFixed(1) : 'n/a (no /usr/bin/time)'} |`);
  }
}
