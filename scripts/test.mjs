#!/usr/bin/env node
// Runs vitest (arguments pass through: `--project unit` or `--project e2e` picks a tier) and closes with the plain line CI reads:
// "tests: N passed, N failed, N skipped". Exits with vitest's own code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const out = join(tmpdir(), `feather-tenant-vitest-${process.pid}.json`);
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], { stdio: 'inherit' });
if (existsSync(out)) {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out);
  console.log(`tests: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests + j.numTodoTests} skipped`);
}
process.exit(r.status ?? 1);
