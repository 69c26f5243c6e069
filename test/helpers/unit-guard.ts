import { afterAll, afterEach, expect } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

// The unit tier's proof that it needs no real stack: for each test file, the real programs
// are shadowed on PATH by stand-ins that only record that they were called, and every test
// fails that let one of them run. (A unit test that wants a podman writes its own and runs
// it by path, as podman-argv.test.ts does.)
const FORBIDDEN = ['podman', 'caddy', 'redis-server', 'chromium'];

const dir = mkdtempSync(join(tmpdir(), 'ftt-unit-guard-'));
const record = join(dir, 'called');
for (const bin of FORBIDDEN) {
  const file = join(dir, bin);
  writeFileSync(file, `#!/bin/sh\necho "${bin} $*" >> '${record}'\necho 'unit tests must not run ${bin}' >&2\nexit 127\n`);
  chmodSync(file, 0o755);
}
process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`;

afterEach(() => {
  const called = existsSync(record) ? readFileSync(record, 'utf8') : '';
  rmSync(record, { force: true });
  expect(called, 'a unit test ran a program of the real stack; it belongs in test/e2e').toBe('');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
