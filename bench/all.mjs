#!/usr/bin/env node
// `npm run bench`: the foundation's and reconcile's benchmarks in one run, then issue 11's three
// measures of the CLI's fixed cost side by side (`--version` against `node -e 0`, `list --json`
// with 100 running tenants against one `podman ps`, `reconcile` with 200 tenants and nothing to
// do against its raw reads), each against its aim; last, issue 12's upgrade against a bare
// podman stop + run (3 rounds here; `npm run bench:upgrade` runs 5).
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'ft-bench-all-'));
const file = join(dir, 'rows.jsonl');
try {
  for (const script of ['foundation.mjs', 'reconcile.mjs']) {
    await execa('node', [join(import.meta.dirname, script)], { stdio: 'inherit', env: { BENCH_ROWS_FILE: file } });
  }
  /** @type {import('./lib.mjs').Row[]} */
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  await execa('node', [join(import.meta.dirname, 'upgrade.mjs')], { stdio: 'inherit', env: { BENCH_ROUNDS: '3' } });
  console.log('\nThe CLI\'s fixed cost (issue 11):\n');
  console.log('| measurement | ours (median ms) | raw (median ms) | ratio | difference (ms) | aim | met |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows.filter((x) => x.fixedCost)) {
    const ratio = r.ours / r.raw;
    const diff = r.ours - r.raw;
    const limit = Number(/[\d.]+/.exec(r.aim)?.[0]);
    const met = r.fixedCost === 'floor' ? '-' : (r.fixedCost === 'ratio' ? ratio <= limit : diff <= limit) ? 'yes' : 'no';
    console.log(`| ${r.what} | ${r.ours.toFixed(1)} | ${r.raw.toFixed(1)} | ${ratio.toFixed(2)}x | ${diff.toFixed(1)} | ${r.aim} | ${met} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
