import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, orphanPrefix, sweep } from './stack.js';

// Before the suite: the CLI must be built (npm test builds it), and leftovers of killed
// runs (test prefixes whose process is gone) are swept; the same again after the suite.
export async function setup(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/entry.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  await sweep(orphanPrefix);
}

export async function teardown(): Promise<void> {
  await sweep(orphanPrefix);
}
