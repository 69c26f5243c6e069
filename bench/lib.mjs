// Shared by the benchmarks: a private stack (Caddy, state dir, prefix), timing and reporting.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCaddy } from '../scripts/lib/private-caddy.mjs';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin/feather-tenant.js');
export const IMAGE = process.env.FEATHER_TEST_IMAGE ?? 'localhost/feather-work-test:latest';

export async function benchStack(prefix, ports) {
  const dir = mkdtempSync(join(tmpdir(), 'ft-bench-'));
  const caddy = await startCaddy(join(dir, 'caddy'));
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    FEATHER_TENANT_CONFIG: join(dir, 'config.json'),
    FEATHER_TENANT_STATE_DIR: join(dir, 'state'),
    FEATHER_TENANT_PREFIX: prefix,
    FEATHER_TENANT_PORTS: ports,
    FEATHER_TENANT_IMAGE: IMAGE,
    FEATHER_TENANT_DOMAIN: 'bench.test',
    FEATHER_TENANT_SCHEME: 'http',
    FEATHER_TENANT_CADDY_ADMIN: caddy.adminUrl,
  };
  writeFileSync(env.FEATHER_TENANT_CONFIG, '{}');
  return {
    dir, caddy, env,
    ft: (...args) => execa('node', [CLI, ...args], { env, extendEnv: false }),
    async close() {
      await caddy.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs a and b alternately n times (so drift hits both alike) and returns their medians. */
export async function compare(n, a, b) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < n; i++) {
    ta.push(await time(() => a(i)));
    tb.push(await time(() => b(i)));
  }
  return { a: median(ta), b: median(tb) };
}

export function report(rows) {
  console.log('\n| measurement | ours (median ms) | raw (median ms) | ratio | difference (ms) | aim |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.what} | ${r.ours.toFixed(1)} | ${r.raw.toFixed(1)} | ${(r.ours / r.raw).toFixed(2)}x | ${(r.ours - r.raw).toFixed(1)} | ${r.aim} |`);
  }
}
